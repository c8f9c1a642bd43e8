// Delete Run refuses while a run's batches are open at the provider, and still deletes a damaged run folder
// (an unreadable manifest.json or batches.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBatchCount } from '../../../src/extension/commands/openBatches';

function runDir(manifest: string | undefined, batches?: object[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ubp-open-batches-'));
  if (manifest !== undefined) writeFileSync(path.join(dir, 'manifest.json'), manifest);
  if (batches) {
    mkdirSync(path.join(dir, 'batch'));
    writeFileSync(path.join(dir, 'batch', 'batches.json'), JSON.stringify({ format: 1, batches }));
  }
  return dir;
}

const batch = (status: string, extra: object = {}) => ({
  name: 'b',
  format: 'openai',
  model: 'gpt',
  requests: 3,
  bytes: 10,
  batchId: `id-${status}`,
  status,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...extra,
});

test('a batch run counts the batches still running at the provider', async () => {
  const dir = runDir(JSON.stringify({ status: 'batch' }), [
    batch('in_progress'),
    batch('validating'),
    batch('completed', { terminal: true }),
    batch('cancelling'),
  ]);
  try {
    assert.equal(await openBatchCount(dir), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('not a batch run, or a damaged folder: nothing open (it stays deletable)', async () => {
  const dirs = [
    runDir(JSON.stringify({ status: 'done' }), [batch('in_progress')]),
    runDir(undefined),
    runDir('{ torn'),
  ];
  const damagedState = runDir(JSON.stringify({ status: 'batch' }));
  mkdirSync(path.join(damagedState, 'batch'));
  writeFileSync(path.join(damagedState, 'batch', 'batches.json'), '{ torn');
  dirs.push(damagedState);
  try {
    for (const dir of dirs) assert.equal(await openBatchCount(dir), 0, dir);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
});
