// The ranking form: the model orders K labelled candidates (the held-out item and K−1 negatives), most likely
// first. Metrics look at the true item's rank: HR@k, NDCG@k, MRR, mean rank.
import { z } from 'zod';
import { badShape, invalid, strictObject, valid } from './answer';
import { describeLabels, labelIndex, labelWithTitle, readLabel } from './candidates';
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

/** The ranking cut-offs reported for a configured k: 1, 5, 10 and k, sorted, without repeats. */
export function rankingCutoffs(k: number): number[] {
  return [...new Set<number>([...STANDARD_CUTOFFS, k])].filter((x) => x >= 1).sort((a, b) => a - b);
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
    if (seen.has(label)) return invalid(`ranking lists "${label}" more than once`, 'ambiguous');
    seen.add(label);
    order.push(label);
  }
  if (order.length === 0) return invalid('ranking is empty');
  return valid({ form: 'ranking', order }, via);
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

const schema = z.object({ ranking: z.array(z.union([z.string(), z.number()])).min(1) });

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
    return task.k > K
      ? [{ field: 'k', message: `expected a cut-off no larger than the ${K} candidates, got ${task.k}` }]
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
      return ranking(r.data.ranking.map(String), ctx, 'json');
    },
    bare(line, ctx) {
      const list = tryList(line);
      return list ? ranking(list.map(String), ctx, 'text') : undefined;
    },
    lines(lines, ctx) {
      // A numbered list, one label per line ("1. C", "2) A - Title"), possibly after a lead-in line.
      const numbered = lines.map((l) => /^\d+\s*[.):-]\s*\(?\[?([A-Za-z]{1,2})\]?\)?(?:[.:)\s-]|$)/.exec(l));
      const items = numbered.filter((m) => m !== null);
      return items.length >= 2
        ? ranking(
            items.map((m) => m[1]!),
            ctx,
            'text',
          )
        : undefined;
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
    const out: CaseScore = { rank, mrr: 1 / rank };
    for (const c of rankingCutoffs(ctx.k)) {
      out[`hr${c}`] = rank <= c ? 1 : 0;
      out[`ndcg${c}`] = ndcgAt(rank, c);
    }
    out.truePos = labelIndex(expected.label);
    return out;
  },
  scoring({ k }) {
    const sums: Record<string, (s: CaseScore) => number> = {
      mrr: (s) => s.mrr!,
      rank: (s) => s.rank!,
    };
    const mean = (key: string) => (t: Readonly<Record<string, number>>) => (t.n! > 0 ? t[key]! / t.n! : NaN);
    const metrics: FormMetric[] = [];
    for (const c of rankingCutoffs(k)) {
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
    return { sums, metrics, headline: `ndcg@${k}` };
  },
  caseOutcome: (s, k) => ({
    hit: s[`hr${k}`]!,
    value: s[`ndcg${k}`]!,
    error: s.rank! - 1,
    right: s.rank === 1,
  }),
  answerKey: (p) => p.order[0]?.trim().toUpperCase() ?? '\u2205',

  expectedText: (e, target) => (target ? `${e.label} (${target.title})` : e.label),
  predictionText: (p, candidates) =>
    candidates
      ? p.order.map((l, i) => `${i + 1}. ${labelWithTitle(l, candidates)}`).join('; ')
      : p.order.join(' '),

  baselines: ['random', 'popularity', 'item-mean', 'item-knn', 'mf'],
  baselineObjective: 'interaction',
  baselinePrediction: (_tc, answers) => ({ form: 'ranking', order: answers.order() }),
};
