// resampleTotals counts draws per row pattern and sums exact components in any order: its totals must equal,
// bit for bit, the plain algorithm (each drawn cluster's row added in draw order), written out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapGeneral, ClusterSums, resampleTotals } from '../../../src/core/scoring/bootstrap';
import { scoreResult, summariseVariant } from '../../../src/core/scoring/aggregate';
import { binaryScore } from '../../../src/core/scoring/metrics';
import { aucMannWhitney, sortedOrder } from '../../../src/core/scoring/stats';
import { result } from './fixtures';
import { seededRandom } from '../../../src/core/scoring/random';

function plainTotals(sums: ClusterSums, resamples: number, seed: number): Float64Array {
  const { clusters, width, rows } = sums;
  const out = new Float64Array(resamples * width);
  const rand = seededRandom(seed);
  for (let b = 0; b < resamples; b++)
    for (let i = 0; i < clusters; i++) {
      const c = (rand() * clusters) | 0;
      for (let j = 0; j < width; j++) out[b * width + j] += rows[c * width + j]!;
    }
  return out;
}

function sumsOf(clusters: number, width: number, value: (c: number, j: number) => number): ClusterSums {
  const s = new ClusterSums(clusters, width);
  for (let c = 0; c < clusters; c++) for (let j = 0; j < width; j++) s.add(c, j, value(c, j));
  return s;
}

test('resampleTotals equals adding each drawn row in draw order (exact and inexact components)', () => {
  const r = seededRandom(3);
  const cases: [string, ClusterSums][] = [
    // counts and 0/1 hits: few patterns, every component exact
    ['hits', sumsOf(5000, 3, (c, j) => (j === 0 ? 1 : (c * 7 + j) % 3 === 0 ? 1 : 0))],
    // weights 1/3 and NDCG-like irrational values: summed in draw order
    [
      'thirds',
      sumsOf(3000, 4, (c, j) => (j === 0 ? 1 : j === 1 ? ((c % 3) + 1) / 3 : 1 / Math.log2(2 + (c % 5)))),
    ],
    // a distinct row per cluster (no pattern shared), halves and quarters mixed with noise
    ['distinct', sumsOf(2000, 3, (c, j) => (j === 0 ? (c % 4) / 4 : j === 1 ? r() : c * 0.5))],
    // zeros and negative values, with 300 patterns (ids wider than a byte)
    ['wide', sumsOf(4000, 2, (c, j) => (j === 0 ? (c % 300) - 150 : ((c % 300) * 0.1) / 3))],
  ];
  for (const [name, sums] of cases) {
    for (const seed of [0, 11]) {
      const want = plainTotals(sums, 40, seed);
      const got = resampleTotals(sums, 40, seed);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++)
        assert.ok(Object.is(got[i], want[i]), `${name} ${seed} [${i}]: ${got[i]} ≠ ${want[i]}`);
    }
  }
});

test('the AUC of one case per user from class tallies equals the AUC of the resampled rows, bit for bit', () => {
  const r = seededRandom(9);
  const rs = Array.from({ length: 700 }, (_, i) => {
    const like = r() < 0.4;
    // Tied probabilities (two decimals), some answers without one, a few invalid.
    const outcome = r() < 0.05 ? 'invalid' : 'success';
    const prediction =
      outcome === 'success'
        ? r() < 0.8
          ? { form: 'binary' as const, like: r() < 0.5, probability: Math.round(r() * 20) / 20 }
          : { form: 'binary' as const, like: r() < 0.5 }
        : undefined;
    return result({
      caseId: `c${i}`,
      user: `u${(i * 37) % 700}`,
      expected: { form: 'binary', like, value: like ? 5 : 1 },
      ...(prediction ? { prediction } : {}),
      outcome,
    });
  });
  const ctx = {
    form: 'binary' as const,
    k: 10,
    scale: { min: 1, max: 5, step: 1 },
    bootstrap: { resamples: 300, seed: 2 },
  };
  const s = summariseVariant(rs, ctx);
  const auc = s.metrics.find((m) => m.key === 'auc')!;
  // The reference: users in id order, every row weighted by its user's multiplicity.
  const users = [...new Set(rs.map((x) => x.user))].sort();
  const check = (rows: typeof rs, got: { value: number; lo: number; hi: number }) => {
    const scores = rows.map((x) => binaryScore(scoreResult(x, ctx)));
    const pos = Uint8Array.from(rows, (x) => (x.expected.like ? 1 : 0));
    const cl = Int32Array.from(rows, (x) => users.indexOf(x.user));
    const score = Float64Array.from(scores);
    const order = sortedOrder(score);
    const w = new Float64Array(rows.length);
    const want = bootstrapGeneral(
      users.length,
      (cw) => {
        for (let q = 0; q < rows.length; q++) w[q] = cw[cl[q]!]!;
        return aucMannWhitney(score, pos, w, order);
      },
      rows.length,
      { resamples: 300, seed: 2 },
    );
    assert.ok(Object.is(got.value, want.value), `${got.value} ≠ ${want.value}`);
    assert.ok(Object.is(got.lo, want.lo), `${got.lo} ≠ ${want.lo}`);
    assert.ok(Object.is(got.hi, want.hi), `${got.hi} ≠ ${want.hi}`);
  };
  check(rs, auc.all);
  check(
    rs.filter((x) => x.outcome === 'success'),
    auc.valid,
  );
});
