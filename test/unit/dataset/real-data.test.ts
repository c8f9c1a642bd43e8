// The real releases in ../shared/data load with the published counts (skipped when ../shared is absent; the
// fixtures cover the same code paths), and the bundled copy is the same data as the shared one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadDataset, datasetStats, resolveBundledDataset } from '../../../src/core/dataset';
import { hasSharedData, sharedData, SHARED_ABSENT } from './helpers';

test('ml-latest-small (2016): 100,004 ratings, 671 users, 9,066 movies rated', async (t) => {
  if (!hasSharedData) return t.skip(SHARED_ABSENT);
  const { data, skippedRows } = await loadDataset(path.join(sharedData, 'ml-latest-small'));
  assert.equal(skippedRows, 0);
  assert.equal(data.n, 100004);
  assert.equal(data.userIds.length, 671);
  assert.equal(data.itemIds.length, 9066);
  const s = datasetStats(data);
  assert.equal(s.historyLength.min, 20, 'every user rated at least 20 movies (README)');
  assert.equal(s.timeSpan?.firstIso.slice(0, 10), '1995-01-09');
  // a quoted title with a comma
  const k = data.itemIds.indexOf('11');
  assert.equal(data.items[k].title, 'American President, The (1995)');
});

test('hetrec2011-lastfm-2k: 92,834 pairs, 1,892 users, 17,632 artists, the stray-space line read', async (t) => {
  if (!hasSharedData) return t.skip(SHARED_ABSENT);
  const { data, skippedRows } = await loadDataset(path.join(sharedData, 'hetrec2011-lastfm-2k'));
  assert.equal(skippedRows, 0);
  assert.equal(data.n, 92834);
  assert.equal(data.userIds.length, 1892);
  assert.equal(data.itemIds.length, 17632);
  assert.equal(data.kind, 'implicit');
  // line 2865 reads "61<TAB>65  <TAB>170"
  const row = 2864;
  assert.deepEqual(
    [data.userIds[data.user[row]], data.itemIds[data.item[row]], data.value[row]],
    ['61', '65', 170],
  );
});

test('the bundled copy is the shared ml-latest-small: same fingerprint, the manifest vouches without hashing', async (t) => {
  if (!hasSharedData) return t.skip(SHARED_ABSENT);
  const bundled = await loadDataset('bundled:ml-latest-small');
  const shared = await loadDataset(path.join(sharedData, 'ml-latest-small'));
  assert.equal(bundled.fingerprint, shared.fingerprint);
  assert.equal(bundled.data.n, shared.data.n);
  assert.equal(resolveBundledDataset('ml-latest-small'), path.dirname(bundled.files[0]));
});
