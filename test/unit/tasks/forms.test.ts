import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCases, candidateLabel, TaskError } from '../../../src/core/tasks';
import { buildUserIndex, tieOrderedRows } from '../../../src/core/tasks';
import { makeData, syntheticData, taskOf } from './helpers';

const syn = syntheticData();

test('rating: expected is the held-out value; no candidates', () => {
  const { cases } = buildCases(syn, taskOf({ form: 'rating', users: 30 }));
  assert.equal(cases.length, 30);
  const idx = buildUserIndex(syn);
  for (const c of cases) {
    const u = syn.userIds.indexOf(c.user);
    const rows = tieOrderedRows(syn, idx, u, 0);
    const last = rows[rows.length - 1];
    assert.equal(c.target.item, syn.itemIds[syn.item[last]]);
    assert.deepEqual(c.expected, { form: 'rating', value: syn.value[last] });
    assert.equal('candidates' in c, false);
  }
});

test('binary, explicit: like = rating >= likeThreshold', () => {
  for (const threshold of [3, 4.5]) {
    const { cases } = buildCases(syn, taskOf({ form: 'binary', users: 60, likeThreshold: threshold }));
    let likes = 0;
    for (const c of cases) {
      assert.equal(c.expected.form, 'binary');
      if (c.expected.form !== 'binary') continue;
      assert.equal(c.expected.like, c.expected.value >= threshold);
      likes += Number(c.expected.like);
    }
    assert.ok(likes > 0 && likes < cases.length, `threshold ${threshold}: ${likes}/${cases.length} likes`);
  }
  assert.throws(() => buildCases(syn, taskOf({ form: 'binary', likeThreshold: 6 })), TaskError);
});

test("binary, implicit: like = in the user's top share by play count", () => {
  // One user, 10 artists with counts 10..100; the held-out (latest in file order) is the 3rd largest.
  const counts = [10, 20, 30, 40, 50, 60, 70, 90, 100, 80];
  const data = makeData(
    counts.map((v, i) => ['u', `a${i}`, v, i]),
    { kind: 'implicit' },
  );
  const at = (share: number) => {
    const [c] = buildCases(data, taskOf({ form: 'binary', topShare: share })).cases;
    assert.equal(c.target.item, 'a9');
    return c.expected.form === 'binary' && c.expected.like;
  };
  assert.equal(at(0.2), false); // top 2: 100, 90
  assert.equal(at(0.3), true); // top 3: 100, 90, 80
  assert.equal(at(1), true);
  assert.throws(() => buildCases(data, taskOf({ form: 'rating' })), /implicit/);
});

test('choice: K candidates labelled A..E by default, exactly one is the target and the answer', () => {
  const { cases } = buildCases(syn, taskOf({ form: 'choice', users: 60 }));
  for (const c of cases) {
    assert.deepEqual(
      c.candidates!.map((x) => x.label),
      ['A', 'B', 'C', 'D', 'E'],
    );
    const truth = c.candidates!.filter((x) => x.item === c.target.item);
    assert.equal(truth.length, 1);
    assert.deepEqual(c.expected, { form: 'choice', label: truth[0].label });
    assert.equal(new Set(c.candidates!.map((x) => x.item)).size, 5);
  }
});

test('ranking: K = 20 by default (A..T), expected label of the true item; K is configurable', () => {
  const { cases } = buildCases(syn, taskOf({ form: 'ranking', users: 10 }));
  for (const c of cases) {
    assert.equal(c.candidates!.length, 20);
    assert.equal(c.candidates!.at(-1)!.label, 'T');
    assert.equal(
      c.expected.form === 'ranking' && c.expected.label,
      c.candidates!.find((x) => x.item === c.target.item)!.label,
    );
  }
  const k30 = buildCases(syn, taskOf({ form: 'ranking', users: 3, candidates: 30 })).cases;
  assert.equal(k30[0].candidates!.length, 30);
  assert.equal(k30[0].candidates![29].label, 'AD');
});

test('candidate labels: A..Z then AA, AB', () => {
  assert.deepEqual([0, 1, 25, 26, 27, 51, 52].map(candidateLabel), ['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA']);
});

test('targetPopularity = training interactions of the target item (held-out rows not counted)', () => {
  const { cases, trainMask } = buildCases(syn, taskOf({ form: 'choice', users: 60 }));
  for (const c of cases.slice(0, 20)) {
    const i = syn.itemIds.indexOf(c.target.item);
    let count = 0;
    let all = 0;
    for (let r = 0; r < syn.n; r++)
      if (syn.item[r] === i) {
        all++;
        count += trainMask[r];
      }
    assert.equal(c.targetPopularity, count);
    assert.ok(count < all);
  }
});
