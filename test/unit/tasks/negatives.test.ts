import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCases, itemCounts } from '../../../src/core/tasks';
import type { Interactions } from '../../../src/core/types';
import { makeData, syntheticData, taskOf, type Row } from './helpers';

const syn = syntheticData({ users: 200, items: 300 });

function touchedBy(data: Interactions, user: string): Set<string> {
  const u = data.userIds.indexOf(user);
  const s = new Set<string>();
  for (let r = 0; r < data.n; r++) if (data.user[r] === u) s.add(data.itemIds[data.item[r]]);
  return s;
}

test('negatives are never an item the user has interacted with, and never repeat', () => {
  for (const negatives of ['uniform', 'popularity']) {
    const { cases } = buildCases(syn, taskOf({ form: 'ranking', users: 200, negatives }));
    assert.equal(cases.length, 200);
    for (const c of cases) {
      const touched = touchedBy(syn, c.user);
      const items = c.candidates!.map((x) => x.item);
      assert.equal(new Set(items).size, items.length, `${c.id}: repeated candidate`);
      for (const item of items)
        if (item !== c.target.item) assert.ok(!touched.has(item), `${c.id}: ${item} touched`);
    }
  }
});

test('a user who touched almost everything still gets valid negatives; one with too few is not sampled', () => {
  // 30 items; user "heavy" touched 27 of them, so exactly 3 untouched remain.
  const rows: Row[] = [];
  for (let i = 0; i < 27; i++) rows.push(['heavy', `i${i}`, 4, i]);
  for (let i = 0; i < 30; i++) rows.push(['other', `i${i}`, 3, i]);
  const data = makeData(rows);
  const task = taskOf({ form: 'choice', candidates: 4, minHistory: 5, users: 10 });
  const c = buildCases(data, task).cases.find((x) => x.user === 'heavy')!;
  assert.deepEqual(
    c
      .candidates!.map((x) => x.item)
      .filter((x) => x !== c.target.item)
      .sort(),
    ['i27', 'i28', 'i29'],
  );
  // "other" touched all 30 items: never sampled. With K = 5, "heavy" (3 left) cannot be asked either.
  assert.deepEqual(
    buildCases(data, task).cases.map((x) => x.user),
    ['heavy'],
  );
  assert.throws(() => buildCases(data, { ...task, candidates: 5 }), /fewer than 4 untouched items/);
});

test('popularity-weighted negatives measurably favour popular items; uniform ones do not', () => {
  const counts = itemCounts(syn);
  const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a]);
  const head = new Set(order.slice(0, 30).map((i) => syn.itemIds[i]));
  const share = (negatives: string) => {
    let inHead = 0;
    let total = 0;
    for (const seed of [0, 1, 2, 3, 4]) {
      for (const c of buildCases(syn, taskOf({ form: 'ranking', users: 200, negatives, seed })).cases)
        for (const x of c.candidates!)
          if (x.item !== c.target.item) {
            total++;
            inHead += Number(head.has(x.item));
          }
    }
    return inHead / total;
  };
  const uniform = share('uniform');
  const popular = share('popularity');
  // The 30 most popular of 300 items are 10% of the catalogue; they hold far more of the interactions.
  assert.ok(uniform < 0.13, `uniform head share ${uniform}`);
  assert.ok(popular > 2 * uniform, `popularity head share ${popular} vs uniform ${uniform}`);
});

test("the true item's position is uniform over the K slots (chi-square)", () => {
  const K = 5;
  const hits = new Array<number>(K).fill(0);
  for (const seed of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    for (const c of buildCases(syn, taskOf({ form: 'choice', users: 200, seed })).cases)
      hits[c.candidates!.findIndex((x) => x.item === c.target.item)]++;
  }
  const n = hits.reduce((a, b) => a + b, 0);
  assert.equal(n, 2000);
  const chi2 = hits.reduce((s, h) => s + (h - n / K) ** 2 / (n / K), 0);
  // 4 degrees of freedom: P(chi2 > 18.47) = 0.001.
  assert.ok(chi2 < 18.47, `chi-square ${chi2.toFixed(2)} for ${hits.join(',')}`);
});
