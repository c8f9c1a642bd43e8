// The fingerprint: sha256 of each file read, whether hashed inline or on the worker thread big files use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFileHasher } from '../../../src/core/dataset/hasher';
import { fingerprintOf, loadDataset } from '../../../src/core/dataset';
import { fixture } from './helpers';

for (const size of [1000, 1 << 30]) {
  test(`hasher (${size < 1 << 26 ? 'inline' : 'worker'}) equals sha256 even when the caller reuses its buffer`, async () => {
    const h = createFileHasher(size);
    const ref = createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    for (let k = 0; k < 5; k++) {
      buf.fill(k * 37 + 1);
      ref.update(buf);
      await h.update(buf);
    }
    buf.fill(0); // after the last update: must not change what was hashed
    assert.equal(await h.digest(), ref.digest('hex'));
  });
}

test('the fingerprint is sha256 over "<sha256>  <name>" lines of the files read', async () => {
  const dir = fixture('ml-csv');
  const { fingerprint, files } = await loadDataset(dir);
  const hashes = new Map(
    files.map((f) => [path.basename(f), createHash('sha256').update(readFileSync(f)).digest('hex')] as const),
  );
  assert.equal(fingerprint, fingerprintOf(hashes));
  const text = [...hashes.entries()]
    .sort()
    .map(([n, h]) => `${h}  ${n}\n`)
    .join('');
  assert.equal(fingerprint, createHash('sha256').update(text).digest('hex'));
});
