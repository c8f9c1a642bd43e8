// Bad input gets a clear message and loses nothing else: every malformed row as file:line:column: reason,
// strict stops at the first, lenient skips and counts; whole-file problems each have their own message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { loadDataset, DatasetError } from '../../../src/core/dataset';
import { fixture, withTmp } from './helpers';

const UGLY = fixture('ml-csv-ugly');
const rel = (f: string) => path.relative(UGLY, f);

test('lenient: BOM, CRLF, blank line, spaces and a missing final newline are fine; each bad row is reported', async () => {
  const { data, issues, skippedRows } = await loadDataset(UGLY);
  assert.deepEqual(
    issues.map((i) => `${rel(i.file)}:${i.line}:${i.column}: ${i.reason}`),
    [
      'movies.csv:5:3: unterminated quote',
      'ratings.csv:3:5: non-numeric rating "abc"',
      'ratings.csv:5:5: rating 7 is off the scale 0.5..5 in steps of 0.5',
      'ratings.csv:6:8: expected 4 fields separated by ",", found 3',
      'ratings.csv:7:3: unknown item id 999: not in movies.csv',
      'ratings.csv:8:1: duplicate header line',
      'ratings.csv:9:5: invalid UTF-8 (byte 0xE9)',
      'ratings.csv:11:12: expected 4 fields separated by ",", found 5',
    ],
  );
  assert.equal(skippedRows, 8);
  // the good rows: line 2, line 10 (" 3 " trimmed) and line 12 (no final newline)
  assert.deepEqual([...data.value], [4, 2.5, 0.5]);
  assert.deepEqual([...data.time!], [1000, 1005, 1007]);
  assert.deepEqual(data.itemIds, ['1', '3', '2']);
  assert.equal(data.items[2].title, 'Strangelove, "Dr." (1964)');
  assert.equal(
    data.items.find((m) => m.title === 'Fine (2000)'),
    undefined,
    'movie 5 is never rated',
  );
});

test('strict: stops at the first bad row with file:line:column: reason', async () => {
  await assert.rejects(loadDataset(UGLY, { mode: 'strict' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.message, `${path.join(UGLY, 'movies.csv')}:5:3: unterminated quote`);
    assert.deepEqual([e.line, e.column], [5, 3]);
    return true;
  });
});

test('strict on ratings: the first bad rating row', async () => {
  await withTmp(async (dir) => {
    await writeFile(path.join(dir, 'movies.csv'), 'movieId,title,genres\n1,A (2000),Drama\n');
    await writeFile(
      path.join(dir, 'ratings.csv'),
      'userId,movieId,rating,timestamp\n1,1,4,1\n1,1,5.5,2\n1,1,x,3\n',
    );
    await assert.rejects(loadDataset(dir, { mode: 'strict' }), {
      message: `${path.join(dir, 'ratings.csv')}:3:5: rating 5.5 is off the scale 0.5..5 in steps of 0.5`,
    });
  });
});

test('empty, header-only, missing file, missing folder and a folder with no dataset: each its own message', async () => {
  await assert.rejects(loadDataset(fixture('empty')), {
    message: /empty\/ratings\.csv: empty file \(0 bytes\)$/,
  });
  await assert.rejects(loadDataset(fixture('header-only')), {
    message: /header-only\/ratings\.csv: header only: the file has no data rows$/,
  });
  await assert.rejects(loadDataset(fixture('nowhere')), { message: /nowhere: no such file or folder$/ });
  await assert.rejects(loadDataset(fixture('not-a-dataset')), (e: unknown) => {
    const m = (e as Error).message;
    assert.match(m, /no dataset recognised in this folder/);
    assert.match(m, /movielens-csv needs movies\.csv, which is missing/);
    assert.match(m, /found: notes\.txt, ratings\.csv/);
    for (const f of ['movielens-csv', 'movielens-dat', 'movielens-100k', 'lastfm-hetrec', 'generic'])
      assert.match(m, new RegExp(f));
    return true;
  });
  await withTmp(async (dir) => {
    await writeFile(path.join(dir, 'user_artists.dat'), '');
    await assert.rejects(loadDataset(dir), { message: /user_artists\.dat: empty file \(0 bytes\)$/ });
    await mkdir(path.join(dir, 'empty-folder'));
    await assert.rejects(loadDataset(path.join(dir, 'empty-folder')), {
      message: /found: nothing \(empty folder\)/,
    });
  });
});

test('a binary file is refused, not parsed', async () => {
  await withTmp(async (dir) => {
    await writeFile(path.join(dir, 'movies.csv'), 'movieId,title,genres\n1,A (2000),Drama\n');
    const junk = Buffer.alloc(100_000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    await writeFile(path.join(dir, 'ratings.csv'), junk);
    await assert.rejects(loadDataset(dir), {
      message: /ratings\.csv:1:1: binary data \(a NUL byte\): not a text data file$/,
    });
  });
});

test('a file of garbage text lines stops early instead of reporting a million errors', async () => {
  await withTmp(async (dir) => {
    await writeFile(path.join(dir, 'movies.csv'), 'movieId,title,genres\n1,A (2000),Drama\n');
    await writeFile(
      path.join(dir, 'ratings.csv'),
      'userId,movieId,rating,timestamp\n' + 'lorem ipsum dolor\n'.repeat(50_000),
    );
    await assert.rejects(loadDataset(dir), {
      message: /the first 1000 rows are all malformed .*is this the right file and format\?/,
    });
  });
});

test('a huge file with no line breaks is refused without reading it into memory', async () => {
  await withTmp(async (dir) => {
    await writeFile(path.join(dir, 'movies.csv'), 'movieId,title,genres\n1,A (2000),Drama\n');
    // a sparse 2 GB file: a header line, then 2 GB of one "line" of zero bytes after a text start
    const fh = await open(path.join(dir, 'ratings.csv'), 'w');
    await fh.write('userId,movieId,rating,timestamp\n' + 'x'.repeat(100_000));
    await fh.truncate(2 * 2 ** 30);
    await fh.close();
    const t0 = Date.now();
    await assert.rejects(loadDataset(dir), { message: /ratings\.csv:2:1: line longer than 16 MiB/ });
    assert.ok(Date.now() - t0 < 20_000);
  });
});

test('an abort signal stops a load', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(loadDataset(fixture('ml-csv'), { signal: controller.signal }), { name: 'AbortError' });
});

test('UTF-16 files get a message that says so', async () => {
  await withTmp(async (dir) => {
    await writeFile(
      path.join(dir, 'movies.csv'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('movieId,title', 'utf16le')]),
    );
    await writeFile(path.join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,4,1\n');
    await assert.rejects(
      loadDataset(dir),
      /movies\.csv:1:1: UTF-16 text is not supported: save the file as UTF-8/,
    );
  });
});
