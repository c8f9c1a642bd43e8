import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  latestResults,
  summariseVariant,
  toObservations,
  type ScoringContext,
} from '../../../src/core/scoring/aggregate';
import { near, result } from './fixtures';

const ml = { min: 0.5, max: 5, step: 0.5 };
const metric = (s: ReturnType<typeof summariseVariant>, key: string) => s.metrics.find((m) => m.key === key)!;

test('rating: RMSE, MAE, exact, within 0.5 by hand; invalid at the farthest scale end; valid-only beside it', () => {
  const ctx: ScoringContext = { form: 'rating', k: 10, scale: ml, bootstrap: { resamples: 500 } };
  const rs = [
    result({
      caseId: 'a',
      user: 'u1',
      expected: { form: 'rating', value: 4 },
      prediction: { form: 'rating', value: 4 },
    }),
    result({
      caseId: 'b',
      user: 'u1',
      expected: { form: 'rating', value: 4 },
      prediction: { form: 'rating', value: 3 },
    }),
    result({
      caseId: 'c',
      user: 'u2',
      expected: { form: 'rating', value: 5 },
      outcome: 'invalid',
      reason: 'no number',
    }),
    result({
      caseId: 'd',
      user: 'u3',
      expected: { form: 'rating', value: 3.5 },
      prediction: { form: 'rating', value: 4.5 },
    }),
  ];
  const s = summariseVariant(rs, ctx);
  assert.equal(s.headline, 'rmse');
  // The invalid case (truth 5) is scored as 0.5, the end of the scale farthest from it.
  assert.ok(near(metric(s, 'rmse').all.value, Math.sqrt((0 + 1 + 4.5 * 4.5 + 1) / 4)));
  assert.ok(near(metric(s, 'rmse').valid.value, Math.sqrt(2 / 3)));
  assert.ok(near(metric(s, 'mae').all.value, (0 + 1 + 4.5 + 1) / 4));
  assert.ok(near(metric(s, 'exact').all.value, 1 / 4));
  assert.ok(near(metric(s, 'exact').valid.value, 1 / 3));
  assert.ok(near(metric(s, 'within0.5').all.value, 1 / 4));
  // Bias is signed, has no better direction and is over valid answers only, in both columns.
  assert.ok(near(metric(s, 'bias').all.value, (0 - 1 + 1) / 3));
  assert.ok(near(metric(s, 'bias').valid.value, (0 - 1 + 1) / 3));
  assert.equal(metric(s, 'bias').higherIsBetter, null);
  assert.ok(near(s.invalidShare.value, 1 / 4));
  assert.equal(s.errorShare.value, 0);
  assert.deepEqual(s.counts, {
    cases: 4,
    observations: 4,
    users: 3,
    samples: 1,
    success: 3,
    invalid: 1,
    error: 0,
  });
  assert.deepEqual(s.reasons, [{ outcome: 'invalid', reason: 'no number', count: 1 }]);
  const r = metric(s, 'rmse').all;
  assert.ok(r.lo <= r.value && r.value <= r.hi, 'interval holds the estimate');
});

test('binary: accuracy, precision, recall, F1, AUC with ties, Brier, ECE by hand', () => {
  const ctx: ScoringContext = { form: 'binary', k: 10, scale: ml, bootstrap: { resamples: 300 } };
  const cases: [boolean, number][] = [
    [true, 0.9],
    [true, 0.6],
    [true, 0.4],
    [false, 0.6],
    [false, 0.2],
  ];
  const rs = cases.map(([like, p], i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      expected: { form: 'binary', like, value: like ? 4.5 : 2 },
      prediction: { form: 'binary', like: p >= 0.5, probability: p },
    }),
  );
  const s = summariseVariant(rs, ctx);
  assert.equal(s.probabilities, true);
  assert.ok(near(metric(s, 'accuracy').all.value, 3 / 5));
  assert.ok(near(metric(s, 'precision').all.value, 2 / 3));
  assert.ok(near(metric(s, 'recall').all.value, 2 / 3));
  assert.ok(near(metric(s, 'f1').all.value, 2 / 3));
  assert.ok(near(metric(s, 'auc').all.value, 4.5 / 6));
  assert.ok(near(metric(s, 'brier').all.value, (0.01 + 0.16 + 0.36 + 0.36 + 0.04) / 5));
  assert.ok(near(metric(s, 'ece').all.value, (0.1 + 0.2 + 0.6 + 0.2) / 5));
  const bin6 = s.calibration![6];
  assert.equal(bin6.n, 2);
  assert.ok(near(bin6.meanProbability, 0.6));
  assert.ok(near(bin6.observedRate, 0.5));
});

test('binary: a missing answer is wrong in `all`, absent in `valid`; no probability, no AUC', () => {
  const ctx: ScoringContext = { form: 'binary', k: 10, scale: ml, bootstrap: { resamples: 200 } };
  const rs = [
    result({
      caseId: 'a',
      user: 'u1',
      expected: { form: 'binary', like: true, value: 5 },
      prediction: { form: 'binary', like: true },
    }),
    result({
      caseId: 'b',
      user: 'u2',
      expected: { form: 'binary', like: false, value: 1 },
      outcome: 'error',
    }),
  ];
  const s = summariseVariant(rs, ctx);
  assert.equal(s.probabilities, false);
  assert.equal(
    s.metrics.find((m) => m.key === 'auc'),
    undefined,
  );
  assert.equal(metric(s, 'accuracy').all.value, 0.5);
  assert.equal(metric(s, 'accuracy').valid.value, 1);
  assert.equal(metric(s, 'precision').all.value, 0.5); // the error counts as a false "like"
  assert.equal(s.errorShare.value, 0.5);
});

test('choice: samples average within a case; agreement; position bias', () => {
  const ctx: ScoringContext = {
    form: 'choice',
    k: 10,
    scale: null,
    candidates: 3,
    bootstrap: { resamples: 200 },
  };
  const exp = (label: string) => ({ form: 'choice' as const, label });
  const pick = (label: string) => ({ form: 'choice' as const, label });
  const rs = [
    result({ caseId: 'a', user: 'u1', sample: 0, expected: exp('A'), prediction: pick('A') }),
    result({ caseId: 'a', user: 'u1', sample: 1, expected: exp('A'), prediction: pick('B') }),
    result({ caseId: 'b', user: 'u2', sample: 0, expected: exp('B'), prediction: pick('B') }),
    result({ caseId: 'b', user: 'u2', sample: 1, expected: exp('B'), prediction: pick('B') }),
    result({ caseId: 'c', user: 'u3', sample: 0, expected: exp('C'), prediction: pick('A') }),
    result({ caseId: 'c', user: 'u3', sample: 1, expected: exp('C'), outcome: 'invalid' }),
  ];
  const s = summariseVariant(rs, ctx);
  // case means: a 0.5, b 1, c 0 -> 0.5
  assert.ok(near(metric(s, 'accuracy').all.value, 0.5));
  // valid only: a (0.5 weight each: 1 of 2), b 2 of 2, c's one valid sample wrong -> (0.5 + 1 + 0) / 2.5
  assert.ok(near(metric(s, 'accuracy').valid.value, 1.5 / 2.5));
  assert.equal(s.counts.samples, 2);
  // pairs of valid answers agree: a no, b yes; c has one valid answer, nothing to agree with
  assert.equal(s.agreement!.cases, 2);
  assert.ok(near(s.agreement!.pairwise.value, 1 / 2));
  const pb = s.positionBias!;
  assert.deepEqual(
    pb.positions.map((p) => [p.label, p.n, p.accuracy, p.headline, p.chosen]),
    [
      ['A', 1, 0.5, 0.5, 1],
      ['B', 1, 1, 1, 1.5],
      ['C', 1, 0, 0, 0],
    ],
  );
  assert.ok(near(pb.positions[0].chosenShare, 1 / 2.5));
});

test('ranking: NDCG@k, HR@k, MRR by hand; the headline is NDCG at the configured k', () => {
  const ctx: ScoringContext = {
    form: 'ranking',
    k: 2,
    scale: null,
    candidates: 4,
    bootstrap: { resamples: 200 },
  };
  const exp = { form: 'ranking' as const, label: 'A' };
  const rs = [
    result({
      caseId: 'a',
      user: 'u1',
      expected: exp,
      prediction: { form: 'ranking', order: ['A', 'B', 'C', 'D'] },
    }),
    result({
      caseId: 'b',
      user: 'u2',
      expected: exp,
      prediction: { form: 'ranking', order: ['B', 'A', 'C', 'D'] },
    }),
    result({ caseId: 'c', user: 'u3', expected: exp, outcome: 'error' }),
  ];
  const s = summariseVariant(rs, ctx);
  assert.equal(s.headline, 'ndcg@2');
  assert.ok(near(metric(s, 'ndcg@2').all.value, (1 + 1 / Math.log2(3)) / 3));
  assert.ok(near(metric(s, 'hr@2').all.value, 2 / 3));
  assert.ok(near(metric(s, 'hr@1').all.value, 1 / 3));
  assert.ok(near(metric(s, 'mrr').all.value, (1 + 1 / 2 + 1 / 4) / 3));
  assert.ok(near(metric(s, 'meanRank').all.value, (1 + 2 + 4) / 3));
  assert.ok(near(metric(s, 'mrr').valid.value, 0.75));
  // With K = 4 candidates, cut-offs at or above 4 are not reported; the full-list NDCG is, once.
  assert.ok(near(metric(s, 'ndcg').all.value, (1 + 1 / Math.log2(3) + 1 / Math.log2(5)) / 3));
  assert.deepEqual(
    s.metrics.map((m) => m.key),
    ['ndcg@1', 'hr@1', 'ndcg@2', 'hr@2', 'ndcg', 'mrr', 'meanRank'],
  );
});

test('latestResults keeps the last line per (case, variant, sample)', () => {
  const exp = { form: 'choice' as const, label: 'A' };
  const rs = latestResults([
    result({ caseId: 'a', user: 'u', expected: exp, outcome: 'error' }),
    result({ caseId: 'b', user: 'u', expected: exp, prediction: { form: 'choice', label: 'A' } }),
    result({ caseId: 'a', user: 'u', expected: exp, prediction: { form: 'choice', label: 'A' } }),
    result({ caseId: 'a', user: 'u', expected: exp, variant: 'other', outcome: 'error' }),
  ]);
  assert.equal(rs.length, 3);
  assert.deepEqual(
    rs.map((r) => [r.caseId, r.variant, r.outcome]),
    [
      ['b', 'm', 'success'],
      ['a', 'm', 'success'],
      ['a', 'other', 'error'],
    ],
  );
});

test('latestResults tells samples apart; a case with two samples weighs each half', () => {
  const exp = { form: 'choice' as const, label: 'A' };
  const right = { form: 'choice' as const, label: 'A' };
  const rs = latestResults([
    result({ caseId: 'a', user: 'u', expected: exp, sample: 0, outcome: 'error' }),
    result({ caseId: 'a', user: 'u', expected: exp, sample: 1, prediction: right }),
    result({ caseId: 'a', user: 'u', expected: exp, sample: 0, prediction: right }),
    result({ caseId: 'b', user: 'v', expected: exp, sample: 0, prediction: right }),
  ]);
  assert.deepEqual(
    rs.map((r) => [r.caseId, r.sample, r.outcome]),
    [
      ['a', 1, 'success'],
      ['a', 0, 'success'],
      ['b', 0, 'success'],
    ],
  );
  const ctx: ScoringContext = { form: 'choice', k: 10, scale: null, candidates: 4 };
  assert.deepEqual(
    toObservations(rs, ctx).map((o) => o.weight),
    [0.5, 0.5, 1],
  );
  assert.deepEqual(
    toObservations(
      rs.filter((r) => r.sample === 0),
      ctx,
    ).map((o) => o.weight),
    [1, 1],
  );
});

test('position bias: a model that always answers "A" is flagged, its accuracy sits at the first label', () => {
  const ctx: ScoringContext = {
    form: 'choice',
    k: 10,
    scale: null,
    candidates: 4,
    bootstrap: { resamples: 100 },
  };
  const labels = ['A', 'B', 'C', 'D'];
  const rs = Array.from({ length: 80 }, (_, i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      expected: { form: 'choice', label: labels[i % 4] },
      prediction: { form: 'choice', label: 'A' },
    }),
  );
  const pb = summariseVariant(rs, ctx).positionBias!;
  assert.deepEqual(
    pb.positions.map((p) => [p.label, p.chosenShare, p.accuracy]),
    [
      ['A', 1, 1],
      ['B', 0, 0],
      ['C', 0, 0],
      ['D', 0, 0],
    ],
  );
  assert.equal(pb.test.df, 3);
  assert.equal(pb.test.statistic, 240); // (80 - 20)^2 / 20 + 3 * 20
  assert.ok(pb.test.p < 1e-40);
});

test('a variant whose answers all failed reports no agreement (not 1.000)', () => {
  const ctx: ScoringContext = {
    form: 'choice',
    k: 10,
    scale: null,
    candidates: 3,
    bootstrap: { resamples: 50 },
  };
  const exp = { form: 'choice' as const, label: 'A' };
  const rs = ['a', 'b', 'c'].flatMap((caseId, i) =>
    [0, 1, 2].map((sample) =>
      result({ caseId, user: `u${i}`, sample, expected: exp, outcome: sample === 1 ? 'invalid' : 'error' }),
    ),
  );
  const s = summariseVariant(rs, ctx);
  assert.equal(s.agreement, undefined);
  assert.equal(metric(s, 'accuracy').all.value, 0);
});
