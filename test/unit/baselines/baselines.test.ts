// The baselines against values worked out by hand on tiny datasets (the arithmetic is in the comments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baselinesForForm,
  createBaseline,
  fitBaselines,
  type BaselineOptions,
  type BaselinePredictor,
} from '../../../src/core/models/baselines';
import { TrainingIndex } from '../../../src/core/models/baselines/training';
import { ItemSimilarity } from '../../../src/core/models/baselines/similarity';
import type { BaselineName } from '../../../src/core/config';
import type { Prediction, TestCase } from '../../../src/core/types';
import { makeCase, makeData, type Row } from './tiny';

const signal = new AbortController().signal;
async function ask(p: BaselinePredictor, tc: TestCase, sample = 0): Promise<Prediction> {
  const r = await p.predict({ testCase: tc, messages: [], sample, signal });
  assert.ok(r.prediction, 'a baseline always answers with a structured prediction');
  assert.deepEqual(JSON.parse(r.raw), r.prediction, 'raw is the prediction as JSON');
  return r.prediction;
}
async function rating(p: BaselinePredictor, user: string, item: string): Promise<number> {
  const pr = await ask(p, makeCase(`r-${user}-${item}`, 'rating', user, [item]));
  assert.equal(pr.form, 'rating');
  return pr.value;
}
async function ranking(p: BaselinePredictor, id: string, user: string, items: string[]): Promise<string[]> {
  const pr = await ask(p, makeCase(id, 'ranking', user, items));
  assert.equal(pr.form, 'ranking');
  // Labels back to item ids (A = items[0], …).
  return pr.order.map((l: string) => items[l.charCodeAt(0) - 65]);
}
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

// Dataset A (scale 1..5, step 1). Rows marked false are held out (trainMask 0).
//   u1: a 5, b 3, c 4            (d 2 held out)      mean (5+3+4)/3 = 4
//   u2: a 4, b 2                 (d 1 held out)      mean (4+2)/2   = 3
//   u3: a 1, c 5, d 3                                mean (1+5+3)/3 = 3
// Global mean over the 8 training rows: (5+3+4+4+2+1+5+3)/8 = 27/8 = 3.375.
// Training counts: a 3, b 2, c 2, d 1 (both held-out rows are on d, which would otherwise lead with 3).
const A: Row[] = [
  ['u1', 'a', 5],
  ['u1', 'b', 3],
  ['u1', 'c', 4],
  ['u2', 'a', 4],
  ['u2', 'b', 2],
  ['u2', 'd', 1, false],
  ['u3', 'a', 1],
  ['u3', 'c', 5],
  ['u3', 'd', 3],
  ['u1', 'd', 2, false],
];
const opts: BaselineOptions = { seed: 7, likeThreshold: 4 };

test('popularity counts only training rows, ranks by count, and answers the global mean for ratings', async () => {
  const { data, mask } = makeData(A);
  const pop = createBaseline('popularity', data, mask, opts);
  assert.equal(pop.id, 'baseline:popularity');
  assert.equal(pop.kind, 'baseline');
  // a (3) first, d (1) last; b and c (2 each) between in a seeded order.
  const order = await ranking(pop, 'case-1', 'u3', ['d', 'c', 'b', 'a']);
  assert.equal(order[0], 'a');
  assert.equal(order[3], 'd');
  assert.deepEqual(new Set(order.slice(1, 3)), new Set(['b', 'c']));
  const choice = await ask(pop, makeCase('case-2', 'choice', 'u1', ['d', 'a', 'b']));
  assert.deepEqual(choice, { form: 'choice', label: 'B' }); // a, the most popular
  close(await rating(pop, 'u1', 'b'), 27 / 8);
});

test('popularity binary: an interaction-weighted popularity percentile against the training like rate', async () => {
  const { data, mask } = makeData(A);
  const pop = createBaseline('popularity', data, mask, opts);
  // Items by training count: d 1, b 2, c 2, a 3 (8 rows). Percentile = (rows on less popular items + half the
  // rows on equally popular ones) / 8:  d (0 + 1/2)/8 = 0.0625,  b, c (1 + 4/2)/8 = 0.375,  a (5 + 3/2)/8 = 0.8125.
  // Training likes (>= 4): u1 a 5, u1 c 4, u2 a 4, u3 c 5 -> 4/8 = 0.5, so "like" iff percentile >= 1 - 0.5.
  const expect: Record<string, [boolean, number]> = {
    a: [true, 0.8125],
    b: [false, 0.375],
    c: [false, 0.375],
    d: [false, 0.0625],
  };
  for (const [item, [like, p]] of Object.entries(expect)) {
    const pr = await ask(pop, makeCase(`b-${item}`, 'binary', 'u2', [item]));
    assert.equal(pr.form, 'binary');
    assert.equal(pr.like, like, item);
    close(pr.probability ?? NaN, p);
  }
});

test('user mean, with the global mean for an unknown user, and a logistic margin for binary', async () => {
  const { data, mask } = makeData(A);
  const um = createBaseline('user-mean', data, mask, opts);
  close(await rating(um, 'u1', 'd'), 4); // (5+3+4)/3; the held-out d 2 would make it 3.5
  close(await rating(um, 'u2', 'a'), 3); // (4+2)/2; the held-out d 1 would make it 7/3
  close(await rating(um, 'nobody', 'a'), 27 / 8);
  // Binary: like iff mean >= likeThreshold - step/2 = 4 - 0.5 = 3.5; probability = 1/(1+exp(-(mean-3.5)/step)).
  const b1 = await ask(um, makeCase('b1', 'binary', 'u1', ['d']));
  assert.deepEqual(b1.form === 'binary' && b1.like, true);
  close(b1.form === 'binary' ? (b1.probability ?? NaN) : NaN, 1 / (1 + Math.exp(-0.5))); // 0.6224593
  const b2 = await ask(um, makeCase('b2', 'binary', 'u2', ['d']));
  assert.deepEqual(b2.form === 'binary' && b2.like, false);
  close(b2.form === 'binary' ? (b2.probability ?? NaN) : NaN, 1 / (1 + Math.exp(0.5))); // 0.3775407
});

test('item mean shrunk toward the global mean: (sum + lambda * mu) / (n + lambda)', async () => {
  const { data, mask } = makeData(A);
  const im = createBaseline('item-mean', data, mask, { ...opts, itemMeanShrinkage: 2 });
  // mu = 27/8 = 3.375, lambda = 2, so lambda * mu = 6.75:
  //   a: (5+4+1 + 6.75)/(3+2) = 16.75/5 = 3.35      b: (3+2 + 6.75)/(2+2) = 11.75/4 = 2.9375
  //   c: (4+5 + 6.75)/(2+2) = 15.75/4 = 3.9375      d: (3 + 6.75)/(1+2) = 9.75/3 = 3.25 (held-out 1 and 2 unused)
  close(await rating(im, 'u1', 'a'), 3.35);
  close(await rating(im, 'u1', 'b'), 2.9375);
  close(await rating(im, 'u1', 'c'), 3.9375);
  close(await rating(im, 'u1', 'd'), 3.25);
  close(await rating(im, 'u1', 'never-seen'), 3.375);
  // Without shrinkage (lambda 0) the plain means: a 10/3.
  const plain = createBaseline('item-mean', data, mask, { ...opts, itemMeanShrinkage: 0 });
  close(await rating(plain, 'u1', 'a'), 10 / 3);
  // Ranking by the shrunk mean: c 3.9375 > a 3.35 > d 3.25 > b 2.9375.
  assert.deepEqual(await ranking(im, 'k', 'u2', ['a', 'b', 'c', 'd']), ['c', 'a', 'd', 'b']);
});

// Dataset K, for item-kNN (scale 1..5). u4's rating of t is held out and is what we predict.
//   u1: t 2, a 1, b 3, c 2   mean 2   centred: t 0, a -1, b +1, c 0
//   u2: t 5, a 5, b 5, c 1   mean 4   centred: t +1, a +1, b +1, c -3
//   u3: t 3, a 4, b 2, c 3   mean 3   centred: t 0, a +1, b -1, c 0
//   u4: a 5, b 2, c 5        mean 4   centred: a +1, b -2, c +1          (t 1 held out)
// Centred item vectors over (u1, u2, u3, u4):
//   t = (0, 1, 0, 0)  |t|^2 = 1      a = (-1, 1, 1, 1)  |a|^2 = 4
//   b = (1, 1, -1, -2)  |b|^2 = 7    c = (0, -3, 0, 1)  |c|^2 = 10
//   cos(t, a) = 1 / (1 * 2) = 0.5    cos(t, b) = 1 / sqrt(7) = 0.3779645    cos(t, c) = -3 / sqrt(10) = -0.9486833
const K: Row[] = [
  ['u1', 't', 2],
  ['u1', 'a', 1],
  ['u1', 'b', 3],
  ['u1', 'c', 2],
  ['u2', 't', 5],
  ['u2', 'a', 5],
  ['u2', 'b', 5],
  ['u2', 'c', 1],
  ['u3', 't', 3],
  ['u3', 'a', 4],
  ['u3', 'b', 2],
  ['u3', 'c', 3],
  ['u4', 'a', 5],
  ['u4', 'b', 2],
  ['u4', 'c', 5],
  ['u4', 't', 1, false],
];

test('centred cosine of sparse item vectors', () => {
  const { data, mask } = makeData(K);
  const train = new TrainingIndex(data, mask);
  const sim = new ItemSimilarity(train, 'centred', 4);
  const ix = (id: string) => data.itemIds.indexOf(id);
  close(sim.cosine(ix('t'), ix('a')), 0.5);
  close(sim.cosine(ix('t'), ix('b')), 1 / Math.sqrt(7));
  close(sim.cosine(ix('t'), ix('c')), -3 / Math.sqrt(10));
  // a . b = (-1)(1) + (1)(1) + (1)(-1) + (1)(-2) = -3;  cos = -3 / (2 sqrt(7))
  close(sim.cosine(ix('a'), ix('b')), -3 / (2 * Math.sqrt(7)));
  close(sim.cosine(ix('b'), ix('a')), -3 / (2 * Math.sqrt(7))); // symmetric
  close(sim.cosine(ix('a'), ix('a')), 1);
  // Interaction (binary) vectors: t = (1,1,1,0) since u4's t is held out; a = (1,1,1,1).
  // cos = 3 / (sqrt(3) * 2) = sqrt(3)/2.
  const co = new ItemSimilarity(train, 'interaction', 0);
  close(co.cosine(ix('t'), ix('a')), Math.sqrt(3) / 2);
});

test('item-kNN rating: the user mean plus the similarity-weighted deviations of the k nearest', async () => {
  const { data, mask } = makeData(K);
  // Positive neighbours of t among u4's items: a (0.5, u4 gave 5, deviation +1), b (1/sqrt 7, 2, deviation -2);
  // c is negative and left out.
  //   k = 20: 4 + (0.5 * 1 + 0.3779645 * (-2)) / (0.5 + 0.3779645) = 4 - 0.2559289 / 0.8779645 = 3.7085
  const knn = createBaseline('item-knn', data, mask, { ...opts, neighbours: 20 });
  const s7 = 1 / Math.sqrt(7);
  close(await rating(knn, 'u4', 't'), 4 + (0.5 * 1 + s7 * -2) / (0.5 + s7));
  close(await rating(knn, 'u4', 't'), 3.7084974, 1e-6);
  //   k = 1: only a -> 4 + 0.5 * 1 / 0.5 = 5
  const knn1 = createBaseline('item-knn', data, mask, { ...opts, neighbours: 1 });
  close(await rating(knn1, 'u4', 't'), 5);
  // Binary: 3.7085 >= 4 - 0.5 -> like, probability 1/(1+exp(-(3.7085-3.5)/1)) = 0.5519.
  const b = await ask(knn, makeCase('kb', 'binary', 'u4', ['t']));
  assert.equal(b.form === 'binary' && b.like, true);
  close(b.form === 'binary' ? (b.probability ?? NaN) : NaN, 1 / (1 + Math.exp(-(3.7084974 - 3.5))), 1e-6);
});

test('item-kNN ranking: the sum of interaction cosines to the user items', async () => {
  // Binary interaction vectors over users (v1, v2, v3, v4):
  //   x: v1 v2 v3        -> (1,1,1,0)     y: v1 v4 -> (1,0,0,1)     z: v2 v3 -> (0,1,1,0)
  //   p: v1 v2           -> (1,1,0,0)     (v4's p is held out)
  // v4 has y and (held-out) p. Candidates for v4: p, x, z.
  //   score(p) = cos(p, y) = 1/(sqrt2 * sqrt2) = 0.5
  //   score(x) = cos(x, y) = 1/(sqrt3 * sqrt2) = 0.4082
  //   score(z) = cos(z, y) = 0
  const { data, mask } = makeData([
    ['v1', 'x', 4],
    ['v2', 'x', 3],
    ['v3', 'x', 5],
    ['v1', 'y', 2],
    ['v4', 'y', 4],
    ['v2', 'z', 4],
    ['v3', 'z', 1],
    ['v1', 'p', 5],
    ['v2', 'p', 2],
    ['v4', 'p', 5, false],
  ]);
  const knn = createBaseline('item-knn', data, mask, { ...opts, form: 'ranking' });
  assert.deepEqual(await ranking(knn, 'c1', 'v4', ['z', 'x', 'p']), ['p', 'x', 'z']);
  const pr = await ask(knn, makeCase('c2', 'choice', 'v4', ['x', 'z', 'p']));
  assert.deepEqual(pr, { form: 'choice', label: 'C' });
});

test('MF converges on a rank-1 matrix to a low training error', async () => {
  // v_ui = 1 + a_u * b_i with a = (1, 2, 3, 4), b = (0.2, 0.4, 0.6, 0.8): a rank-1 matrix (plus a constant),
  // values 1.2 .. 4.2, all 16 cells observed. Biased MF with 2 factors and no regularisation can fit it exactly.
  const a = [1, 2, 3, 4];
  const b = [0.2, 0.4, 0.6, 0.8];
  const rows: Row[] = [];
  for (let u = 0; u < 4; u++) for (let i = 0; i < 4; i++) rows.push([`u${u}`, `i${i}`, 1 + a[u] * b[i]]);
  const { data, mask } = makeData(rows, 'explicit', { min: 0, max: 5, step: 0.5 });
  const mf = createBaseline('mf', data, mask, {
    seed: 3,
    mf: { factors: 2, epochs: 3000, learningRate: 0.02, regularization: 0 },
  });
  let sq = 0;
  for (let u = 0; u < 4; u++) {
    for (let i = 0; i < 4; i++) sq += ((await rating(mf, `u${u}`, `i${i}`)) - (1 + a[u] * b[i])) ** 2;
  }
  const rmse = Math.sqrt(sq / 16);
  assert.ok(rmse < 0.02, `training RMSE ${rmse}`);
  // The spread of the matrix itself (an RMSE the global mean would get) is about 0.85: MF is far below it.
  // Same seed -> same model, bit for bit.
  const again = createBaseline('mf', data, mask, {
    seed: 3,
    mf: { factors: 2, epochs: 3000, learningRate: 0.02, regularization: 0 },
  });
  assert.equal(await rating(again, 'u2', 'i1'), await rating(mf, 'u2', 'i1'));
});

test('MF ranking (BPR) puts a user-specific item above a popular one', async () => {
  // Two taste groups: g1 users take items x1..x3, g2 users take y1..y3; one item "pop" everyone takes.
  // For a g1 user whose x3 is held out, x3 must outrank the y items.
  const rows: Row[] = [];
  for (let u = 0; u < 6; u++) {
    const g = u < 3 ? 'x' : 'y';
    for (let i = 1; i <= 3; i++) rows.push([`u${u}`, `${g}${i}`, 4, !(u === 0 && i === 3)]);
    rows.push([`u${u}`, 'pop', 4]);
  }
  const { data, mask } = makeData(rows);
  const mf = createBaseline('mf', data, mask, { seed: 1, form: 'ranking', mf: { epochs: 400, factors: 4 } });
  const order = await ranking(mf, 'm1', 'u0', ['y1', 'y2', 'x3', 'y3']);
  assert.equal(order[0], 'x3');
});

test('random: deterministic per case whatever the order of calls, uniform over the steps', async () => {
  const { data, mask } = makeData(A);
  const r1 = createBaseline('random', data, mask, opts);
  const r2 = createBaseline('random', data, mask, opts);
  const ids = Array.from({ length: 5000 }, (_, k) => `case-${k}`);
  const forward = await Promise.all(ids.map((id) => rating(r1, 'u1', id)));
  const backward: number[] = [];
  for (const id of [...ids].reverse()) backward.unshift(await rating(r2, 'u1', id));
  assert.deepEqual(forward, backward);
  // Uniform over the 5 steps 1..5: 1000 expected each; a chi-square with 4 degrees of freedom above 18.5 has
  // probability 0.001.
  const counts = new Map<number, number>();
  for (const v of forward) counts.set(v, (counts.get(v) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort(), [1, 2, 3, 4, 5]);
  const chi2 = [...counts.values()].reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
  assert.ok(chi2 < 18.5, `chi-square ${chi2}`);
  // Another seed gives other answers.
  const other = createBaseline('random', data, mask, { ...opts, seed: 8 });
  const diff = (await Promise.all(ids.slice(0, 200).map((id) => rating(other, 'u1', id)))).filter(
    (v, k) => v !== forward[k],
  );
  assert.ok(diff.length > 100);
  // Choice: the true item (always at label A here) is picked about 1/4 of the time among 4 candidates.
  let hits = 0;
  for (const id of ids) {
    const pr = await ask(r1, makeCase(id, 'choice', 'u1', ['a', 'b', 'c', 'd']));
    if (pr.form === 'choice' && pr.label === 'A') hits++;
  }
  assert.ok(Math.abs(hits / ids.length - 0.25) < 0.03, `true-item share ${hits / ids.length}`);
  // Binary: like half the time, with the probability consistent with the answer.
  const bin = await ask(r1, makeCase('rb', 'binary', 'u1', ['a']));
  assert.ok(bin.form === 'binary' && bin.probability !== undefined && bin.like === bin.probability >= 0.5);
});

test('ties are broken by a seeded hash of the item, never by label or position', async () => {
  // All four items have the same training count (1), so popularity ties them all.
  const { data, mask } = makeData([
    ['u1', 'a', 3],
    ['u2', 'b', 3],
    ['u3', 'c', 3],
    ['u4', 'd', 3],
  ]);
  const pop = createBaseline('popularity', data, mask, opts);
  // The same case with the candidates in another order and so other labels: the same item order.
  const o1 = await ranking(pop, 'tie', 'u1', ['a', 'b', 'c', 'd']);
  const o2 = await ranking(pop, 'tie', 'u1', ['d', 'c', 'b', 'a']);
  const o3 = await ranking(pop, 'tie', 'u1', ['c', 'a', 'd', 'b']);
  assert.deepEqual(o2, o1);
  assert.deepEqual(o3, o1);
  // Over many cases, the item in position A comes first about a quarter of the time (no position bias).
  let first = 0;
  for (let k = 0; k < 4000; k++)
    if ((await ranking(pop, `t${k}`, 'u1', ['a', 'b', 'c', 'd']))[0] === 'a') first++;
  assert.ok(Math.abs(first / 4000 - 0.25) < 0.03, `share ${first / 4000}`);
});

test('held-out rows never influence a prediction', async () => {
  // A random explicit dataset; about a fifth of the rows held out. Then the held-out rows get other values and
  // other items: every baseline must give identical predictions for every form.
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const base: Row[] = [];
  for (let u = 0; u < 30; u++) {
    for (let i = 0; i < 25; i++) {
      if (rand() < 0.4) base.push([`u${u}`, `i${i}`, 1 + Math.floor(rand() * 5), rand() >= 0.2]);
    }
  }
  // Make sure every item id appears in both versions (interning order must match).
  const changed: Row[] = base.map((r) =>
    r[3] === false ? [r[0], `i${Math.floor(rand() * 25)}`, 1 + Math.floor(rand() * 5), false] : r,
  );
  const one = makeData(base);
  const two = makeData(changed);
  two.data.itemIds = one.data.itemIds;
  two.data.items = one.data.items;
  two.data.item = Int32Array.from(changed, (r) => one.data.itemIds.indexOf(r[1]));
  assert.ok(
    two.data.value.some((v, k) => v !== one.data.value[k]),
    'the held-out values did change',
  );
  const cases: TestCase[] = [];
  for (let k = 0; k < 40; k++) {
    const user = `u${k % 30}`;
    const items = [0, 1, 2, 3, 4].map((j) => `i${(k * 7 + j * 5) % 25}`);
    for (const form of ['rating', 'binary', 'choice', 'ranking'] as const)
      cases.push(makeCase(`h${k}${form}`, form, user, items));
  }
  assert.ok(
    changed.every((r) => one.data.itemIds.includes(r[1])),
    'every changed item exists in the first version',
  );
  // The change is material: fitted on ALL rows, the two versions answer differently.
  const all = new Uint8Array(base.length).fill(1);
  const leak1 = createBaseline('item-mean', one.data, all, opts);
  const leak2 = createBaseline('item-mean', two.data, all, opts);
  let differ = 0;
  for (const tc of cases)
    if (JSON.stringify(await ask(leak1, tc)) !== JSON.stringify(await ask(leak2, tc))) differ++;
  assert.ok(differ > 10, `only ${differ} cases differ when held-out rows leak`);
  for (const form of ['rating', 'ranking'] as const) {
    const names = baselinesForForm(form);
    const p1 = fitBaselines(names, one.data, one.mask, { form, seed: 5, likeThreshold: 4 });
    const p2 = fitBaselines(names, two.data, two.mask, { form, seed: 5, likeThreshold: 4 });
    for (let b = 0; b < names.length; b++) {
      for (const tc of cases)
        assert.deepEqual(await ask(p2[b], tc), await ask(p1[b], tc), `${names[b]} ${tc.id}`);
    }
  }
});

test('implicit data: log(1 + plays), the user top share for binary', async () => {
  // w1 plays: a 3, b 15, c 255, d 0 -> log1p: ln 4, ln 16, ln 256, 0; mean = (ln 4 + ln 16 + ln 256 + 0)/4
  //   = (2 + 4 + 8) ln 2 / 4 = 3.5 ln 2, back in plays: 2^3.5 - 1 = 10.3137
  // Top share 0.25 of w1's 4 items = 1 item: the cut is ln 256.
  const { data, mask } = makeData(
    [
      ['w1', 'a', 3],
      ['w1', 'b', 15],
      ['w1', 'c', 255],
      ['w1', 'd', 0],
      ['w2', 'a', 7],
      ['w2', 'e', 9, false],
    ],
    'implicit',
  );
  assert.equal(data.scale, null);
  const um = createBaseline('user-mean', data, mask, { seed: 1, topShare: 0.25 });
  close(await rating(um, 'w1', 'e'), 2 ** 3.5 - 1, 1e-9);
  // Binary: margin = 3.5 ln2 - 8 ln2 = -4.5 ln 2 < 0 -> not liked; probability 1/(1+exp(4.5 ln2 / 0.5)) = 1/(1+2^9).
  const b = await ask(um, makeCase('ib', 'binary', 'w1', ['e']));
  assert.equal(b.form === 'binary' && b.like, false);
  close(b.form === 'binary' ? (b.probability ?? NaN) : NaN, 1 / (1 + 2 ** 9));
  // w2 has one training item (a 7): the cut is ln 8 and the mean ln 8 -> margin 0 -> liked, probability 0.5.
  const b2 = await ask(um, makeCase('ib2', 'binary', 'w2', ['e']));
  assert.deepEqual(b2, { form: 'binary', like: true, probability: 0.5 });
  // Interaction cosine on log(1+plays): item a over (w1, w2) = (ln 4, ln 8) = (2, 3) ln 2, item b = (4, 0) ln 2:
  // cos = 8 / (sqrt(13) * 4) = 2 / sqrt(13).
  const train = new TrainingIndex(data, mask);
  const sim = new ItemSimilarity(train, 'interaction', 2);
  close(sim.cosine(data.itemIds.indexOf('a'), data.itemIds.indexOf('b')), 2 / Math.sqrt(13));
});

test('fitBaselines: shared fit, form lists, clear errors', () => {
  const { data, mask } = makeData(A);
  assert.deepEqual(baselinesForForm('ranking'), [
    'random',
    'popularity',
    'recency',
    'item-mean',
    'item-knn',
    'mf',
  ]);
  assert.deepEqual(baselinesForForm('rating'), ['random', 'user-mean', 'item-mean', 'item-knn', 'mf']);
  const all = fitBaselines(baselinesForForm('binary'), data, mask, { form: 'binary', seed: 0 });
  assert.deepEqual(
    all.map((p) => p.id),
    baselinesForForm('binary').map((n: BaselineName) => `baseline:${n}`),
  );
  for (const p of all) assert.ok(p.fitMs >= 0);
  assert.throws(
    () => fitBaselines(['popularity', 'svd++'], data, mask, { form: 'rating', seed: 0 }),
    /unknown baseline "svd\+\+"; known: random/,
  );
  assert.throws(
    () => createBaseline('mf', data, new Uint8Array(3), opts),
    /trainMask has 3 entries but the dataset has 10 rows/,
  );
  assert.throws(() => createBaseline('mf', data, new Uint8Array(10), opts), /selects no rows/);
});

test('an aborted request is refused', async () => {
  const { data, mask } = makeData(A);
  const pop = createBaseline('popularity', data, mask, opts);
  const ac = new AbortController();
  ac.abort(new Error('cancelled'));
  await assert.rejects(
    pop.predict({
      testCase: makeCase('x', 'rating', 'u1', ['a']),
      messages: [],
      sample: 0,
      signal: ac.signal,
    }),
    /cancelled/,
  );
});

test('item-kNN answers do not depend on the order of calls or on what its similarity cache holds', async () => {
  let s = 99;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const rows: Row[] = [];
  for (let u = 0; u < 40; u++) {
    for (let i = 0; i < 30; i++) if (rand() < 0.3) rows.push([`u${u}`, `i${i}`, 1 + Math.floor(rand() * 5)]);
  }
  const { data, mask } = makeData(rows);
  const cases: TestCase[] = [];
  for (let k = 0; k < 60; k++) {
    const items = [0, 1, 2, 3, 4, 5].map((j) => `i${(k * 11 + j * 7) % 30}`);
    cases.push(makeCase(`o${k}`, k % 2 ? 'ranking' : 'rating', `u${k % 40}`, items));
  }
  const big = createBaseline('item-knn', data, mask, { ...opts, similarityCacheRows: 64 });
  const none = createBaseline('item-knn', data, mask, { ...opts, similarityCacheRows: 0 });
  const forward = [];
  for (const tc of cases) forward.push(await ask(big, tc));
  const backward = [];
  for (const tc of [...cases].reverse()) backward.unshift(await ask(none, tc));
  assert.deepEqual(backward, forward);
});
