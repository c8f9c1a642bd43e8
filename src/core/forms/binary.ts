// The binary form: will the user like the held-out item (a rating at or above task.likeThreshold; for play
// counts, an item in the user's top task.topShare)? The answer may carry a probability of "like".
import * as z from 'zod';
import type { Interactions } from '../types';
import { badShape, booleanish, numeric, strictObject, valid } from './answer';
import { stars } from './rating';
import { HISTORY, SYSTEM } from './templateParts';
import type { CaseScore, TaskFormDef } from './types';

export interface BinaryExpected {
  form: 'binary';
  like: boolean;
  /** The held-out rating or play count. */
  value: number;
  [field: string]: unknown;
}
export interface BinaryPrediction {
  form: 'binary';
  like: boolean;
  probability?: number;
  [field: string]: unknown;
}

/** Number of equal-width probability bins of the expected calibration error. */
export const ECE_BINS = 10;

/** Implicit "like": the smallest value still inside the user's top share by count (ties at the edge count). */
function topShareThreshold(data: Interactions, rows: Int32Array, share: number): number {
  const values = Array.from(rows, (r) => data.value[r]!).sort((a, b) => b - a);
  const m = Math.max(1, Math.ceil(share * values.length - 1e-9));
  return values[m - 1]!;
}
// One threshold per user (the rows array is the user's), not one sort per held-out item.
const thresholds = new WeakMap<Int32Array, { share: number; value: number }>();
function userThreshold(data: Interactions, rows: Int32Array, share: number): number {
  const hit = thresholds.get(rows);
  if (hit && hit.share === share) return hit.value;
  const value = topShareThreshold(data, rows, share);
  thresholds.set(rows, { share, value });
  return value;
}

const schema = z.object({
  like: booleanish,
  probability: numeric.pipe(z.number().min(0).max(1)).optional().nullable(),
});

const BARE = /^(yes|no|true|false|like|dislike|likes|dislikes|would like|would not like)\s*[.!]?$/i;
const LIKE_WORDS = new Set(['yes', 'true', 'like', 'likes', 'would like']);

/** The effective probability of "like" of a per-case score: the stated probability, else the hard answer. */
const probOf = (s: CaseScore): number => (typeof s.prob === 'number' ? s.prob : s.pred!);
const ratio = (key: string) => (t: Readonly<Record<string, number>>) => (t.n! > 0 ? t[key]! / t.n! : NaN);

export const binaryForm: TaskFormDef<BinaryExpected, BinaryPrediction> = {
  id: 'binary',
  summary: 'like or not',
  metricsSummary: 'accuracy, F1, AUC',
  configFields: ['likeThreshold', 'topShare'],
  checkData(data, task) {
    if (data.kind !== 'explicit' || !data.scale) return undefined;
    const { min, max } = data.scale;
    if (task.likeThreshold > max || task.likeThreshold <= min)
      return `task.likeThreshold ${task.likeThreshold} is outside ${data.name}'s scale (${min}..${max}): every case would have the same answer`;
    return undefined;
  },
  expected({ data, task, row, userRows }) {
    const value = data.value[row]!;
    const like =
      data.kind === 'implicit'
        ? value >= userThreshold(data, userRows, task.topShare)
        : value >= task.likeThreshold;
    return { form: 'binary', like, value };
  },
  example: () => ({ form: 'binary', like: true, value: 5 }),

  answerSchema: () => ({ name: 'binary_answer', schema: strictObject({ like: { type: 'boolean' } }) }),
  answerTokens: () => 14,
  answer: {
    key: 'like',
    hint: 'yes/no or true/false',
    fromObject(obj) {
      const r = schema.safeParse(obj);
      if (!r.success) return badShape('like', r.error);
      const prediction: BinaryPrediction = { form: 'binary', like: r.data.like };
      if (r.data.probability != null) prediction.probability = r.data.probability;
      return valid(prediction, 'json');
    },
    bare(line) {
      const m = BARE.exec(line);
      return m ? valid({ form: 'binary', like: LIKE_WORDS.has(m[1]!.toLowerCase()) }, 'text') : undefined;
    },
    lines(lines) {
      // "Yes, they would enjoy it." / "No. The user dislikes horror." : a leading yes/no, then punctuation.
      const m = /^(yes|no)\s*[,.!:;]\s*\S/i.exec(lines[0] ?? '');
      return m ? valid({ form: 'binary', like: m[1]!.toLowerCase() === 'yes' }, 'text') : undefined;
    },
    same: (a, b) => a.like === b.like && (a.probability ?? null) === (b.probability ?? null),
  },
  template: `---
name: builtin-binary
description: Predict whether a user likes an item, from their recent history.
forms: [binary]
answer: '{"like": true | false, "probability": number between 0 and 1}'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

Will user {{ user.id }} like this item?
- {{ target.title }}{% if target.genres.size > 0 %} [{{ target.genres | join: ", " }}]{% endif %}

{% if dataset.kind == "explicit" -%}
"Like" means a rating of {{ task.likeThreshold }} stars or more.
{%- else -%}
"Like" means it is among the top {{ task.topShare | times: 100 | round }}% of this user's items by play count.
{%- endif %}
Answer with a JSON object only, e.g. {"like": true, "probability": 0.7}, where "probability" is your probability (0 to 1) that the user likes it.
`,

  // correct, pred (1 = like), truth (1 = like); with a stated probability p: prob = p, brier = (p - truth)^2.
  // A non-answer is the wrong label with probability 1 − truth (pred carries it into AUC, Brier and ECE).
  score(expected, prediction): CaseScore {
    const truth = expected.like ? 1 : 0;
    if (!prediction) return { correct: 0, pred: 1 - truth, truth };
    const p = prediction.like ? 1 : 0;
    const out: CaseScore = { correct: p === truth ? 1 : 0, pred: p, truth };
    if (typeof prediction.probability === 'number' && Number.isFinite(prediction.probability)) {
      const prob = Math.min(1, Math.max(0, prediction.probability));
      out.prob = prob;
      out.brier = (prob - truth) * (prob - truth);
    }
    return out;
  },
  scoring() {
    const sums: Record<string, (s: CaseScore) => number> = {
      correct: (s) => s.correct!,
      tp: (s) => (s.pred === 1 && s.truth === 1 ? 1 : 0),
      fp: (s) => (s.pred === 1 && s.truth === 0 ? 1 : 0),
      fn: (s) => (s.pred === 0 && s.truth === 1 ? 1 : 0),
      tn: (s) => (s.pred === 0 && s.truth === 0 ? 1 : 0),
      sqProbError: (s) => (probOf(s) - s.truth!) ** 2,
    };
    // Per bin, the summed (p − truth) of the answers whose probability falls in it.
    const bin = (s: CaseScore) => Math.min(ECE_BINS - 1, Math.floor(probOf(s) * ECE_BINS));
    const bins = Array.from({ length: ECE_BINS }, (_, b) => `calib${b}`);
    bins.forEach((name, b) => (sums[name] = (s) => (bin(s) === b ? probOf(s) - s.truth! : 0)));
    return {
      sums,
      metrics: [
        {
          key: 'balancedAccuracy',
          label: 'Balanced accuracy',
          higherIsBetter: true,
          description:
            'Mean of the recall of likes and the recall of dislikes: 0.5 for any constant answer, whatever the class balance',
          sums: ['tp', 'fn', 'tn', 'fp'],
          value: (t) => {
            const pos = t.tp! + t.fn!;
            const neg = t.tn! + t.fp!;
            if (pos > 0 && neg > 0) return (t.tp! / pos + t.tn! / neg) / 2;
            return pos > 0 ? t.tp! / pos : neg > 0 ? t.tn! / neg : NaN;
          },
        },
        {
          key: 'accuracy',
          label: 'Accuracy',
          higherIsBetter: true,
          description: 'Share of correct like/dislike answers',
          sums: ['correct'],
          value: ratio('correct'),
        },
        {
          key: 'precision',
          label: 'Precision',
          higherIsBetter: true,
          description: 'Of the predicted likes, the share the user liked',
          sums: ['tp', 'fp'],
          value: (t) => (t.tp! + t.fp! > 0 ? t.tp! / (t.tp! + t.fp!) : NaN),
        },
        {
          key: 'recall',
          label: 'Recall',
          higherIsBetter: true,
          description: 'Of the true likes, the share predicted',
          sums: ['tp', 'fn'],
          value: (t) => (t.tp! + t.fn! > 0 ? t.tp! / (t.tp! + t.fn!) : NaN),
        },
        {
          key: 'f1',
          label: 'F1',
          higherIsBetter: true,
          description: 'Harmonic mean of precision and recall (2TP / (2TP + FP + FN))',
          sums: ['tp', 'fp', 'fn'],
          value: (t) => {
            const d = 2 * t.tp! + t.fp! + t.fn!;
            return d > 0 ? (2 * t.tp!) / d : NaN;
          },
        },
        {
          key: 'auc',
          label: 'AUC',
          higherIsBetter: true,
          description: 'Probability that a liked item gets a higher probability than a disliked one (ties ½)',
          general: 'auc',
          needsProbabilities: true,
        },
        {
          key: 'brier',
          label: 'Brier',
          higherIsBetter: false,
          description: 'Mean squared error of the stated probability of "like"',
          sums: ['sqProbError'],
          value: ratio('sqProbError'),
          needsProbabilities: true,
        },
        {
          key: 'ece',
          label: 'ECE',
          higherIsBetter: false,
          description: `Expected calibration error over ${ECE_BINS} equal-width probability bins`,
          sums: bins,
          value: (t) => {
            if (!(t.n! > 0)) return NaN;
            let sum = 0;
            for (const b of bins) sum += Math.abs(t[b]!);
            return sum / t.n!;
          },
          needsProbabilities: true,
        },
      ],
      // Imbalanced data (79% dislikes on Last.fm) makes plain accuracy reward "always no".
      headline: 'balancedAccuracy',
      beside: ['auc'],
    };
  },
  caseOutcome: (s) => ({
    hit: s.correct!,
    value: s.correct!,
    error: typeof s.prob === 'number' ? Math.abs(s.prob - s.truth!) : 1 - s.correct!,
    right: s.correct === 1,
  }),
  pairedHits: true,
  answerKey: (p) => (p.like ? 'like' : 'dislike'),
  // "like" with a probability of like under ½ (or the reverse): counted and scored as given, flagged in reports.
  flags: (p) =>
    typeof p.probability === 'number' && (p.like ? p.probability < 0.5 : p.probability > 0.5)
      ? ['contradictory']
      : [],

  // Without a scale (play counts) the value is not a rating.
  expectedText: (e, ctx) =>
    `${e.like ? 'likes it' : 'does not like it'} (${ctx?.scale === null ? `value ${e.value}` : `rated ${stars(e.value, ctx?.scale)}`})`,
  predictionText: (p) =>
    `${p.like ? 'likes it' : 'does not like it'}${p.probability !== undefined ? ` (probability ${p.probability})` : ''}`,

  // majority: the more common label every time, what balanced accuracy holds at 0.5.
  baselines: ['random', 'majority', 'popularity', 'user-mean', 'item-mean', 'item-knn', 'mf'],
  baselineObjective: 'value',
  baselinePrediction(_tc, answers) {
    const a = answers.like();
    return { form: 'binary', like: a.like, probability: a.probability };
  },
};
