import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aucMannWhitney,
  chiSquareSurvival,
  chiSquareTest,
  logGamma,
  quantileSorted,
} from '../../../src/core/scoring/stats';
import { bootstrapPValue, percentileInterval } from '../../../src/core/scoring/bootstrap';
import { seededRandom, hashSeed } from '../../../src/core/scoring/random';
import { csvField, toCsv, toJsonl } from '../../../src/core/scoring/export';
import { near } from './fixtures';

test('χ² survival at textbook critical values', () => {
  assert.ok(near(chiSquareSurvival(3.841459, 1), 0.05, 1e-6));
  assert.ok(near(chiSquareSurvival(9.487729, 4), 0.05, 1e-6));
  assert.ok(near(chiSquareSurvival(30.14353, 19), 0.05, 1e-6));
  assert.ok(near(chiSquareSurvival(0, 3), 1));
  assert.ok(near(logGamma(5), Math.log(24), 1e-6));
  assert.ok(near(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-6));
  const t = chiSquareTest([30, 10], [1, 1]);
  assert.equal(t.statistic, 10);
  assert.equal(t.df, 1);
  assert.ok(near(t.p, chiSquareSurvival(10, 1)));
});

test('AUC: ties count one half, weights multiply pairs, one class gives NaN', () => {
  assert.equal(aucMannWhitney([0.1, 0.9], [0, 1]), 1);
  assert.equal(aucMannWhitney([0.5, 0.5], [0, 1]), 0.5);
  // weights: positive 0.9 (w 2), negative 0.1 (w 1), negative 0.95 (w 1): (2*1 + 0) / (2 * 2)
  assert.equal(aucMannWhitney([0.9, 0.1, 0.95], [1, 0, 0], [2, 1, 1]), 0.5);
  assert.ok(Number.isNaN(aucMannWhitney([0.2, 0.4], [1, 1])));
});

test('quantiles, percentile intervals and p-values', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  const boots = Float64Array.from({ length: 1001 }, (_, i) => i / 1000);
  const ci = percentileInterval(boots, 0.95);
  assert.ok(near(ci.lo, 0.025) && near(ci.hi, 0.975));
  const withNaN = Float64Array.from([NaN, 1, 2, 3]);
  assert.deepEqual(percentileInterval(withNaN, 0.5), { lo: 1.5, hi: 2.5 });
  // centred resamples all within 0.1 of an estimate 0.5 away from 0: p = 1 / (1 + n)
  assert.ok(near(bootstrapPValue(0.5, Float64Array.from([0.45, 0.5, 0.55])), 1 / 4));
  assert.equal(bootstrapPValue(0, Float64Array.from([0.1, -0.1])), 1);
});

test('the PRNG is reproducible per seed and roughly uniform', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const c = seededRandom(43);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c()),
  );
  const r = seededRandom(1);
  let sum = 0;
  for (let i = 0; i < 100000; i++) sum += r();
  assert.ok(Math.abs(sum / 100000 - 0.5) < 0.005);
  assert.equal(hashSeed(7), 7);
  assert.equal(hashSeed('run'), hashSeed('run'));
});

test('CSV fields are quoted per RFC 4180; JSONL keeps column order and nulls', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField(0.25), '0.25');
  assert.equal(toCsv(['x', 'y'], [{ x: 1, y: 'a,b' }]), 'x,y\r\n1,"a,b"\r\n');
  assert.equal(toJsonl(['y', 'x'], [{ x: 1, y: NaN }]), '{"y":null,"x":1}\n');
});
