// resampleTotals counts draws per row pattern and sums exact components in any order: its totals must equal,
// bit for bit, the plain algorithm (each drawn cluster's row added in draw order), written out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterSums, resampleTotals } from '../../../src/core/scoring/bootstrap';
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
