import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCases, buildUserIndex, userRows, TaskError } from '../../../src/core/tasks';
import { makeData, syntheticData, taskOf, type Row } from './helpers';

// User "a" rates 7 items; the last three share one second (t=50), so the latest is the LAST of them in file order.
const rowsA: Row[] = [
  ['a', 'i5', 3, 50],
  ['a', 'i1', 4, 10],
  ['b', 'i1', 2, 5],
  ['a', 'i2', 5, 20],
  ['a', 'i6', 1, 50],
  ['a', 'i3', 2, 30],
  ['a', 'i4', 4.5, 40],
  ['a', 'i7', 3.5, 50],
];

test('user index: rows by time, then file order for same-second ties', () => {
  const data = makeData(rowsA);
  const idx = buildUserIndex(data);
  const items = Array.from(userRows(idx, 0), (r) => data.itemIds[data.item[r]]);
  assert.deepEqual(items, ['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7']);
  assert.deepEqual(
    Array.from(userRows(idx, 1), (r) => data.itemIds[data.item[r]]),
    ['i1'],
  );
});

test('user index: file order without timestamps', () => {
  const data = makeData(rowsA.map(([u, i, v]) => [u, i, v] as Row));
  assert.equal(data.time, null);
  const idx = buildUserIndex(data);
  assert.deepEqual(
    Array.from(userRows(idx, 0), (r) => data.itemIds[data.item[r]]),
    ['i5', 'i1', 'i2', 'i6', 'i3', 'i4', 'i7'],
  );
});

test('temporal split: the seed, not file order, picks the target in a same-second tie; the rest of it is not history', () => {
  const data = makeData(rowsA);
  const targets = new Set<string>();
  for (let seed = 0; seed < 24; seed++) {
    const task = taskOf({ form: 'rating', minHistory: 3, history: 4, seed });
    const { cases, split, trainMask } = buildCases(data, task);
    assert.equal(split, 'temporal');
    assert.equal(cases.length, 1);
    const c = cases[0];
    targets.add(c.target.item);
    assert.ok(['i5', 'i6', 'i7'].includes(c.target.item), c.target.item);
    assert.equal(c.id, `ua-i${c.target.item}`);
    // Only what happened strictly before the target's second: the other two of its group are not history.
    assert.equal(c.historyLength, 4);
    assert.deepEqual(
      c.history.map((h) => h.item),
      ['i1', 'i2', 'i3', 'i4'],
    );
    // Only the held-out row is masked out of training.
    const row = rowsA.findIndex(([u, i]) => u === 'a' && i === c.target.item);
    assert.deepEqual(
      Array.from(trainMask),
      rowsA.map((_, r) => (r === row ? 0 : 1)),
    );
    // The same seed gives the same target.
    assert.equal(buildCases(data, task).cases[0].target.item, c.target.item);
  }
  // Every member of the group is picked by some seed (file order would always pick i7).
  assert.deepEqual([...targets].sort(), ['i5', 'i6', 'i7']);
});

test('temporal split: casesPerUser = 2 holds out the last two, each with the history strictly before it', () => {
  const data = makeData(rowsA);
  const { cases, trainMask } = buildCases(data, taskOf({ form: 'rating', minHistory: 3, casesPerUser: 2 }));
  assert.equal(cases.length, 2);
  for (const c of cases) {
    assert.ok(['i5', 'i6', 'i7'].includes(c.target.item));
    assert.equal(c.historyLength, 4);
    assert.equal(c.history.at(-1)!.item, 'i4');
  }
  assert.notEqual(cases[0].target.item, cases[1].target.item);
  assert.equal(
    trainMask.reduce((s, x) => s + x, 0),
    data.n - 2,
  );
  // Without ties: the last two in time, the second one's history includes the first.
  const plain = makeData(rowsA.map(([u, i, v, t]) => [u, i, v, t! + Number(i.slice(1))] as Row));
  const two = buildCases(plain, taskOf({ form: 'rating', minHistory: 3, casesPerUser: 2 })).cases;
  assert.deepEqual(
    two.map((c) => [c.target.item, c.historyLength]),
    [
      ['i6', 5],
      ['i7', 6],
    ],
  );
  assert.equal(two[1].history.at(-1)!.item, 'i6');
});

test('minHistory counts the interactions strictly before the first target', () => {
  const data = makeData(rowsA);
  assert.throws(
    () => buildCases(data, taskOf({ form: 'rating', minHistory: 7 })),
    (e: unknown) =>
      e instanceof TaskError &&
      /minHistory \+ casesPerUser = 8/.test(e.message) &&
      /most any user has is 7/.test(e.message),
  );
  // 7 interactions, but only 4 before the latest second: minHistory 5 is not met.
  assert.throws(() => buildCases(data, taskOf({ form: 'rating', minHistory: 5 })), /same-second/);
  const syn = syntheticData();
  const idx = buildUserIndex(syn);
  const { cases, eligibleUsers } = buildCases(syn, taskOf({ form: 'rating', minHistory: 25, users: 1000 }));
  let expectEligible = 0;
  for (let u = 0; u < idx.users; u++) {
    const times = Array.from(userRows(idx, u), (r) => syn.time![r]);
    const last = Math.max(...times);
    if (times.filter((t) => t < last).length >= 25) expectEligible++;
  }
  assert.ok(expectEligible > 5);
  assert.equal(eligibleUsers, expectEligible);
  assert.equal(cases.length, expectEligible);
  for (const c of cases) assert.ok(c.historyLength >= 25, `${c.id} has ${c.historyLength}`);
});

test('random split without timestamps: seeded hold-out, history from the training rows only', () => {
  const syn = syntheticData({ time: false });
  const task = taskOf({ form: 'rating', casesPerUser: 2, history: 5, users: 20 });
  const a = buildCases(syn, task);
  const b = buildCases(syn, task);
  assert.equal(a.split, 'random');
  assert.deepEqual(a.cases, b.cases);
  const other = buildCases(syn, { ...task, seed: 99 });
  assert.notDeepEqual(
    a.cases.map((c) => c.id),
    other.cases.map((c) => c.id),
  );
  const idx = buildUserIndex(syn);
  for (const c of a.cases) {
    const u = syn.userIds.indexOf(c.user);
    const count = idx.offsets[u + 1] - idx.offsets[u];
    assert.equal(c.historyLength, count - 2);
    assert.equal(c.history.length, Math.min(5, count - 2));
    const heldItems = new Set(a.cases.filter((x) => x.user === c.user).map((x) => x.target.item));
    for (const h of c.history)
      assert.ok(!heldItems.has(h.item), `${c.id}: held-out ${h.item} shown in history`);
    assert.ok(c.history.every((h) => h.time === null));
  }
  // Held-out positions are not always the last rows of the file (it is not a disguised temporal split).
  const lastInFile = a.cases.filter((c) => {
    const u = syn.userIds.indexOf(c.user);
    const rows = userRows(idx, u);
    return syn.itemIds[syn.item[rows[rows.length - 1]]] === c.target.item;
  });
  assert.ok(lastInFile.length < a.cases.length / 2);
  // Every user with enough rows has its 2 held-out rows masked (sampled or not), and nothing else is masked.
  let holdable = 0;
  for (let u = 0; u < idx.users; u++) if (idx.offsets[u + 1] - idx.offsets[u] >= 5 + 2) holdable++;
  assert.ok(holdable > 20);
  assert.equal(a.trainMask.length - a.trainMask.reduce((s, x) => s + x, 0), 2 * holdable);
  for (const c of a.cases) {
    const u = syn.userIds.indexOf(c.user);
    const row = Array.from(userRows(idx, u)).find((r) => syn.itemIds[syn.item[r]] === c.target.item)!;
    assert.equal(a.trainMask[row], 0);
  }
});

test('split "temporal" on data without timestamps is an error; "random" on timed data is allowed', () => {
  const untimed = makeData(rowsA.map(([u, i, v]) => [u, i, v] as Row));
  assert.throws(
    () => buildCases(untimed, taskOf({ form: 'rating', minHistory: 3, split: 'temporal' })),
    /no timestamps/,
  );
  const timed = syntheticData();
  assert.equal(buildCases(timed, taskOf({ form: 'rating', split: 'random' })).split, 'random');
});

test('the held-out item is left out of its own history when the user re-rated it', () => {
  const data = makeData([
    ['a', 'x', 2, 1],
    ['a', 'y', 3, 2],
    ['a', 'z', 4, 3],
    ['a', 'w', 4, 4],
    ['a', 'v', 4, 5],
    ['a', 'x', 5, 6],
  ]);
  const [c] = buildCases(data, taskOf({ form: 'rating', minHistory: 3 })).cases;
  assert.equal(c.target.item, 'x');
  assert.deepEqual(
    c.history.map((h) => h.item),
    ['y', 'z', 'w', 'v'],
  );
});
