// The two baselines issue 12 adds, registered like the others: recency (newest release first, the release-year
// cue, offered for choice and ranking) and majority (the more common label, offered for binary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselinesByForm, fitBaselines } from '../../../src/core';
import { makeCase, makeData, type Row } from '../baselines/tiny';

test('recency ranks the newest release first, items without a year last', async () => {
  const rows: Row[] = [
    ['u', 'a', 4],
    ['u', 'b', 3],
    ['v', 'c', 5],
    ['v', 'd', 2],
    ['w', 'e', 1],
  ];
  const { data, mask } = makeData(rows);
  const years = [1995, 2010, undefined, 1980, 2003];
  data.items.forEach((it, i) => {
    if (years[i] !== undefined) it.year = years[i];
  });
  const [recency] = fitBaselines(['recency'], data, mask, { form: 'ranking', seed: 0 });
  const tc = makeCase('r1', 'ranking', 'u', ['a', 'b', 'c', 'd', 'e']);
  const pr = await recency!.predict({
    testCase: tc,
    messages: [],
    sample: 0,
    signal: new AbortController().signal,
  });
  // Labels A..E are items a..e: 2010 (b), 2003 (e), 1995 (a), 1980 (d), no year (c).
  assert.deepEqual(pr.prediction, { form: 'ranking', order: ['B', 'E', 'A', 'D', 'C'] });
  const choice = makeCase('c1', 'choice', 'u', ['a', 'd', 'e']);
  const pc = await recency!.predict({
    testCase: choice,
    messages: [],
    sample: 0,
    signal: new AbortController().signal,
  });
  assert.deepEqual(pc.prediction, { form: 'choice', label: 'C' });
  assert.ok(baselinesByForm('choice').includes('recency') && baselinesByForm('ranking').includes('recency'));
  assert.ok(!baselinesByForm('rating').includes('recency'));
});

test('majority answers the more common training label, with the training like share as its probability', async () => {
  // Likes (>= 4) are 1 of 4 training ratings; the held-out row does not count.
  const rows: Row[] = [
    ['u', 'a', 5],
    ['u', 'b', 2],
    ['v', 'a', 3],
    ['v', 'c', 1],
    ['w', 'c', 5, false],
  ];
  const { data, mask } = makeData(rows);
  const [majority] = fitBaselines(['majority'], data, mask, { form: 'binary', seed: 0, likeThreshold: 4 });
  for (const item of ['a', 'b', 'c']) {
    const pr = await majority!.predict({
      testCase: makeCase(`b-${item}`, 'binary', 'w', [item]),
      messages: [],
      sample: 0,
      signal: new AbortController().signal,
    });
    assert.deepEqual(pr.prediction, { form: 'binary', like: false, probability: 0.25 });
  }
  assert.deepEqual(baselinesByForm('binary').slice(0, 2), ['random', 'majority']);
});
