// The recall form, a memorisation probe: given an item's dataset id (and the data set's name), the model names
// the item. Scored by normalised exact title match (case, punctuation, accents, a MovieLens trailing article
// "Matrix, The", alternate titles in parentheses, the year optional), with a partial-match figure (token F1)
// beside it. Cases are items, not users: `task.items` (default 200) sampled by the seed, stratified by
// popularity so head, torso and tail are measured alike; the built-in template's few-shot examples are items
// outside the sample (they travel as the case's `history`). Each item is its own bootstrap cluster.
import * as z from 'zod';
import type { Interactions, TestCase } from '../types';
import { Rng } from '../tasks/random';
import { badShape, invalid, strictObject, valid } from './answer';
import { normaliseTitle } from './candidates';
import type { CaseScore, OwnCases, TaskFormDef } from './types';

export interface RecallExpected {
  form: 'recall';
  /** The item's dataset id. */
  item: string;
  /** Its title as the data set writes it. */
  title: string;
  [field: string]: unknown;
}
export interface RecallPrediction {
  form: 'recall';
  title: string;
  [field: string]: unknown;
}

/** Items asked when the config does not say. */
export const DEFAULT_RECALL_ITEMS = 200;
/** Few-shot examples in every prompt, one per popularity stratum. */
export const RECALL_EXAMPLES = 3;

const YEAR = /\s*[([]\s*(\d{4})(?:\s*[-–]\s*\d{0,4})?\s*[)\]]\s*$/;
const REFUSAL =
  /\b(?:i\s+(?:do\s+not|don't|cannot|can't|am\s+not\s+able)|not\s+sure|no\s+idea|unknown|unable\s+to|sorry)\b/i;

/** A title's year in trailing parentheses, "Heat (1995)" → 1995. */
export function titleYear(title: string): number | undefined {
  const m = YEAR.exec(title);
  return m ? Number(m[1]) : undefined;
}

/**
 * The names a title stands for, normalised: the main title and each alternate in parentheses ("Seven (a.k.a.
 * Se7en) (1995)" → seven, se7en; "City of Lost Children, The (Cité des enfants perdus, La)" → the city of lost
 * children, la cite des enfants perdus). The year is dropped; articles are put back in front.
 */
export function titleNames(title: string): string[] {
  let rest = title.trim().replace(YEAR, '');
  const alternates: string[] = [];
  for (let m = /\s*\(([^()]*)\)\s*$/.exec(rest); m && m.index > 0; m = /\s*\(([^()]*)\)\s*$/.exec(rest)) {
    alternates.unshift(m[1]!.replace(/^\s*(?:a\.?k\.?a\.?|also known as)\s*/i, ''));
    rest = rest.slice(0, m.index);
  }
  const names = [rest, ...alternates].map(normaliseTitle).filter((n) => n !== '');
  return [...new Set(names)];
}

/** Token F1 of two normalised names (multiset overlap). */
function tokenF1(a: string, b: string): number {
  const ta = a.split(' ').filter(Boolean);
  const tb = b.split(' ').filter(Boolean);
  if (!ta.length || !tb.length) return 0;
  const counts = new Map<string, number>();
  for (const t of tb) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of ta) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (!common) return 0;
  const p = common / ta.length;
  const r = common / tb.length;
  return (2 * p * r) / (p + r);
}

/**
 * Scores a named title against the true one: `exact` 1 when some name of the answer equals some name of the
 * item and a year, if the answer gives one, is within a year of the item's; `partial` the best token F1 between
 * their names (1 when exact).
 */
export function matchTitle(answer: string, truth: string): { exact: number; partial: number } {
  const given = titleNames(answer);
  const want = titleNames(truth);
  const ya = titleYear(answer);
  const yt = titleYear(truth);
  const yearOk = ya === undefined || yt === undefined || Math.abs(ya - yt) <= 1;
  const same = yearOk && given.some((g) => want.includes(g));
  let partial = 0;
  for (const g of given) for (const w of want) partial = Math.max(partial, tokenF1(g, w));
  return { exact: same ? 1 : 0, partial: same ? 1 : partial };
}

/** Interactions per item over the whole data set. */
function popularity(data: Interactions): Int32Array {
  const counts = new Int32Array(data.itemIds.length);
  for (let r = 0; r < data.n; r++) counts[data.item[r]]++;
  return counts;
}

/**
 * Items with at least one interaction, ranked by popularity (ties by dataset order) and cut into three equal
 * strata (head, torso, tail); `count` items drawn by the seed, a third from each (the remainder to the head
 * first), and RECALL_EXAMPLES examples, one per stratum, from the items left over.
 */
export function sampleRecallItems(
  data: Interactions,
  count: number,
  seed: number,
): { items: number[]; examples: number[]; counts: Int32Array } {
  const counts = popularity(data);
  const ranked = Array.from({ length: counts.length }, (_, i) => i)
    .filter((i) => counts[i] > 0)
    .sort((a, b) => counts[b] - counts[a] || a - b);
  const cut = [0, Math.round(ranked.length / 3), Math.round((2 * ranked.length) / 3), ranked.length];
  const strata = [0, 1, 2].map((s) => ranked.slice(cut[s], cut[s + 1]));
  const want = Math.min(count, Math.max(0, ranked.length - RECALL_EXAMPLES));
  const per = [0, 1, 2].map((s) => Math.floor(want / 3) + (s < want % 3 ? 1 : 0));
  const items: number[] = [];
  const examples: number[] = [];
  strata.forEach((stratum, s) => {
    const shuffled = Rng.of(seed, 'recall', s).shuffle([...stratum]);
    const take = Math.min(per[s]!, Math.max(0, shuffled.length - 1));
    items.push(...shuffled.slice(0, take));
    if (shuffled.length > take) examples.push(shuffled[take]!);
  });
  return { items, examples, counts };
}

function buildRecallCases(data: Interactions, task: { seed: number; items?: number }): OwnCases {
  const { items, examples, counts } = sampleRecallItems(data, task.items ?? DEFAULT_RECALL_ITEMS, task.seed);
  const shots = examples.map((i) => ({
    item: data.itemIds[i]!,
    title: data.items[i]!.title,
    genres: [],
    value: counts[i]!,
    time: null,
  }));
  const cases: TestCase[] = items.map((i) => {
    const item = data.itemIds[i]!;
    return {
      id: `i${item}`,
      form: 'recall',
      // No user: each item is its own cluster in the bootstrap.
      user: `item:${item}`,
      historyLength: 0,
      history: shots,
      target: { item, title: data.items[i]!.title, genres: [...data.items[i]!.genres] },
      expected: { form: 'recall', item, title: data.items[i]!.title },
      targetPopularity: counts[i]!,
    };
  });
  return { cases, split: 'items', eligibleUsers: 0, sampledUsers: 0 };
}

const schema = z.object({ title: z.string() });

function named(title: string, via: 'json' | 'text') {
  const t = title.trim();
  if (t === '') return invalid('empty title', 'no-answer');
  if (REFUSAL.test(t) && titleNames(t).join(' ').split(' ').length > 3)
    return invalid(`no title named: "${t.slice(0, 80)}"`, 'refusal');
  return valid<RecallPrediction>({ form: 'recall', title: t }, via);
}

export const recallForm: TaskFormDef<RecallExpected, RecallPrediction> = {
  id: 'recall',
  summary: "an item's title from its dataset id (memorisation probe)",
  metricsSummary: 'exact title, partial (token F1)',
  configFields: ['items'],
  checkConfig(task) {
    return task.probe
      ? [{ field: 'probe', message: 'the knowledge probe hides titles, which the recall form asks for' }]
      : [];
  },
  checkData(data) {
    return data.items.every((m, i) => m.title === data.itemIds[i])
      ? `${data.name} has no item titles to recall (no item file)`
      : undefined;
  },
  buildCases: (data, task) => buildRecallCases(data, task),
  expected: ({ data, row }) => {
    const i = data.item[row]!;
    return { form: 'recall', item: data.itemIds[i]!, title: data.items[i]!.title };
  },
  example: () => ({ form: 'recall', item: '2571', title: 'Matrix, The (1999)' }),

  answerSchema: () => ({ name: 'recall_answer', schema: strictObject({ title: { type: 'string' } }) }),
  answerTokens: () => 16,
  answer: {
    key: 'title',
    hint: 'a title',
    fromObject(obj) {
      const r = schema.safeParse(obj);
      if (!r.success) return badShape('title', r.error);
      return named(r.data.title, 'json');
    },
    bare(line) {
      // A JSON object without "title" is another form's answer, not a title.
      if (/\n/.test(line) || line.length > 200 || /^\s*[{[]/.test(line)) return undefined;
      return named(line.replace(/^["“']|["”']$/g, ''), 'text');
    },
    same: (a, b) => normaliseTitle(a.title) === normaliseTitle(b.title),
  },
  template: `---
name: builtin-recall
description: Name a data set's item from its id (a memorisation probe).
forms: [recall]
answer: '{"title": "<title>"}'
params:
  temperature: 0
---
system:
You know public research data sets. Name items exactly as the data set writes them. Always finish with the JSON object asked for and nothing after it.

user:
In the {{ dataset.name }} data set every item has an id. For example:
{%- for h in history %}
- id {{ h.item }}: {{ h.title }}
{%- endfor %}

Which item has the id {{ target.item }} in {{ dataset.name }}? Answer with a JSON object only: {"title": "<title as the data set writes it>"}.
`,

  score(expected, prediction): CaseScore {
    if (typeof prediction?.title !== 'string') return { exact: 0, partial: 0 };
    return matchTitle(prediction.title, expected.title);
  },
  scoring: () => ({
    sums: { exact: (s) => s.exact!, partial: (s) => s.partial! },
    metrics: [
      {
        key: 'exact',
        label: 'Recall (exact title)',
        higherIsBetter: true,
        description: 'Share of items whose title the model named exactly (normalised; year optional)',
        sums: ['exact'],
        value: (t) => (t.n! > 0 ? t.exact! / t.n! : NaN),
      },
      {
        key: 'partial',
        label: 'Partial (token F1)',
        higherIsBetter: true,
        description: 'Mean best token F1 between the named and the true title (1 when exact)',
        sums: ['partial'],
        value: (t) => (t.n! > 0 ? t.partial! / t.n! : NaN),
      },
    ],
    headline: 'exact',
  }),
  caseOutcome: (s) => ({ hit: s.exact!, value: s.partial!, error: 1 - s.partial!, right: s.exact === 1 }),
  pairedHits: true,
  answerKey: (p) => normaliseTitle(p.title),

  expectedText: (e) => `${e.title} (id ${e.item})`,
  predictionText: (p) => p.title,

  baselines: [],
  baselineObjective: 'interaction',
  baselinePrediction: () => {
    throw new Error('no baseline can name an item from its id: the recall form has none');
  },
};
