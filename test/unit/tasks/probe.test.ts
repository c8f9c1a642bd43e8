import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCases, opaqueItemNames } from '../../../src/core/tasks';
import { syntheticData, taskOf } from './helpers';

const syn = syntheticData();

test('knowledge probe: same case ids, answers and candidates; titles and genres replaced by opaque names', () => {
  for (const form of ['rating', 'binary', 'choice', 'ranking']) {
    const titled = buildCases(syn, taskOf({ form, users: 40 })).cases;
    const probed = buildCases(syn, taskOf({ form, users: 40, probe: true })).cases;
    assert.deepEqual(
      probed.map((c) => c.id),
      titled.map((c) => c.id),
    );
    const names = opaqueItemNames(syn.itemIds);
    for (const [i, p] of probed.entries()) {
      const t = titled[i];
      assert.deepEqual(p.expected, t.expected);
      assert.equal(p.targetPopularity, t.targetPopularity);
      assert.deepEqual(
        p.history.map((h) => [h.item, h.value, h.time]),
        t.history.map((h) => [h.item, h.value, h.time]),
      );
      const entries = [p.target, ...p.history, ...(p.candidates ?? [])];
      for (const e of entries) {
        assert.match(e.title, /^Item [0-9A-F]{4,}$/);
        assert.equal(e.title, names[syn.itemIds.indexOf(e.item)]);
        assert.deepEqual(e.genres, []);
      }
      const text = JSON.stringify(p);
      assert.ok(!/Movie|Drama|1999/.test(text), `${p.id} leaks item text`);
    }
  }
});

test('opaque names are stable per item and unique across a large catalogue', () => {
  const ids = Array.from({ length: 60000 }, (_, i) => String(i + 1));
  const names = opaqueItemNames(ids);
  assert.equal(new Set(names).size, ids.length);
  assert.deepEqual(opaqueItemNames(ids.slice(0, 5)).length, 5);
  // Same item, same name, whatever else is in the catalogue (when no collision forces a probe).
  const small = opaqueItemNames(['10', '20', '30']);
  assert.equal(opaqueItemNames(['30', '20', '10'])[2], small[0]);
  assert.notEqual(small[0], small[1]);
});
