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
  for (let i = 0; i < 30; i++) rows.push(['other', `i${i}`, 3, i - 100]);
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

test('temporal split: negatives existed strictly before the target time, else the user is passed over', () => {
  const { cases } = buildCases(syn, taskOf({ form: 'ranking', users: 200 }));
  const firstSeen = new Map<string, number>();
  const timeOf = new Map<string, number>();
  for (let r = 0; r < syn.n; r++) {
    const item = syn.itemIds[syn.item[r]];
    firstSeen.set(item, Math.min(firstSeen.get(item) ?? Infinity, syn.time![r]));
    timeOf.set(`${syn.userIds[syn.user[r]]}/${item}`, syn.time![r]);
  }
  let checked = 0;
  for (const c of cases) {
    const at = timeOf.get(`${c.user}/${c.target.item}`)!;
    for (const x of c.candidates!)
      if (x.item !== c.target.item)
        assert.ok(firstSeen.get(x.item)! < at, `${c.id}: ${x.item} did not exist yet`);
    checked++;
  }
  assert.ok(checked > 100);

  // "early" meets its target before any other item exists: it cannot be asked, so "late" is sampled instead.
  const rows: Row[] = [
    ['early', 'a', 4, 1],
    ['early', 'b', 4, 2],
    ['early', 'c', 4, 3],
    ['late', 'a', 3, 10],
    ['late', 'b', 3, 11],
    ['late', 'd', 3, 12],
    ['late', 'e', 3, 13],
    ['late', 'f', 3, 14],
    ['late', 'g', 3, 15],
    ['x', 'h', 3, 5],
    ['y', 'i', 3, 5],
  ];
  const data = makeData(rows);
  const built = buildCases(data, taskOf({ form: 'choice', candidates: 3, minHistory: 2, users: 2 }));
  assert.deepEqual(
    built.cases.map((c) => c.user),
    ['late'],
  );
  assert.equal(built.sampledUsers, 1);
  assert.equal(built.skippedUsers, 1);
  assert.equal(built.eligibleUsers, 2);
  // A random split on timed data respects time too; only data without timestamps has none to respect.
  const task = taskOf({ form: 'choice', candidates: 3, minHistory: 2, users: 2, split: 'random' });
  assert.deepEqual(
    buildCases(data, task).cases.map((c) => c.user),
    ['late'],
  );
  const untimed = makeData(rows.map(([u, i, v]) => [u, i, v] as Row));
  assert.equal(buildCases(untimed, task).cases.length, 2);
});
