// `ubp download` against a local HTTP server (127.0.0.1, port 0) serving zips built here: a good archive, a
// corrupted one, one with a wrong row count, a wrong published md5, a truncated file and a 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  downloadDataset,
  loadDataset,
  DownloadError,
  MANIFEST_FILE,
  type DownloadableDataset,
  type DatasetManifest,
} from '../../../src/core/dataset';
import { main } from '../../../src/cli/main';
import { bufferIO, makeZip, withTmp } from './helpers';

const routes = new Map<string, Buffer | string>();
let server: http.Server;
let mirror = '';
const requests: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = routes.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const MOVIES = 'movieId,title,genres\n1,"Heat, The (1995)",Action\n2,Up (2009),(no genres listed)\n';
const RATINGS = 'userId,movieId,rating,timestamp\n1,1,4.0,10\n1,2,3.5,11\n2,1,5.0,12\n2,2,0.5,13\n';

/** A tiny release shaped like a MovieLens CSV one, in a top folder as GroupLens packs them. */
const tiny = (name: string, ratingRows = 4): DownloadableDataset => ({
  name,
  release: 'a tiny test release',
  archive: `movielens/${name}.zip`,
  format: 'movielens-csv',
  expected: { 'ratings.csv': ratingRows, 'movies.csv': 2, 'README.txt': null },
  headers: ['ratings.csv', 'movies.csv'],
  licence: 'README.txt',
});
const tinyZip = (name: string) =>
  makeZip({
    [`${name}/ratings.csv`]: RATINGS,
    [`${name}/movies.csv`]: MOVIES,
    [`${name}/README.txt`]: 'licence\n',
  });

/** The test leaves nothing behind on failure: no dataset folder, no partial files. */
function assertNothingLeft(dir: string) {
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
}

test('downloads, checks, unpacks and writes a manifest with the sha256 of what it fetched', async () => {
  await withTmp(async (dir) => {
    const zip = tinyZip('tiny-ok');
    routes.set('/movielens/tiny-ok.zip', zip);
    routes.set('/movielens/tiny-ok.zip.md5', `${createHash('md5').update(zip).digest('hex')}  tiny-ok.zip\n`);
    const progress: string[] = [];
    const notes: string[] = [];
    const r = await downloadDataset(tiny('tiny-ok'), {
      dir,
      mirror,
      onProgress: (p) => progress.push(p.phase),
      onNote: (n) => notes.push(n),
    });
    assert.equal(r.already, false);
    assert.equal(r.dir, path.join(dir, 'tiny-ok'));
    assert.deepEqual(readdirSync(r.dir).sort(), ['README.txt', 'movies.csv', 'ratings.csv', MANIFEST_FILE]);
    const m = JSON.parse(readFileSync(path.join(r.dir, MANIFEST_FILE), 'utf8')) as DatasetManifest;
    assert.equal(m.source.archiveSha256, createHash('sha256').update(zip).digest('hex'));
    assert.equal(m.source.url, `${mirror}/movielens/tiny-ok.zip`);
    assert.equal(m.files['ratings.csv'].sha256, createHash('sha256').update(RATINGS).digest('hex'));
    assert.equal(m.files['ratings.csv'].rows, 4);
    assert.ok(progress.includes('download') && progress.includes('unpack'));
    assert.match(notes.join('\n'), /md5 matches/);
    assert.deepEqual(readdirSync(dir), ['tiny-ok'], 'no partial files left');
    // the loader takes the manifest's hashes for the fingerprint: the same as hashing the files
    const loaded = await loadDataset(r.dir);
    assert.equal(loaded.data.n, 4);
    assert.equal(loaded.data.items[0].title, 'Heat, The (1995)');
    // a second call finds the verified copy; --force fetches again
    const before = requests.length;
    assert.equal((await downloadDataset(tiny('tiny-ok'), { dir, mirror })).already, true);
    assert.equal(requests.length, before);
    assert.equal((await downloadDataset(tiny('tiny-ok'), { dir, mirror, force: true })).already, false);
    assert.ok(requests.length > before);
  });
});

test('a corrupted archive is refused and nothing is left behind', async () => {
  await withTmp(async (dir) => {
    const zip = tinyZip('tiny-bad');
    // flip bytes inside the first entry's compressed data (after its 30-byte header and name)
    const at = 30 + 'tiny-bad/ratings.csv'.length + 5;
    for (let k = 0; k < 8; k++) zip[at + k] ^= 0x5a;
    routes.set('/movielens/tiny-bad.zip', zip);
    await assert.rejects(downloadDataset(tiny('tiny-bad'), { dir, mirror }), (e: unknown) => {
      assert.ok(e instanceof DownloadError);
      assert.match(e.message, /corrupted archive/);
      return true;
    });
    assertNothingLeft(dir);
  });
});

test('a wrong row count is refused: not the release it should be', async () => {
  await withTmp(async (dir) => {
    routes.set('/movielens/tiny-rows.zip', tinyZip('tiny-rows'));
    await assert.rejects(downloadDataset(tiny('tiny-rows', 5), { dir, mirror }), {
      message: 'ratings.csv has 4 rows, expected 5: not the release it should be',
    });
    assertNothingLeft(dir);
  });
});

test('a published md5 that does not match, a truncated archive and a 404 each fail clearly', async () => {
  await withTmp(async (dir) => {
    routes.set('/movielens/tiny-md5.zip', tinyZip('tiny-md5'));
    routes.set('/movielens/tiny-md5.zip.md5', '0123456789abcdef0123456789abcdef\n');
    await assert.rejects(
      downloadDataset(tiny('tiny-md5'), { dir, mirror }),
      /corrupted download: md5 [0-9a-f]{32} differs/,
    );
    const zip = tinyZip('tiny-cut');
    routes.set('/movielens/tiny-cut.zip', zip.subarray(0, zip.length - 30));
    await assert.rejects(
      downloadDataset(tiny('tiny-cut'), { dir, mirror }),
      /corrupted archive: not a readable zip/,
    );
    await assert.rejects(
      downloadDataset(tiny('tiny-missing'), { dir, mirror }),
      /tiny-missing\.zip: HTTP 404/,
    );
    assertNothingLeft(dir);
  });
});

/** A zip shaped like today's ml-latest-small (2018): the published row counts, synthetic rows. */
function latestSmall2018(ratings: number): Buffer {
  const movies = ['movieId,title,genres'];
  const links = ['movieId,imdbId,tmdbId'];
  for (let m = 1; m <= 9742; m++) {
    movies.push(`${m},"Movie ${m}, The (2000)",Drama`);
    links.push(`${m},${m},${m}`);
  }
  const rows = ['userId,movieId,rating,timestamp'];
  for (let i = 0; i < ratings; i++)
    rows.push(`${1 + (i % 610)},${1 + (i % 9742)},${1 + (i % 9) / 2},${1e9 + i}`);
  const tags = ['userId,movieId,tag,timestamp'];
  for (let i = 0; i < 3683; i++) tags.push(`1,${1 + (i % 9742)},tag ${i % 7},${1e9 + i}`);
  const f = (lines: string[]) => lines.join('\n') + '\n';
  return makeZip({
    'ml-latest-small/README.txt': 'Usage License\n',
    'ml-latest-small/movies.csv': f(movies),
    'ml-latest-small/links.csv': f(links),
    'ml-latest-small/ratings.csv': f(rows),
    'ml-latest-small/tags.csv': f(tags),
  });
}

test('ubp download ml-latest-small: the 2018 release, saved as such, through UBP_DATASET_MIRROR', async () => {
  await withTmp(async (dir) => {
    routes.set('/movielens/ml-latest-small.zip', latestSmall2018(100836));
    const { io, cli } = bufferIO(dir, { UBP_DATASET_MIRROR: mirror });
    assert.equal(await main(['download', 'ml-latest-small', '--dir', 'data'], cli), 0, io.err);
    const target = path.join(dir, 'data', 'ml-latest-small-2018');
    assert.equal(io.out, `${target}\n`);
    assert.match(io.err, /2018/);
    assert.match(io.err, /October 2016 release/);
    assert.match(io.err, /downloading: .* \(100%\)/);
    assert.match(io.err, /ratings\.csv \(100836 rows\)/);
    const loaded = await loadDataset(target);
    assert.equal(loaded.data.n, 100836);
    assert.equal(loaded.data.userIds.length, 610);
    assert.match(loaded.manifest?.release ?? '', /2018/);
  });
});

test('ubp download fails with exit 1 on a wrong row count, and exit 1 on an unknown name (exitCodes.ts)', async () => {
  await withTmp(async (dir) => {
    routes.set('/movielens/ml-latest-small.zip', latestSmall2018(100835));
    let { io, cli } = bufferIO(dir, { UBP_DATASET_MIRROR: mirror });
    assert.equal(await main(['download', 'ml-latest-small-2018', '--dir', 'data'], cli), 1);
    assert.match(io.err, /ratings\.csv has 100835 rows, expected 100836/);
    assert.deepEqual(readdirSync(path.join(dir, 'data')), []);
    ({ io, cli } = bufferIO(dir, { UBP_DATASET_MIRROR: mirror }));
    assert.equal(await main(['download', 'ml-100m'], cli), 1);
    assert.match(io.err, /unknown dataset "ml-100m"/);
    ({ io, cli } = bufferIO(dir));
    assert.equal(await main(['download', '--list'], cli), 0);
    for (const name of ['ml-latest-small-2018', 'ml-1m', 'ml-25m', 'hetrec2011-lastfm-2k'])
      assert.match(io.out, new RegExp(`^${name}`, 'm'));
  });
});
