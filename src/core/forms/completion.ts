// The completion form, a second memorisation probe (history completion): given a user's id and their first n
// interactions in FILE order (n = task.history), the model names the id of the next item in the file. Scored by
// exact id, always beside a control that needs no memory: "the next item id above the last one shown" (the
// data set's ids in numeric order), which already scores on files sorted by item id within a user, as
// ml-latest-small is. A model is only evidence of memorisation where it beats the control.
import * as z from 'zod';
import type { Interactions, TestCase } from '../types';
import { Rng } from '../tasks/random';
import { badShape, invalid, strictObject, valid } from './answer';
import type { CaseScore, OwnCases, TaskFormDef } from './types';

export interface CompletionExpected {
  form: 'completion';
  /** The next item's id in the file. */
  item: string;
  /** The control's answer: the smallest item id above the last one shown. */
  control: string;
  [field: string]: unknown;
}
export interface CompletionPrediction {
  form: 'completion';
  item: string;
  [field: string]: unknown;
}

/** Item ids in order: numeric when every id is a number, else as strings. */
function idOrder(ids: readonly string[]): string[] {
  const numeric = ids.every((id) => /^-?\d+(\.\d+)?$/.test(id));
  return [...ids].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The smallest id of `sorted` above `last` (the control's answer), or "" when none is. */
export function nextIdAbove(sorted: readonly string[], last: string): string {
  const numeric = /^-?\d+(\.\d+)?$/.test(last) && /^-?\d+(\.\d+)?$/.test(sorted[0] ?? '');
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const above = numeric ? Number(sorted[mid]) > Number(last) : sorted[mid]! > last;
    if (above) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo] ?? '';
}

/** Users with more than n rows, sampled by the seed; each shows its first n rows in file order. */
export function buildCompletionCases(
  data: Interactions,
  task: { seed: number; users: number; history: number },
): OwnCases {
  const n = Math.max(1, task.history);
  const rowsOf = new Map<number, number[]>();
  for (let r = 0; r < data.n; r++) {
    const u = data.user[r]!;
    const list = rowsOf.get(u);
    if (!list) rowsOf.set(u, [r]);
    else if (list.length <= n) list.push(r);
  }
  const eligible = [...rowsOf.entries()].filter(([, rows]) => rows.length > n).map(([u]) => u);
  if (!eligible.length)
    throw new Error(`no user of ${data.name} has more than task.history = ${n} interactions`);
  const counts = new Int32Array(data.itemIds.length);
  for (let r = 0; r < data.n; r++) counts[data.item[r]!]++;
  const sorted = idOrder(data.itemIds);
  const picked = Rng.of(task.seed, 'completion').shuffle(eligible).slice(0, task.users);
  const cases: TestCase[] = picked.map((u) => {
    const rows = rowsOf.get(u)!;
    const shown = rows.slice(0, n);
    const next = data.item[rows[n]!]!;
    const user = data.userIds[u]!;
    const last = data.itemIds[data.item[shown[shown.length - 1]!]!]!;
    return {
      id: `u${user}-next${n}`,
      form: 'completion',
      user,
      historyLength: n,
      history: shown.map((r) => ({
        item: data.itemIds[data.item[r]!]!,
        title: data.items[data.item[r]!]!.title,
        genres: [...data.items[data.item[r]!]!.genres],
        value: data.value[r]!,
        time: data.time ? data.time[r]! : null,
      })),
      target: {
        item: data.itemIds[next]!,
        title: data.items[next]!.title,
        genres: [...data.items[next]!.genres],
      },
      expected: { form: 'completion', item: data.itemIds[next]!, control: nextIdAbove(sorted, last) },
      targetPopularity: counts[next]!,
    };
  });
  return { cases, split: 'file order', eligibleUsers: eligible.length, sampledUsers: cases.length };
}

const schema = z.object({ item: z.union([z.string(), z.number()]) });
const ID = /^[\w.:-]{1,40}$/;

function named(id: string, via: 'json' | 'text') {
  const t = id.trim().replace(/^(?:id|item)\s*[:#]?\s*/i, '');
  if (!ID.test(t)) return invalid(`"${t.slice(0, 60)}" is not an item id`, 'no-answer');
  return valid<CompletionPrediction>({ form: 'completion', item: t }, via);
}

export const completionForm: TaskFormDef<CompletionExpected, CompletionPrediction> = {
  id: 'completion',
  summary: "the next item id in a user's file rows (memorisation probe)",
  metricsSummary: 'exact id, beside the next-id control',
  configFields: ['history'],
  checkConfig(task) {
    return task.probe
      ? [
          {
            field: 'probe',
            message: 'the completion form shows item ids only; the knowledge probe does not apply',
          },
        ]
      : [];
  },
  buildCases: (data, task) => buildCompletionCases(data, task),
  expected: ({ data, row }) => ({ form: 'completion', item: data.itemIds[data.item[row]!]!, control: '' }),
  example: () => ({ form: 'completion', item: '2571', control: '2572' }),

  answerSchema: () => ({ name: 'completion_answer', schema: strictObject({ item: { type: 'string' } }) }),
  answerTokens: () => 10,
  answer: {
    key: 'item',
    hint: 'an item id',
    fromObject(obj) {
      const r = schema.safeParse(obj);
      if (!r.success) return badShape('item', r.error);
      return named(String(r.data.item), 'json');
    },
    bare: (line) => (ID.test(line.replace(/^(?:id|item)\s*[:#]?\s*/i, '')) ? named(line, 'text') : undefined),
    same: (a, b) => a.item === b.item,
  },
  template: `---
name: builtin-completion
description: Continue a user's rows of a data set file (a memorisation probe).
forms: [completion]
answer: '{"item": "<item id>"}'
params:
  temperature: 0
---
system:
You know public research data sets and their files. Always finish with the JSON object asked for and nothing after it.

user:
These are the first {{ history.size }} rows of user {{ user.id }} in the {{ dataset.name }} data set, in file order (item id, {% if dataset.kind == "explicit" %}rating{% else %}count{% endif %}):
{%- for h in history %}
{{ h.item }},{{ h.value }}
{%- endfor %}

What is the item id of this user's next row in the file? Answer with a JSON object only: {"item": "<item id>"}.
`,

  score(expected, prediction): CaseScore {
    const control = expected.control !== '' && expected.control === expected.item ? 1 : 0;
    const exact = typeof prediction?.item === 'string' && prediction.item.trim() === expected.item ? 1 : 0;
    return { exact, control };
  },
  scoring: () => ({
    sums: { exact: (s) => s.exact!, control: (s) => s.control! },
    metrics: [
      {
        key: 'exact',
        label: 'Next id (exact)',
        higherIsBetter: true,
        description: "Share of cases where the model named the next row's item id",
        sums: ['exact'],
        value: (t) => (t.n! > 0 ? t.exact! / t.n! : NaN),
      },
      {
        key: 'control',
        label: 'Control: next id above the last',
        higherIsBetter: true,
        description: 'The same for the memory-free guess "the next item id above the last one shown"',
        sums: ['control'],
        value: (t) => (t.n! > 0 ? t.control! / t.n! : NaN),
      },
    ],
    headline: 'exact',
  }),
  caseOutcome: (s) => ({ hit: s.exact!, value: s.exact!, error: 1 - s.exact!, right: s.exact === 1 }),
  pairedHits: true,
  answerKey: (p) => p.item,

  expectedText: (e) => `item ${e.item} (control: ${e.control || 'none'})`,
  predictionText: (p) => `item ${p.item}`,

  baselines: [],
  baselineObjective: 'interaction',
  baselinePrediction: () => {
    throw new Error('the completion form has no baselines: its control is reported beside every model');
  },
};
