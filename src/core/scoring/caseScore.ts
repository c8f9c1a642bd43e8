// Per-case metric values: one case, one answer (or none), scored against the expected answer.
// Aggregation (aggregate.ts) averages these over cases; the runner stores them in each CaseResult.score.
//
// A missing prediction (outcome invalid or error) is scored as WRONG, never skipped:
//   rating   the prediction is taken as the scale's midpoint ((min + max) / 2; 0 without a scale)
//   binary   the answer is taken as the opposite of the truth (correct = 0); no probability
//   choice   correct = 0
//   ranking  the true item is put last (rank = number of candidates)
//
// Keys, by form (all numbers; 1/0 for yes/no):
//   rating   pred, truth, absError = |pred - truth|, sqError = (pred - truth)^2,
//            exact = 1 when pred rounded to the scale's step (clamped to the scale) equals truth,
//            within05 = 1 when |pred - truth| <= 0.5
//   binary   correct, pred (1 = like), truth (1 = like), and when a probability p of "like" was given:
//            prob = p, brier = (p - truth)^2
//   choice   correct (= hr1), truePos and chosenPos (0-based label positions, A = 0; chosenPos = -1 when
//            there is no answer)
//   ranking  rank (1-based position of the true item), mrr = 1 / rank, hr<k> = 1 when rank <= k,
//            ndcg<k> = 1 / log2(rank + 1) when rank <= k else 0 (one relevant item, so the ideal DCG is 1),
//            for k in 1, 5, 10 and the configured k; truePos (0-based label position of the true item)
import type { Expected, Prediction, ValueScale } from '../types';

export interface CaseScoreOptions {
  /** The dataset's rating scale (rating form); null for implicit data. */
  scale: ValueScale | null;
  /** The configured cut-off for HR@k and NDCG@k (ranking). */
  k: number;
  /** Number of candidates shown (ranking): where a missing or unranked true item lands. */
  candidates?: number;
}

/** The cut-offs always reported for rankings, besides the configured k. */
export const STANDARD_CUTOFFS = [1, 5, 10] as const;

const EPS = 1e-9;

/** 0-based position of a candidate label: A = 0 … Z = 25, AA = 26 … (bijective base 26). -1 if not a label. */
export function labelIndex(label: string): number {
  const s = label.trim().toUpperCase();
  if (!/^[A-Z]+$/.test(s)) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) n = n * 26 + (s.charCodeAt(i) - 64);
  return n - 1;
}

/** The midpoint of a scale: the rating a missing answer is scored as. */
export function scaleMidpoint(scale: ValueScale | null): number {
  return scale ? (scale.min + scale.max) / 2 : 0;
}

/** NDCG@k for a single relevant item at 1-based `rank`. */
export function ndcgAt(rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0;
}

/** The ranking cut-offs reported for a configured k: 1, 5, 10 and k, sorted, without repeats. */
export function rankingCutoffs(k: number): number[] {
  return [...new Set<number>([...STANDARD_CUTOFFS, k])].filter((x) => x >= 1).sort((a, b) => a - b);
}

function roundToScale(value: number, scale: ValueScale): number {
  const clamped = Math.min(scale.max, Math.max(scale.min, value));
  if (!(scale.step > 0)) return clamped;
  return scale.min + Math.round((clamped - scale.min) / scale.step) * scale.step;
}

/**
 * Scores one case. `prediction` is undefined when the answer was invalid or the request failed; such a case is
 * scored as wrong (see the header). A prediction of another form than the expected one counts as missing.
 */
export function scoreCase(
  expected: Expected,
  prediction: Prediction | undefined,
  opts: CaseScoreOptions,
): Record<string, number> {
  const pred = prediction && prediction.form === expected.form ? prediction : undefined;
  switch (expected.form) {
    case 'rating': {
      const truth = expected.value;
      const p =
        pred?.form === 'rating' && Number.isFinite(pred.value) ? pred.value : scaleMidpoint(opts.scale);
      const diff = p - truth;
      const exact = opts.scale ? roundToScale(p, opts.scale) : p;
      return {
        pred: p,
        truth,
        absError: Math.abs(diff),
        sqError: diff * diff,
        exact: Math.abs(exact - truth) < EPS ? 1 : 0,
        within05: Math.abs(diff) <= 0.5 + EPS ? 1 : 0,
      };
    }
    case 'binary': {
      const truth = expected.like ? 1 : 0;
      if (pred?.form !== 'binary') return { correct: 0, pred: 1 - truth, truth };
      const p = pred.like ? 1 : 0;
      const out: Record<string, number> = { correct: p === truth ? 1 : 0, pred: p, truth };
      if (typeof pred.probability === 'number' && Number.isFinite(pred.probability)) {
        const prob = Math.min(1, Math.max(0, pred.probability));
        out.prob = prob;
        out.brier = (prob - truth) * (prob - truth);
      }
      return out;
    }
    case 'choice': {
      const truePos = labelIndex(expected.label);
      const chosen = pred?.form === 'choice' && typeof pred.label === 'string' ? pred.label : undefined;
      const correct =
        chosen !== undefined && chosen.trim().toUpperCase() === expected.label.trim().toUpperCase();
      return {
        correct: correct ? 1 : 0,
        hr1: correct ? 1 : 0,
        truePos,
        chosenPos: chosen !== undefined ? labelIndex(chosen) : -1,
      };
    }
    case 'ranking': {
      const order =
        pred?.form === 'ranking' && Array.isArray(pred.order) ? pred.order.map(String) : undefined;
      const n = opts.candidates ?? order?.length ?? 20;
      const rank = rankOf(expected.label, order, n);
      const out: Record<string, number> = { rank, mrr: 1 / rank };
      for (const k of rankingCutoffs(opts.k)) {
        out[`hr${k}`] = rank <= k ? 1 : 0;
        out[`ndcg${k}`] = ndcgAt(rank, k);
      }
      out.truePos = labelIndex(expected.label);
      return out;
    }
  }
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
