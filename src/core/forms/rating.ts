// The rating form: the model sees a user's recent ratings and predicts the star rating of a held-out item.
import * as z from 'zod';
import type { ValueScale } from '../types';
import { badShape, invalid, numeric, strictObject, valid } from './answer';
import { HISTORY, SYSTEM } from './templateParts';
import type { AnswerContext, CaseScore, ParseResult, TaskFormDef } from './types';

export interface RatingExpected {
  form: 'rating';
  value: number;
  [field: string]: unknown;
}
export interface RatingPrediction {
  form: 'rating';
  value: number;
  [field: string]: unknown;
}

const EPS = 1e-9;

/** The midpoint of a scale. */
export function scaleMidpoint(scale: ValueScale | null): number {
  return scale ? (scale.min + scale.max) / 2 : 0;
}

/** The valid rating with the largest loss for `truth`: the scale end farthest from it (0 without a scale). */
export function farthestRating(truth: number, scale: ValueScale | null): number {
  if (!scale) return 0;
  return truth - scale.min >= scale.max - truth ? scale.min : scale.max;
}

function roundToScale(value: number, scale: ValueScale): number {
  const clamped = Math.min(scale.max, Math.max(scale.min, value));
  if (!(scale.step > 0)) return clamped;
  return scale.min + Math.round((clamped - scale.min) / scale.step) * scale.step;
}

/** "4.5", "4.5 stars", "4/5", "4 out of 5", as a whole answer. */
const BARE = /^(-?\d+(?:\.\d+)?)\s*(?:(?:\/|out of)\s*\d+(?:\.\d+)?)?\s*(?:stars?)?\s*[.!]?$/i;

function rating(value: number, ctx: AnswerContext, via: 'json' | 'text'): ParseResult<RatingPrediction> {
  if (!Number.isFinite(value)) return invalid(`rating ${value} is not a finite number`, 'off-scale');
  const s = ctx.scale;
  if (s && (value < s.min || value > s.max))
    return invalid(`rating ${value} is outside the scale ${s.min}..${s.max}`, 'off-scale');
  if (!s && value < 0) return invalid(`rating ${value} is negative`, 'off-scale');
  return valid({ form: 'rating', value }, via);
}

const schema = z.object({ rating: z.union([numeric, z.string()]) });

/** "4.5 stars", or "7 of 10" on a scale that does not end at 5. */
export function stars(v: number, scale?: ValueScale | null): string {
  const n = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return scale && scale.max !== 5 ? `${n} of ${scale.max}` : `${n} star${v === 1 ? '' : 's'}`;
}

export const ratingForm: TaskFormDef<RatingExpected, RatingPrediction> = {
  id: 'rating',
  summary: 'a star value',
  metricsSummary: 'RMSE, MAE, exact and within-½ accuracy',
  configFields: [],
  checkData(data) {
    if (data.kind === 'implicit')
      return `the rating form needs explicit ratings, but ${data.name} has implicit feedback (counts); use another form (binary, choice, ranking)`;
    return undefined;
  },
  expected: ({ data, row }) => ({ form: 'rating', value: data.value[row]! }),
  example: () => ({ form: 'rating', value: 5 }),

  answerSchema: () => ({ name: 'rating_answer', schema: strictObject({ rating: { type: 'number' } }) }),
  answerTokens: () => 8,
  answer: {
    key: 'rating',
    hint: 'a number',
    fromObject(obj, ctx) {
      const r = schema.safeParse(obj);
      if (!r.success) return badShape('rating', r.error);
      const v = r.data.rating;
      if (typeof v === 'number') return rating(v, ctx, 'json');
      // "4.5 stars" inside JSON reads as it does outside.
      const m = BARE.exec(v.trim());
      return m ? rating(Number(m[1]), ctx, 'json') : invalid(`invalid "rating": not a number ("${v}")`);
    },
    bare(line, ctx) {
      const m = BARE.exec(line);
      return m ? rating(Number(m[1]), ctx, 'text') : undefined;
    },
    same: (a, b) => a.value === b.value,
  },
  template: `---
name: builtin-rating
description: Predict the star rating a user gives an item, from their recent ratings.
forms: [rating]
answer: '{"rating": number}'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

How would user {{ user.id }} rate this item?
- {{ target.title }}{% if target.genres.size > 0 %} [{{ target.genres | join: ", " }}]{% endif %}

Answer with a JSON object only, e.g. {"rating": 3.5}, where the rating is between {{ task.scale.min }} and {{ task.scale.max }} in steps of {{ task.scale.step }}.
`,

  // pred, truth, absError, sqError, exact (pred rounded to the scale's step equals truth), within05.
  // A non-answer is scored as the scale end farthest from the truth (Exact and Within ½ are 0).
  score(expected, prediction, ctx): CaseScore {
    const truth = expected.value;
    const p =
      prediction && Number.isFinite(prediction.value) ? prediction.value : farthestRating(truth, ctx.scale);
    const diff = p - truth;
    const exact = ctx.scale ? roundToScale(p, ctx.scale) : p;
    return {
      pred: p,
      truth,
      absError: Math.abs(diff),
      sqError: diff * diff,
      exact: Math.abs(exact - truth) < EPS ? 1 : 0,
      within05: Math.abs(diff) <= 0.5 + EPS ? 1 : 0,
    };
  },
  scoring: () => ({
    sums: {
      absError: (s) => s.absError!,
      sqError: (s) => s.sqError!,
      exact: (s) => s.exact!,
      within05: (s) => s.within05!,
      signedError: (s) => s.pred! - s.truth!,
    },
    metrics: [
      {
        key: 'rmse',
        label: 'RMSE',
        higherIsBetter: false,
        description: 'Root mean squared error of the predicted rating',
        sums: ['sqError'],
        value: (t) => (t.n! > 0 ? Math.sqrt(t.sqError! / t.n!) : NaN),
      },
      {
        key: 'mae',
        label: 'MAE',
        higherIsBetter: false,
        description: 'Mean absolute error of the predicted rating',
        sums: ['absError'],
        value: (t) => (t.n! > 0 ? t.absError! / t.n! : NaN),
      },
      {
        key: 'exact',
        label: 'Exact',
        higherIsBetter: true,
        description: 'Share of predictions that, rounded to the scale step, equal the true rating',
        sums: ['exact'],
        value: (t) => (t.n! > 0 ? t.exact! / t.n! : NaN),
      },
      {
        key: 'within0.5',
        label: 'Within ½',
        higherIsBetter: true,
        description: 'Share of predictions within half a star of the true rating',
        sums: ['within05'],
        value: (t) => (t.n! > 0 ? t.within05! / t.n! : NaN),
      },
      {
        key: 'bias',
        label: 'Bias',
        // Signed: 0 is best, neither direction is; over valid answers only (an imputed end would swamp it).
        higherIsBetter: null,
        validOnly: true,
        description:
          'Mean signed error (prediction − truth) of the valid answers; > 0 means ratings are overestimated',
        sums: ['signedError'],
        value: (t) => (t.n! > 0 ? t.signedError! / t.n! : NaN),
      },
    ],
    headline: 'rmse',
  }),
  caseOutcome: (s) => ({ hit: s.within05!, value: -s.absError!, error: s.absError!, right: s.exact === 1 }),
  answerKey: (p) => String(p.value),
  numericAnswer: (p) => p.value,

  expectedText: (e, ctx) => stars(e.value, ctx?.scale),
  predictionText: (p, ctx) => stars(p.value, ctx?.scale),

  baselines: ['random', 'user-mean', 'item-mean', 'item-knn', 'mf'],
  baselineObjective: 'value',
  baselinePrediction: (_tc, answers) => ({ form: 'rating', value: answers.value() }),
};
