import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { customIdOf, IdTable, ID_TABLE_FILE, type BatchUnit } from '../../../src/core/batch/ids';

test('the id table: thousands of units added, found again after a reload, unknown ids absent, other ids kept', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ids-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const units: BatchUnit[] = [];
  for (let c = 0; c < 3000; c++)
    for (const variant of ['t×a', 't×b']) units.push({ caseId: `u${c}-i${c * 7}`, variant, sample: c % 3 });
  const table = new IdTable(dir);
  const ids = units.slice(0, 1000).map((u) => table.addOne(u));
  table.flush();
  assert.deepEqual(table.add(units.slice(1000)), units.slice(1000).map(customIdOf));
  assert.equal(table.size, units.length);
  // Adding a unit again writes nothing.
  const bytes = readFileSync(path.join(dir, ID_TABLE_FILE), 'utf8').length;
  table.add(units.slice(0, 10));
  assert.equal(readFileSync(path.join(dir, ID_TABLE_FILE), 'utf8').length, bytes);
  // A hand-written line with an id of another shape, and a torn last line.
  appendFileSync(
    path.join(dir, ID_TABLE_FILE),
    '{"id":"my-own","caseId":"c1","variant":"v","sample":0}\n{"id":"u12',
  );
  const again = new IdTable(dir);
  assert.equal(again.size, units.length + 1);
  for (const [i, u] of units.entries()) {
    assert.deepEqual(again.get(customIdOf(u)), u);
    assert.equal(again.slot(customIdOf(u)), i);
  }
  assert.equal(ids[0], customIdOf(units[0]));
  assert.deepEqual(again.get('my-own'), { caseId: 'c1', variant: 'v', sample: 0 });
  assert.equal(again.get(customIdOf({ caseId: 'nope', variant: 't×a', sample: 0 })), undefined);
  assert.equal(again.get('u' + '0'.repeat(24)), undefined);
  // Ids only (what an import needs): the same slots, no units.
  const slots = new IdTable(dir, { units: false });
  assert.equal(slots.size, again.size);
  for (const [i, u] of units.entries()) assert.equal(slots.slot(customIdOf(u)), i);
  assert.throws(() => slots.get(customIdOf(units[0])), /ids only/);
});
