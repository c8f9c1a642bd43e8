// The task builder on the real datasets in ../shared/data (skipped with a message when they are absent; the
// fixture-based tests cover the same code paths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../../../src/core/dataset';
import { buildCases, buildUserIndex, caseToJson, userRows } from '../../../src/core/tasks';
import { taskOf } from './helpers';

const shared = path.resolve(import.meta.dirname, '../../../../shared/data');
const ml = path.join(shared, 'ml-latest-small');
const lastfm = path.join(shared, 'hetrec2011-lastfm-2k');

test('ml-latest-small: temporal split, a same-second tie of the latest items broken by the seed', async (t) => {
  if (!existsSync(path.join(ml, 'ratings.csv'))) return t.skip(`${ml} absent: real-data check skipped`);
  const { data } = await loadDataset(ml);
  const index = buildUserIndex(data);
  const built = buildCases(data, taskOf({ form: 'rating', users: 1000 }));
  assert.equal(built.split, 'temporal');
  let tiedLatest = 0;
  let lastInFile = 0;
  for (const c of built.cases) {
    const u = data.userIds.indexOf(c.user);
    const rows = Array.from(userRows(index, u));
    const maxTime = Math.max(...rows.map((r) => data.time![r]));
    const latest = rows.filter((r) => data.time![r] === maxTime);
    // The target is one of the rows at the latest second, and nothing of that second is history.
    const row = latest.find((r) => data.itemIds[data.item[r]] === c.target.item);
    assert.ok(row !== undefined, c.id);
    assert.deepEqual(c.expected, { form: 'rating', value: data.value[row] });
    assert.ok(
      c.history.every((h) => h.time! < maxTime),
      c.id,
    );
    if (latest.length > 1) {
      tiedLatest++;
      if (row === Math.max(...latest)) lastInFile++;
    }
  }
  // The data really has users whose latest ratings share a second (the trap this rule exists for), and the
  // target among them is not the last in file order (the highest movieId) every time.
  assert.ok(tiedLatest > 50, `${tiedLatest} users with tied latest ratings`);
  assert.ok(lastInFile < 0.8 * tiedLatest, `${lastInFile} of ${tiedLatest} are the last row in file order`);
  // Held out: exactly one row per holdable user.
  assert.ok(built.eligibleUsers > 600 && built.eligibleUsers <= 671, `${built.eligibleUsers} eligible`);
  assert.equal(built.cases.length, built.eligibleUsers);
  assert.equal(built.trainMask.length - built.trainMask.reduce((s, x) => s + x, 0), built.eligibleUsers);
});

test('ml-latest-small: global split at 0.9: targets at or after the cut, histories and training before it', async (t) => {
  if (!existsSync(path.join(ml, 'ratings.csv'))) return t.skip(`${ml} absent: real-data check skipped`);
  const { data } = await loadDataset(ml);
  const built = buildCases(data, taskOf({ form: 'ranking', users: 1000, split: 'global' }));
  assert.equal(built.split, 'global');
  const cut = built.cutoff!;
  const before = Array.from(data.time!).filter((x) => x < cut).length;
  assert.ok(Math.abs(before / data.n - 0.9) < 0.01, `${before / data.n} of rows before the cut`);
  for (let r = 0; r < data.n; r++) assert.equal(built.trainMask[r], data.time![r] < cut ? 1 : 0);
  assert.ok(built.cases.length > 20, `${built.cases.length} cases`);
  for (const c of built.cases) {
    assert.ok(c.history.every((h) => h.time! < cut));
    assert.ok(c.historyLength >= 5);
  }
});

test('ml-latest-small: choice and ranking cases are deterministic and well-formed', async (t) => {
  if (!existsSync(path.join(ml, 'ratings.csv'))) return t.skip(`${ml} absent: real-data check skipped`);
  const { data } = await loadDataset(ml);
  for (const negatives of ['uniform', 'popularity']) {
    const task = taskOf({ form: 'ranking', negatives });
    const a = buildCases(data, task).cases.map(caseToJson).join('\n');
    assert.equal(buildCases(data, task).cases.map(caseToJson).join('\n'), a);
    assert.notEqual(
      buildCases(data, { ...task, seed: 3 })
        .cases.map(caseToJson)
        .join('\n'),
      a,
    );
  }
  const probe = buildCases(data, taskOf({ form: 'choice', probe: true })).cases;
  const titled = buildCases(data, taskOf({ form: 'choice' })).cases;
  assert.deepEqual(
    probe.map((c) => c.id),
    titled.map((c) => c.id),
  );
  assert.ok(probe.every((c) => c.candidates!.every((x) => /^Item [0-9A-F]+$/.test(x.title))));
});

test('Last.fm HetRec: no timestamps, so a random split; binary likes = top 20% by play count', async (t) => {
  if (!existsSync(path.join(lastfm, 'user_artists.dat')))
    return t.skip(`${lastfm} absent: real-data check skipped`);
  const { data } = await loadDataset(lastfm);
  assert.equal(data.kind, 'implicit');
  const built = buildCases(data, taskOf({ form: 'binary', users: 500 }));
  assert.equal(built.split, 'random');
  assert.equal(built.cases.length, 500);
  const likes = built.cases.filter((c) => c.expected.form === 'binary' && c.expected.like).length;
  // About a fifth of a user's artists are in their top 20% (ties at the edge count as likes).
  assert.ok(likes > 0.12 * 500 && likes < 0.35 * 500, `${likes} likes of 500`);
  assert.ok(built.cases.every((c) => c.history.every((h) => h.time === null)));
  assert.throws(() => buildCases(data, taskOf({ form: 'rating' })), /implicit/);
  assert.throws(() => buildCases(data, taskOf({ form: 'choice', split: 'temporal' })), /no timestamps/);
});
