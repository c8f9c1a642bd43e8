// The ranking form: the model orders K labelled candidates (the held-out item and K−1 negatives), most likely
// first. Metrics look at the true item's rank: HR@k, NDCG@k, MRR, mean rank.
import * as z from 'zod';
import { badShape, invalid, strictObject, valid } from './answer';
import { describeLabels, labelIndex, labelWithTitle, readLabel, trueWithTitle } from './candidates';
import { CANDIDATES, HISTORY, SYSTEM } from './templateParts';
import type { AnswerContext, CaseScore, FormMetric, ParseResult, TaskFormDef } from './types';

export interface RankingExpected {
  form: 'ranking';
  /** The true item's label. */
  label: string;
  [field: string]: unknown;
}
export interface RankingPrediction {
  form: 'ranking';
  /** Labels, most likely first (possibly only the top of the order). */
  order: string[];
  [field: string]: unknown;
}

/** The cut-offs always reported for rankings, besides the configured k. */
export const STANDARD_CUTOFFS = [1, 5, 10] as const;

/** NDCG@k for a single relevant item at 1-based `rank`. */
export function ndcgAt(rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0;
}

/**
 * The ranking cut-offs reported for a configured k among K candidates: 1, 5, 10 and k, sorted, without repeats,
 * and below K (HR@c with c >= K is always 1, and NDCG@c is then the full-list NDCG, reported once as `ndcg`).
 */
export function rankingCutoffs(k: number, candidates?: number): number[] {
  const K = candidates ?? Infinity;
  return [...new Set<number>([...STANDARD_CUTOFFS, k])].filter((x) => x >= 1 && x < K).sort((a, b) => a - b);
}

/**
 * 1-based rank of `label` in `order` (duplicates after the first occurrence are ignored). A true item that is
 * missing from the order, or a missing order, is put last: rank = n (the number of candidates).
 */
function rankOf(label: string, order: string[] | undefined, n: number): number {
  const want = label.trim().toUpperCase();
  if (order) {
    const seen = new Set<string>();
    for (const raw of order) {
      const l = raw.trim().toUpperCase();
      if (seen.has(l)) continue;
      seen.add(l);
      if (l === want) return seen.size;
    }
  }
  return Math.max(n, (order?.length ?? 0) + 1, 1);
}

/** Labels or titles; a label given twice keeps its first place (docs/scoring.md). */
function ranking(values: string[], ctx: AnswerContext, via: 'json' | 'text'): ParseResult<RankingPrediction> {
  const order: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    const label = readLabel(v, ctx);
    if (ctx.labels && !ctx.labels.includes(label))
      return invalid(
        `ranking has "${v}", not one of the labels ${describeLabels(ctx.labels)}`,
        'unknown-label',
      );
    if (seen.has(label)) continue;
    seen.add(label);
    order.push(label);
  }
  if (order.length === 0) return invalid('ranking is empty');
  return valid({ form: 'ranking', order }, via);
}

/**
 * A ranking written as one string: "C, A, B", "C > A > B", or titles ("Heat (1995), Matrix, The (1999)"): a part
 * that is no label or title alone is joined with the following parts while that makes a known title.
 */
function splitRanking(s: string, ctx: AnswerContext): string[] {
  const parts = s
    .split(/\s*(?:,|>|;|\s->\s|\n)\s*/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  const known = (x: string) => !ctx.labels || ctx.labels.includes(readLabel(x, ctx));
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    let item = parts[i]!;
    let end = i;
    for (let j = i + 1; !known(item) && j < parts.length; j++) {
      const joined = `${parts.slice(i, j + 1).join(', ')}`;
      if (known(joined)) {
        item = joined;
        end = j;
      }
    }
    out.push(item);
    i = end;
  }
  return out;
}

/** "C, A, B", "C > A > B", or a JSON array of labels. */
function tryList(s: string): unknown[] | undefined {
  const t = s.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v)) return v;
    } catch {
      /* fall through to the list forms */
    }
  }
  const tokens = t
    .replace(/^\[|\]$/g, '')
    .split(/\s*(?:,|>|;|\s->\s|\s+)\s*/)
    .filter((x) => x !== '');
  if (tokens.length >= 2 && tokens.every((x) => /^\(?["']?[A-Za-z]{1,2}["']?\)?\.?$/.test(x)))
    return tokens.map((x) => x.replace(/[()"'.]/g, ''));
  return undefined;
}

const schema = z.object({
  ranking: z.union([z.array(z.union([z.string(), z.number()])).min(1), z.string().trim().min(1)]),
});

export const rankingForm: TaskFormDef<RankingExpected, RankingPrediction> = {
  id: 'ranking',
  summary: 'a full order of K candidates',
  metricsSummary: 'HR@k, NDCG@k, MRR',
  candidates: {
    default: 20,
    // Labels go on to AA, AB…; a hundred candidates is already more than any model ranks reliably.
    max: 100,
    trueLabel: (e) => e.label,
    firstLabel: (p) => p.order[0]?.trim().toUpperCase(),
  },
  configFields: ['candidates', 'negatives', 'k'],
  checkConfig(task) {
    const K = task.candidates ?? 20;
    return task.k >= K
      ? [
          {
            field: 'k',
            message: `expected a cut-off smaller than the ${K} candidates (HR@k is always 1 when k >= K), got ${task.k}`,
          },
        ]
      : [];
  },
  expected: ({ label }) => ({ form: 'ranking', label: label! }),
  example: (label) => ({ form: 'ranking', label }),
  usesCutoff: true,

  answerSchema(tc) {
    const labels = tc.candidates?.map((c) => c.label) ?? [];
    const label = labels.length ? { type: 'string', enum: labels } : { type: 'string' };
    return { name: 'ranking_answer', schema: strictObject({ ranking: { type: 'array', items: label } }) };
  },
  answerTokens: (candidates) => 6 + 4 * Math.max(1, candidates),
  answer: {
    key: 'ranking',
    hint: 'a list of candidate letters',
    fromObject(obj, ctx) {
      const r = schema.safeParse(obj);
      if (!r.success) return badShape('ranking', r.error);
      const list = r.data.ranking;
      return ranking(typeof list === 'string' ? splitRanking(list, ctx) : list.map(String), ctx, 'json');
    },
    bare(line, ctx) {
      const list = tryList(line);
      return list ? ranking(list.map(String), ctx, 'text') : undefined;
    },
    lines(lines, ctx) {
      // A numbered list, one candidate per line ("1. C", "2) A - Title", "3. Heat (1995)"), possibly after a
      // lead-in line; numbered lines that name no candidate (reasons, notes) are not part of it.
      const items = lines
        .map((l) => /^\d+\s*[.):-]\s*(.+)$/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined)
        .filter((x) =>
          ctx.labels
            ? ctx.labels.includes(readLabel(x, ctx))
            : /^\(?\[?[A-Za-z]{1,2}(?:[\].:)\s-]|$)/.test(x),
        );
      return items.length >= 2 ? ranking(items, ctx, 'text') : undefined;
    },
    same: (a, b) => a.order.join('\u0000') === b.order.join('\u0000'),
  },
  template: `---
name: builtin-ranking
description: Rank K candidate items by how likely the user is to interact with each next.
forms: [ranking]
answer: '{"ranking": ["<label>", …]} with every label once, most likely first'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

Here are {{ task.K }} candidate items; one of them is the item user {{ user.id }} {% if dataset.kind == "explicit" %}rated next{% else %}also played{% endif %}:${CANDIDATES}

Rank all {{ task.K }} candidates from most to least likely to be that item. Answer with a JSON object only: {"ranking": ["<label>", "<label>", …]}, listing each of the labels {{ task.labels | join: ", " }} exactly once, most likely first.
`,

  // rank (1-based position of the true item), mrr = 1 / rank, hr<c> and ndcg<c> for each cut-off c,
  // truePos (0-based label position of the true item).
  score(expected, prediction, ctx): CaseScore {
    const order = Array.isArray(prediction?.order) ? prediction.order.map(String) : undefined;
    const n = ctx.candidates ?? order?.length ?? 20;
    const rank = rankOf(expected.label, order, n);
    const out: CaseScore = { rank, mrr: 1 / rank, ndcg: 1 / Math.log2(rank + 1) };
    for (const c of rankingCutoffs(ctx.k, ctx.candidates)) {
      out[`hr${c}`] = rank <= c ? 1 : 0;
      out[`ndcg${c}`] = ndcgAt(rank, c);
    }
    out.truePos = labelIndex(expected.label);
    return out;
  },
  scoring({ k, candidates }) {
    const sums: Record<string, (s: CaseScore) => number> = {
      mrr: (s) => s.mrr!,
      rank: (s) => s.rank!,
      ndcg: (s) => s.ndcg!,
    };
    const mean = (key: string) => (t: Readonly<Record<string, number>>) => (t.n! > 0 ? t[key]! / t.n! : NaN);
    const metrics: FormMetric[] = [];
    const cutoffs = rankingCutoffs(k, candidates);
    for (const c of cutoffs) {
      sums[`hr${c}`] = (s) => s[`hr${c}`]!;
      sums[`ndcg${c}`] = (s) => s[`ndcg${c}`]!;
      metrics.push(
        {
          key: `ndcg@${c}`,
          label: `NDCG@${c}`,
          higherIsBetter: true,
          description: `Normalised discounted cumulative gain of the true item in the top ${c}`,
          sums: [`ndcg${c}`],
          value: mean(`ndcg${c}`),
        },
        {
          key: `hr@${c}`,
          label: `HR@${c}`,
          higherIsBetter: true,
          description: `Share of cases with the true item in the top ${c}`,
          sums: [`hr${c}`],
          value: mean(`hr${c}`),
        },
      );
    }
    metrics.push(
      {
        key: 'ndcg',
        label: 'NDCG',
        higherIsBetter: true,
        description:
          'Normalised discounted cumulative gain of the true item over the whole list (1 / log2(rank + 1))',
        sums: ['ndcg'],
        value: mean('ndcg'),
      },
      {
        key: 'mrr',
        label: 'MRR',
        higherIsBetter: true,
        description: 'Mean reciprocal rank of the true item',
        sums: ['mrr'],
        value: mean('mrr'),
      },
      {
        key: 'meanRank',
        label: 'Mean rank',
        higherIsBetter: false,
        description: 'Mean 1-based rank of the true item',
        sums: ['rank'],
        value: mean('rank'),
      },
    );
    // k < K by config; a run recorded before that rule with k >= K falls back to the full-list NDCG.
    return { sums, metrics, headline: cutoffs.includes(k) ? `ndcg@${k}` : 'ndcg' };
  },
  // k >= K (runs from before that rule): every rank is a hit; the full-list NDCG orders changes.
  caseOutcome: (s, k) => ({
    hit: s[`hr${k}`] ?? 1,
    value: s[`ndcg${k}`] ?? s.ndcg!,
    error: s.rank! - 1,
    right: s.rank === 1,
  }),
  answerKey: (p) => p.order[0]?.trim().toUpperCase() ?? '\u2205',

  expectedText: (e, ctx) => `${trueWithTitle(e.label, ctx)} ranked first`,
  predictionText: (p, ctx) =>
    ctx?.candidates
      ? p.order.map((l, i) => `${i + 1}. ${labelWithTitle(l, ctx.candidates)}`).join('\n')
      : p.order.join(' '),
  // The answer's own order with the true item moved first: the diff then shows only how far down it landed.
  diffExpectedText: (e, p, ctx) => {
    const truth = e.label.trim().toUpperCase();
    const order = [e.label, ...p.order.filter((l) => l.trim().toUpperCase() !== truth)];
    return ctx?.candidates
      ? order.map((l, i) => `${i + 1}. ${labelWithTitle(l, ctx.candidates)}`).join('\n')
      : order.join(' ');
  },
  wrongText: (e, p, ctx) => {
    const rank = p.order.findIndex((l) => l.trim().toUpperCase() === e.label.trim().toUpperCase());
    return `${trueWithTitle(e.label, ctx)} ranked ${rank < 0 ? 'nowhere' : `${rank + 1} of ${p.order.length}`}`;
  },

  baselines: ['random', 'popularity', 'recency', 'item-mean', 'item-knn', 'mf'],
  baselineObjective: 'interaction',
  baselinePrediction: (_tc, answers) => ({ form: 'ranking', order: answers.order() }),
};
