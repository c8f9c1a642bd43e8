import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCases, resolveCutoff, TaskError } from '../../../src/core/tasks';
import { parseConfig } from '../../../src/core/config';
import { makeData, syntheticData, taskOf, type Row } from './helpers';

// Users a, b, c before the cut (t < 100) and after it; item "late" exists only after the cut; "b" touches
// "z" only after the cut (it must never be one of b's negatives).
const rows: Row[] = [
  ['a', 'i1', 4, 10],
  ['a', 'i2', 3, 20],
  ['a', 'i3', 5, 30],
  ['a', 'i4', 2, 105],
  ['a', 'i5', 4, 110],
  ['b', 'i1', 4, 11],
  ['b', 'i6', 3, 21],
  ['b', 'i7', 2, 31],
  ['b', 'i8', 4, 120],
  ['b', 'z', 1, 130],
  ['c', 'i2', 4, 12],
  ['c', 'z', 4, 50],
  ['c', 'i9', 4, 60],
  ['c', 'i10', 4, 70],
  ['c', 'late', 5, 140],
  ['d', 'i3', 4, 5],
];

test('global split: targets are each user first interaction at or after the cut; history and training before it', () => {
  const data = makeData(rows);
  const built = buildCases(
    data,
    taskOf({ form: 'rating', split: 'global', cutoff: new Date(100_000).toISOString(), minHistory: 3 }),
  );
  assert.equal(built.split, 'global');
  assert.equal(built.cutoff, 100);
  const byUser = new Map(built.cases.map((c) => [c.user, c]));
  assert.deepEqual([...byUser.keys()].sort(), ['a', 'b', 'c']);
  assert.equal(byUser.get('a')!.target.item, 'i4');
  assert.equal(byUser.get('b')!.target.item, 'i8');
  assert.equal(byUser.get('c')!.target.item, 'late');
  for (const c of built.cases)
    assert.ok(
      c.history.every((h) => h.time! < 100),
      c.id,
    );
  assert.deepEqual(
    byUser.get('a')!.history.map((h) => h.item),
    ['i1', 'i2', 'i3'],
  );
  // Baselines train on the rows before the cut only (other users' later rows included in no way).
  assert.deepEqual(
    Array.from(built.trainMask),
    rows.map((r) => (r[3]! < 100 ? 1 : 0)),
  );
  // Popularity as the baselines see it: counted before the cut.
  assert.equal(byUser.get('c')!.targetPopularity, 0);
});

test('global split: negatives had an interaction before the cut and are never an item the user touches at any time', () => {
  const data = makeData(rows);
  const task = taskOf({
    form: 'choice',
    split: 'global',
    cutoff: new Date(100_000).toISOString(),
    minHistory: 3,
    candidates: 3,
    users: 10,
  });
  for (let seed = 0; seed < 30; seed++) {
    for (const c of buildCases(data, { ...task, seed }).cases) {
      const touched = new Set(rows.filter((r) => r[0] === c.user).map((r) => r[1]));
      for (const x of c.candidates!) {
        if (x.item === c.target.item) continue;
        assert.notEqual(x.item, 'late', `${c.id}: an item first seen after the cut`);
        assert.ok(!touched.has(x.item), `${c.id}: ${x.item} is touched by the user`);
      }
    }
  }
});

test('global split: a share cutoff is the time below which that share of the interactions lies', () => {
  const syn = syntheticData({ users: 80 });
  const times = Array.from(syn.time!).sort((a, b) => a - b);
  for (const share of [0.5, 0.8, 0.9]) {
    const cut = resolveCutoff(syn, share);
    const below = times.filter((t) => t < cut).length;
    // Ties at the cut can only push the share down, never up.
    assert.ok(
      below <= Math.floor(share * syn.n) && below > share * syn.n - 0.05 * syn.n,
      `${share}: ${below}`,
    );
  }
  // Default 0.9.
  assert.equal(resolveCutoff(syn, undefined), resolveCutoff(syn, 0.9));
  const built = buildCases(syn, taskOf({ form: 'ranking', split: 'global', cutoff: 0.8, users: 500 }));
  assert.equal(built.cutoff, resolveCutoff(syn, 0.8));
  assert.ok(built.cases.length > 5);
});

test('global split needs timestamps; cutoff is only accepted with it and must be a share or a date', () => {
  const untimed = makeData(rows.map(([u, i, v]) => [u, i, v] as Row));
  assert.throws(
    () => buildCases(untimed, taskOf({ form: 'rating', split: 'global' })),
    (e: unknown) => e instanceof TaskError && /no timestamps/.test(e.message),
  );
  const cfg = (task: Record<string, unknown>) =>
    parseConfig(JSON.stringify({ name: 't', dataset: { path: 'x' }, task }), 't.ubp.json');
  assert.throws(() => cfg({ form: 'rating', cutoff: 0.5 }), /cutoff applies to the global split only/);
  assert.throws(() => cfg({ form: 'rating', split: 'global', cutoff: 1.5 }), /cutoff/);
  assert.throws(() => cfg({ form: 'rating', split: 'global', cutoff: 'soon' }), /cutoff/);
  assert.equal(cfg({ form: 'rating', split: 'global', cutoff: '2015-01-01' }).task.cutoff, '2015-01-01');
  // A cut nobody crosses: a clear error.
  const data = makeData(rows);
  assert.throws(
    () => buildCases(data, taskOf({ form: 'rating', split: 'global', cutoff: '1969-12-31', minHistory: 3 })),
    /before the cut/,
  );
});
