// `ubp stats` through main() with a buffer io.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../src/cli/main';
import { bufferIO, fixture, fixtures } from './helpers';

test('ubp stats prints the figures of a folder', async () => {
  const { io, cli } = bufferIO(fixtures);
  assert.equal(await main(['stats', 'ml-csv'], cli), 0);
  assert.match(io.out, /^ml-csv \(movielens-csv, explicit feedback\)/);
  assert.match(io.out, /users +3\n/);
  assert.match(io.out, /items +5\n/);
  assert.match(io.out, /interactions +7\n/);
  assert.match(io.out, /1\. Toy Story \(1995\) \(1\): 2/);
  assert.equal(io.err, '');
});

test('ubp stats --json gives the stats, files, fingerprint and issues', async () => {
  const { io, cli } = bufferIO(fixtures);
  assert.equal(await main(['stats', 'ml-csv-ugly', '--json'], cli), 0);
  const out = JSON.parse(io.out);
  assert.equal(out.stats.interactions, 3);
  assert.equal(out.skippedRows, 8);
  assert.match(out.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(out.issues[0].reason, 'unterminated quote');
  assert.match(io.err, /warning: 8 malformed rows skipped/);
  assert.match(io.err, /ratings\.csv:3:5: non-numeric rating "abc"/);
});

test('ubp stats --as and --strict; errors and misuse exit 1 (exitCodes.ts)', async () => {
  let { io, cli } = bufferIO(fixtures);
  assert.equal(await main(['stats', 'ml-csv-ugly', '--strict'], cli), 1);
  assert.match(io.err, /movies\.csv:5:3: unterminated quote/);
  ({ io, cli } = bufferIO(fixtures));
  assert.equal(await main(['stats', 'ml-csv', '--as', 'movielens-dat'], cli), 1);
  assert.match(io.err, /movies\.dat: file not found/);
  ({ io, cli } = bufferIO(fixtures));
  assert.equal(await main(['stats', 'ml-csv', '--as', 'parquet'], cli), 1);
  assert.match(io.err, /--as must be one of/);
  ({ io, cli } = bufferIO(fixtures));
  assert.equal(await main(['stats'], cli), 1);
});

test('ubp stats --columns reads a generic file', async () => {
  const { io, cli } = bufferIO(fixture('generic'));
  const columns = JSON.stringify({ user: 'user_id', item: 'item_id', value: 'plays', kind: 'implicit' });
  assert.equal(await main(['stats', 'plays.tsv', '--columns', columns, '--json'], cli), 0);
  const out = JSON.parse(io.out);
  assert.equal(out.stats.format, 'generic');
  assert.equal(out.stats.interactions, 4);
});

test('ubp stats bundled:ml-latest-small names the 2016 release', async () => {
  const { io, cli } = bufferIO(fixtures);
  assert.equal(await main(['stats', 'bundled:ml-latest-small', '--json'], cli), 0);
  const out = JSON.parse(io.out);
  assert.equal(out.stats.interactions, 100004);
  assert.equal(out.stats.users, 671);
  assert.match(out.release, /October 2016/);
});
