import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCases, caseToJson } from '../../../src/core/tasks';
import { syntheticData, taskOf } from './helpers';

const jsonl = (cases: Parameters<typeof caseToJson>[0][]) => cases.map(caseToJson).join('\n');

test('same data, config and seed give byte-identical cases; another seed gives other cases', () => {
  for (const form of ['rating', 'binary', 'choice', 'ranking']) {
    for (const negatives of ['uniform', 'popularity']) {
      const task = taskOf({ form, negatives, users: 30, casesPerUser: 2 });
      const a = jsonl(buildCases(syntheticData(), task).cases);
      const b = jsonl(buildCases(syntheticData(), task).cases);
      assert.equal(a, b);
      const c = jsonl(buildCases(syntheticData(), { ...task, seed: 1 }).cases);
      assert.notEqual(a, c);
    }
  }
});

test('the user sample is a prefix of a larger sample; K does not change which users are drawn', () => {
  const data = syntheticData();
  const small = buildCases(data, taskOf({ form: 'choice', users: 10 })).cases;
  const large = buildCases(data, taskOf({ form: 'choice', users: 40 })).cases;
  assert.deepEqual(small.map(caseToJson), large.slice(0, 10).map(caseToJson));
  const ranking = buildCases(data, taskOf({ form: 'ranking', users: 10 })).cases;
  assert.deepEqual(
    ranking.map((c) => c.id),
    small.map((c) => c.id),
  );
});

test('a case depends only on its own user: other users in the data do not change it', () => {
  const data = syntheticData({ users: 60 });
  const all = buildCases(data, taskOf({ form: 'choice', users: 1000 }));
  const byId = new Map(all.cases.map((c) => [c.id, c]));
  // Same data with a different seed samples users in another order, yet each (user, target) case has the same
  // history and expected answer; only the seeded candidate draw may differ.
  const other = buildCases(data, taskOf({ form: 'choice', users: 1000, seed: 5 }));
  assert.notDeepEqual(
    other.cases.map((c) => c.id),
    all.cases.map((c) => c.id),
  );
  // The seed also breaks same-second ties of the latest items, so a few users get another target; every case
  // with the same (user, target) has the same history.
  let matched = 0;
  for (const c of other.cases) {
    const same = byId.get(c.id);
    if (!same) continue;
    matched++;
    assert.deepEqual(c.history, same.history);
    assert.equal(c.historyLength, same.historyLength);
  }
  assert.ok(matched > other.cases.length / 2, `${matched} of ${other.cases.length} cases matched`);
});
