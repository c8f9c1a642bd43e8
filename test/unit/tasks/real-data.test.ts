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

test('ml-latest-small: temporal split, latest item with same-second ties broken by file order', async (t) => {
  if (!existsSync(path.join(ml, 'ratings.csv'))) return t.skip(`${ml} absent: real-data check skipped`);
  const { data } = await loadDataset(ml);
  const index = buildUserIndex(data);
  const built = buildCases(data, taskOf({ form: 'rating', users: 1000 }));
  assert.equal(built.split, 'temporal');
  assert.equal(built.eligibleUsers, 671); // every user of this release has >= 20 ratings
  assert.equal(built.cases.length, 671);
  let tiedLatest = 0;
  for (const c of built.cases) {
    const u = data.userIds.indexOf(c.user);
    const rows = Array.from(userRows(index, u));
    const maxTime = Math.max(...rows.map((r) => data.time![r]));
    const latest = rows.filter((r) => data.time![r] === maxTime);
    // The target is the LAST row in file order among the rows at the latest second.
    const expectRow = Math.max(...latest);
    assert.equal(c.target.item, data.itemIds[data.item[expectRow]], c.id);
    assert.deepEqual(c.expected, { form: 'rating', value: data.value[expectRow] });
    if (latest.length > 1) tiedLatest++;
  }
  // The data really has users whose latest ratings share a second (the trap this rule exists for).
  assert.ok(tiedLatest > 50, `${tiedLatest} users with tied latest ratings`);
  // Held out: exactly one row per eligible user.
  assert.equal(built.trainMask.length - built.trainMask.reduce((s, x) => s + x, 0), 671);
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
