import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelIndex, ndcgAt, rankingCutoffs, scoreCase } from '../../../src/core/scoring/caseScore';

const ml = { min: 0.5, max: 5, step: 0.5 };

test('rating: errors, exact after rounding to the scale, within half a star', () => {
  const s = scoreCase({ form: 'rating', value: 4 }, { form: 'rating', value: 3.7 }, { scale: ml, k: 10 });
  assert.equal(s.pred, 3.7);
  assert.ok(Math.abs(s.absError - 0.3) < 1e-12);
  assert.ok(Math.abs(s.sqError - 0.09) < 1e-12);
  assert.equal(s.exact, 0); // 3.7 rounds to 3.5
  assert.equal(s.within05, 1);
  const e = scoreCase({ form: 'rating', value: 4 }, { form: 'rating', value: 3.8 }, { scale: ml, k: 10 });
  assert.equal(e.exact, 1); // 3.8 rounds to 4
  const far = scoreCase({ form: 'rating', value: 4 }, { form: 'rating', value: 3.4 }, { scale: ml, k: 10 });
  assert.equal(far.within05, 0);
});

test('rating: a missing answer is the scale end farthest from the truth', () => {
  const s = scoreCase({ form: 'rating', value: 5 }, undefined, { scale: ml, k: 10 });
  assert.equal(s.pred, 0.5);
  assert.equal(s.absError, 4.5);
  assert.equal(s.sqError, 4.5 * 4.5);
  assert.equal(s.exact, 0);
  assert.equal(s.within05, 0);
  const low = scoreCase({ form: 'rating', value: 2 }, undefined, { scale: ml, k: 10 });
  assert.equal(low.pred, 5);
  assert.equal(low.absError, 3);
});

test('binary: correctness, probability and Brier; missing is wrong', () => {
  const s = scoreCase(
    { form: 'binary', like: true, value: 4.5 },
    { form: 'binary', like: true, probability: 0.8 },
    { scale: ml, k: 10 },
  );
  assert.deepEqual(
    { ...s, brier: Math.round(s.brier * 1e9) / 1e9 },
    {
      correct: 1,
      pred: 1,
      truth: 1,
      prob: 0.8,
      brier: 0.04,
    },
  );
  const m = scoreCase({ form: 'binary', like: false, value: 2 }, undefined, { scale: ml, k: 10 });
  assert.deepEqual(m, { correct: 0, pred: 1, truth: 0 });
});

test('choice: correct and label positions; missing is wrong', () => {
  const s = scoreCase({ form: 'choice', label: 'C' }, { form: 'choice', label: 'c' }, { scale: null, k: 10 });
  assert.deepEqual(s, { correct: 1, hr1: 1, truePos: 2, chosenPos: 2 });
  const m = scoreCase({ form: 'choice', label: 'B' }, undefined, { scale: null, k: 10 });
  assert.deepEqual(m, { correct: 0, hr1: 0, truePos: 1, chosenPos: -1 });
});

test('ranking: rank, MRR, HR@k, NDCG@k against hand values', () => {
  const order = ['D', 'B', 'A', 'C'];
  const s = scoreCase(
    { form: 'ranking', label: 'A' },
    { form: 'ranking', order },
    { scale: null, k: 2, candidates: 6 },
  );
  assert.equal(s.rank, 3);
  assert.ok(Math.abs(s.mrr - 1 / 3) < 1e-12);
  assert.equal(s.hr1, 0);
  assert.equal(s.hr2, 0);
  assert.equal(s.hr5, 1);
  assert.equal(s.ndcg2, 0);
  assert.ok(Math.abs(s.ndcg5 - 0.5) < 1e-12); // 1/log2(4)
  assert.ok(Math.abs(s.ndcg - 0.5) < 1e-12); // the full list
  assert.equal(s.hr10, undefined, 'no cut-off at or above K = 6');
  assert.equal(s.truePos, 0);
});

test('ranking: a missing answer or an unranked true item goes last', () => {
  const m = scoreCase({ form: 'ranking', label: 'A' }, undefined, { scale: null, k: 10, candidates: 20 });
  assert.equal(m.rank, 20);
  assert.equal(m.hr10, 0);
  assert.equal(m.ndcg10, 0);
  assert.equal(m.mrr, 1 / 20);
  const partial = scoreCase(
    { form: 'ranking', label: 'E' },
    { form: 'ranking', order: ['A', 'A', 'B'] },
    { scale: null, k: 10, candidates: 5 },
  );
  assert.equal(partial.rank, 5);
  const dup = scoreCase(
    { form: 'ranking', label: 'B' },
    { form: 'ranking', order: ['A', 'A', 'B'] },
    { scale: null, k: 10, candidates: 5 },
  );
  assert.equal(dup.rank, 2);
});

test('helpers', () => {
  assert.equal(labelIndex('A'), 0);
  assert.equal(labelIndex('Z'), 25);
  assert.equal(labelIndex('AA'), 26);
  assert.equal(labelIndex('1'), -1);
  assert.equal(ndcgAt(1, 10), 1);
  assert.equal(ndcgAt(11, 10), 0);
  assert.deepEqual(rankingCutoffs(10), [1, 5, 10]);
  assert.deepEqual(rankingCutoffs(3), [1, 3, 5, 10]);
});
