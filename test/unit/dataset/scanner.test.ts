// The byte scanner against a plain reference parse: random rows, every chunk size down to a few bytes (lines
// split across reads), LF and CRLF, "::" separators, and ids large enough to leave the flat intern table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scanNumericFile } from '../../../src/core/dataset/numeric-scanner';
import { IdTable } from '../../../src/core/dataset/rows';
import { IssueLog } from '../../../src/core/dataset/errors';
import { withTmp } from './helpers';

/** mulberry32, so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRows(seed: number, count: number) {
  const r = rng(seed);
  return Array.from({ length: count }, () => ({
    u: r() < 0.05 ? 2_000_000_000 + Math.floor(r() * 3) : 1 + Math.floor(r() * 50),
    m: r() < 0.05 ? 20_000_000 + Math.floor(r() * 5) : 1 + Math.floor(r() * 300),
    v: (1 + Math.floor(r() * 10)) / 2,
    t: 789652009 + Math.floor(r() * 1e9),
  }));
}

async function scan(file: string, sep: string, chunkBytes: number) {
  const users = new IdTable();
  const items = new IdTable();
  const cols = await scanNumericFile(file, {
    display: file,
    sep,
    hasTime: true,
    header: sep === ',' ? ['userId', 'movieId', 'rating', 'timestamp'] : null,
    headerRequired: sep === ',',
    scale: { min: 0.5, max: 5, step: 0.5 },
    users,
    items,
    log: new IssueLog('strict'),
    chunkBytes,
  });
  const f = cols.finish();
  return Array.from({ length: cols.n }, (_, i) => ({
    u: Number(users.ids[f.user[i]]),
    m: Number(items.ids[f.item[i]]),
    v: f.value[i],
    t: f.time![i],
  }));
}

for (const [sep, eol] of [
  [',', '\n'],
  [',', '\r\n'],
  ['::', '\n'],
]) {
  test(`scanner reads what was written: sep ${JSON.stringify(sep)}, eol ${JSON.stringify(eol)}, any chunk size`, async () => {
    await withTmp(async (dir) => {
      const rows = makeRows(sep.length * 10 + eol.length, 3000);
      const text = rows
        .map((x) => [x.u, x.m, x.v % 1 ? x.v.toFixed(1) : String(x.v), x.t].join(sep))
        .join(eol);
      const file = path.join(dir, 'ratings');
      await writeFile(file, (sep === ',' ? `userId,movieId,rating,timestamp${eol}` : '') + text); // no final eol
      for (const chunk of [5, 17, 64, 4096, 1 << 20]) {
        assert.deepEqual(await scan(file, sep, chunk), rows, `chunk ${chunk}`);
      }
    });
  });
}

test('interning: dense ids in order of first appearance, the same id twice is one index', async () => {
  const t = new IdTable();
  assert.deepEqual(
    [5, 7, 5, 40_000_000, 7, 40_000_000, 0].map((x) => t.internNumber(x)),
    [0, 1, 0, 2, 1, 2, 3],
  );
  assert.deepEqual(t.ids, ['5', '7', '40000000', '0']);
  assert.equal(t.lookupNumber(40_000_000), 2);
  assert.equal(t.lookupNumber(6), -1);
});

test('3.7 stays 3.7: values are float64', async () => {
  await withTmp(async (dir) => {
    const file = path.join(dir, 'r.csv');
    await writeFile(file, 'userId,movieId,rating,timestamp\n1,1,3.7,5\n');
    const cols = await scanNumericFile(file, {
      display: file,
      sep: ',',
      hasTime: true,
      header: ['userId', 'movieId', 'rating', 'timestamp'],
      headerRequired: true,
      scale: null,
      users: new IdTable(),
      items: new IdTable(),
      log: new IssueLog('strict'),
    });
    assert.equal(String(cols.finish().value[0]), '3.7');
  });
});
