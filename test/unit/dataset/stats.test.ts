// Statistics of the small fixtures, checked against counts worked out by hand from the fixture files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, datasetStats } from '../../../src/core/dataset';
import { fixture } from './helpers';

test('explicit: counts, density, histogram on the scale, history quantiles, time span, popular items', async () => {
  const s = datasetStats((await loadDataset(fixture('ml-csv'))).data);
  // users 1 (3 ratings), 7 (3), 3 (1); movies 1 (2), 3 (2), 6, 2, 5 (1 each)
  assert.equal(s.users, 3);
  assert.equal(s.items, 5);
  assert.equal(s.interactions, 7);
  assert.equal(s.density, 7 / 15);
  assert.equal(s.values.histogram.length, 10);
  const bins = Object.fromEntries(s.values.histogram.map((b) => [b.label, b.count]));
  assert.deepEqual(bins, {
    '0.5': 1,
    '1': 0,
    '1.5': 0,
    '2': 0,
    '2.5': 1,
    '3': 0,
    '3.5': 2,
    '4': 2,
    '4.5': 0,
    '5': 1,
  });
  assert.equal(s.values.mean, (4 + 4 + 2.5 + 3.5 + 0.5 + 5 + 3.5) / 7);
  assert.deepEqual([s.historyLength.min, s.historyLength.median, s.historyLength.max], [1, 3, 3]);
  assert.equal(s.historyLength.mean, 7 / 3);
  assert.deepEqual(s.timeSpan && [s.timeSpan.first, s.timeSpan.last], [964981247, 1200000000]);
  assert.deepEqual(
    s.popular.map((p) => [p.item, p.count]),
    [
      ['1', 2],
      ['3', 2],
      ['6', 1],
      ['2', 1],
      ['5', 1],
    ],
  );
  assert.equal(s.popular[0].title, 'Toy Story (1995)');
  assert.equal(s.popular[0].share, 2 / 7);
});

test('implicit: counts binned by powers of two, no time span', async () => {
  const s = datasetStats((await loadDataset(fixture('lastfm'))).data);
  assert.equal(s.scale, null);
  assert.equal(s.timeSpan, null);
  // plays 13883, 11690, 170, 1
  assert.deepEqual(
    s.values.histogram.map((b) => [b.label, b.count]),
    [
      ['1', 1],
      ['128–255', 1],
      ['8192–16383', 2],
    ],
  );
  assert.equal(s.values.max, 13883);
});
