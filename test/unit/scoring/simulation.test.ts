// Simulations: the random ranking baseline's expected values, and the bootstrap intervals' coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseVariant } from '../../../src/core/scoring/aggregate';
import { bootstrapStatistics, ClusterSums } from '../../../src/core/scoring/bootstrap';
import { seededRandom } from '../../../src/core/scoring/random';
import { result } from './fixtures';

const LABELS = Array.from({ length: 20 }, (_, i) => String.fromCharCode(65 + i));

function shuffled<T>(items: T[], rand: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

test('random ranking of 20 candidates: NDCG@10 ≈ 0.227 and HR@10 ≈ 0.5 within sampling error', () => {
  const rand = seededRandom(7);
  const n = 6000;
  const rs = Array.from({ length: n }, (_, i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      expected: { form: 'ranking', label: LABELS[Math.floor(rand() * 20)] },
      prediction: { form: 'ranking', order: shuffled(LABELS, rand) },
    }),
  );
  const s = summariseVariant(rs, {
    form: 'ranking',
    k: 10,
    scale: null,
    candidates: 20,
    bootstrap: { resamples: 1000 },
  });
  // Expected values under a uniformly random rank r in 1..20.
  let ndcg = 0;
  let ndcgSq = 0;
  for (let r = 1; r <= 10; r++) {
    ndcg += 1 / Math.log2(r + 1) / 20;
    ndcgSq += 1 / Math.log2(r + 1) ** 2 / 20;
  }
  assert.equal(ndcg.toFixed(3), '0.227');
  const get = (k: string) => s.metrics.find((m) => m.key === k)!.all;
  const seNdcg = Math.sqrt((ndcgSq - ndcg * ndcg) / n);
  const seHr = Math.sqrt(0.25 / n);
  assert.ok(Math.abs(get('ndcg@10').value - ndcg) < 4 * seNdcg, `NDCG@10 ${get('ndcg@10').value} vs ${ndcg}`);
  assert.ok(Math.abs(get('hr@10').value - 0.5) < 4 * seHr, `HR@10 ${get('hr@10').value}`);
  assert.ok(Math.abs(get('mrr').value - LABELS.reduce((a, _, i) => a + 1 / (i + 1) / 20, 0)) < 0.02);
  // The bootstrap interval's half-width is close to 1.96 standard errors.
  const half = (get('ndcg@10').hi - get('ndcg@10').lo) / 2;
  assert.ok(half > 1.6 * seNdcg && half < 2.4 * seNdcg, `half-width ${half} vs se ${seNdcg}`);
  // Position bias of a random ranker: no preference (χ² p not tiny), shares near 1/20.
  assert.ok(s.positionBias!.test.p > 0.001, `p = ${s.positionBias!.test.p}`);
});

test('coverage: 1,000 simulated clustered datasets, 95% intervals cover the true mean 93–97% of the time', () => {
  const rand = seededRandom(2026);
  const datasets = 1000;
  const users = 80;
  const truth = 0.5;
  let covered = 0;
  for (let d = 0; d < datasets; d++) {
    // Users differ (p_u uniform on [0.2, 0.8]) and have 1–3 cases: cases of one user are correlated.
    const sums = new ClusterSums(users, 2);
    let n = 0;
    for (let u = 0; u < users; u++) {
      const p = 0.2 + 0.6 * rand();
      const cases = 1 + Math.floor(rand() * 3);
      for (let c = 0; c < cases; c++) {
        sums.add(u, 0, 1);
        sums.add(u, 1, rand() < p ? 1 : 0);
      }
      n += cases;
    }
    const [e] = bootstrapStatistics(sums, [(t, o) => t[o + 1] / t[o]], n, { resamples: 1000, seed: d });
    if (e.lo <= truth && truth <= e.hi) covered++;
  }
  const coverage = covered / datasets;
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});

test('coverage of the RMSE interval from resampled squared errors', () => {
  const rand = seededRandom(99);
  const datasets = 1000;
  const users = 100;
  const sigma = 1; // errors N(0, 1): true RMSE 1
  let covered = 0;
  for (let d = 0; d < datasets; d++) {
    const sums = new ClusterSums(users, 2);
    for (let u = 0; u < users; u++) {
      for (let c = 0; c < 2; c++) {
        const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
        sums.add(u, 0, 1);
        sums.add(u, 1, (sigma * z) ** 2);
      }
    }
    const [e] = bootstrapStatistics(sums, [(t, o) => Math.sqrt(t[o + 1] / t[o])], users * 2, {
      resamples: 1000,
      seed: d,
    });
    if (e.lo <= sigma && sigma <= e.hi) covered++;
  }
  const coverage = covered / datasets;
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});
