// `ubp download <name>`: fetches a public dataset release from its official GroupLens address, checks it
// (HTTP length, the published .md5 when there is one, every zip entry's CRC-32 and size, the expected files
// and their row counts), unpacks it and writes a manifest with the sha256 of the archive and of each file.
// The base address can point at a mirror (option or UBP_DATASET_MIRROR): the tests serve a zip locally.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type * as yauzl from 'yauzl';
import type { DatasetFormat } from '../types';
import { MANIFEST_FILE, readManifest, type DatasetManifest, type ManifestFile } from './manifest';

export const DEFAULT_MIRROR = 'https://files.grouplens.org/datasets';
export const MIRROR_ENV = 'UBP_DATASET_MIRROR';

export interface DownloadableDataset {
  /** The folder it unpacks to and the name users type. */
  name: string;
  /** Other names it answers to. */
  aliases?: string[];
  /** An honest one-line description of the release. */
  release: string;
  /** Path of the archive under the mirror, e.g. "movielens/ml-1m.zip". */
  archive: string;
  format: DatasetFormat;
  /** Files that must be in the archive: data rows expected (lines less a header), or null for "present". */
  expected: Record<string, number | null>;
  /** Files whose first line is a header (not counted as a row). */
  headers: string[];
  licence: string;
  counts?: Record<string, number>;
  /** Said before the download starts (e.g. that this is not the bundled release). */
  note?: string;
}

/** The releases `ubp download` knows. Row counts are the published ones. */
export const DOWNLOADABLE_DATASETS: DownloadableDataset[] = [
  {
    name: 'ml-latest-small-2018',
    aliases: ['ml-latest-small'],
    release:
      'MovieLens ml-latest-small, September 2018 release: 100,836 ratings by 610 users on 9,742 movies, 3,683 tags',
    archive: 'movielens/ml-latest-small.zip',
    format: 'movielens-csv',
    expected: {
      'ratings.csv': 100836,
      'movies.csv': 9742,
      'tags.csv': 3683,
      'links.csv': 9742,
      'README.txt': null,
    },
    headers: ['ratings.csv', 'movies.csv', 'tags.csv', 'links.csv'],
    licence: 'README.txt',
    counts: { ratings: 100836, users: 610, movies: 9742, tags: 3683 },
    note: 'The release downloadable today as ml-latest-small is the 2018 one (100,836 ratings, 610 users); it is saved as ml-latest-small-2018. The copy shipped with UBP Eval (bundled:ml-latest-small) is the October 2016 release (100,004 ratings, 671 users).',
  },
  {
    name: 'ml-1m',
    release:
      'MovieLens 1M, February 2003: 1,000,209 ratings (1-5 stars) by 6,040 users on 3,706 of 3,883 movies',
    archive: 'movielens/ml-1m.zip',
    format: 'movielens-dat',
    expected: { 'ratings.dat': 1000209, 'movies.dat': 3883, 'users.dat': 6040, README: null },
    headers: [],
    licence: 'README',
    counts: { ratings: 1000209, users: 6040, movies: 3883 },
  },
  {
    name: 'ml-25m',
    release: 'MovieLens 25M, November 2019: 25,000,095 ratings by 162,541 users on 59,047 of 62,423 movies',
    archive: 'movielens/ml-25m.zip',
    format: 'movielens-csv',
    expected: {
      'ratings.csv': 25000095,
      'movies.csv': 62423,
      'tags.csv': 1093360,
      'links.csv': 62423,
      'genome-scores.csv': 15584448,
      'genome-tags.csv': 1128,
      'README.txt': null,
    },
    headers: ['ratings.csv', 'movies.csv', 'tags.csv', 'links.csv', 'genome-scores.csv', 'genome-tags.csv'],
    licence: 'README.txt',
    counts: { ratings: 25000095, users: 162541, movies: 62423 },
  },
  {
    name: 'hetrec2011-lastfm-2k',
    aliases: ['lastfm', 'lastfm-2k'],
    release:
      'Last.fm HetRec 2011 (hetrec2011-lastfm-2k): 92,834 user-artist play counts of 1,892 users on 17,632 artists; non-commercial research use',
    archive: 'hetrec2011/hetrec2011-lastfm-2k.zip',
    format: 'lastfm-hetrec',
    expected: {
      'user_artists.dat': 92834,
      'artists.dat': 17632,
      'tags.dat': 11946,
      'user_taggedartists.dat': 186479,
      'user_friends.dat': 25434,
    },
    headers: ['user_artists.dat', 'artists.dat', 'tags.dat', 'user_taggedartists.dat', 'user_friends.dat'],
    licence: 'readme.txt',
    counts: { pairs: 92834, users: 1892, artists: 17632 },
  },
];

export function findDownloadable(name: string): DownloadableDataset | undefined {
  return DOWNLOADABLE_DATASETS.find((d) => d.name === name || d.aliases?.includes(name));
}

export interface DownloadProgress {
  phase: 'download' | 'unpack';
  /** Bytes so far (download: of the archive; unpack: uncompressed). */
  done: number;
  /** Total bytes when known. */
  total: number | null;
  file?: string;
}

export interface DownloadOptions {
  /** The folder that receives `<name>/`. */
  dir: string;
  /** Replace an existing copy. */
  force?: boolean;
  /** Base address instead of GroupLens (also UBP_DATASET_MIRROR). */
  mirror?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Notes for the person (e.g. "no published checksum"). */
  onNote?: (line: string) => void;
}

export interface DownloadResult {
  dir: string;
  manifest: DatasetManifest;
  /** True when a verified copy was already there and nothing was fetched. */
  already: boolean;
}

/** A download that failed a check: nothing is left behind. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

export async function downloadDataset(
  which: string | DownloadableDataset,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const entry = typeof which === 'string' ? findDownloadable(which) : which;
  if (!entry) {
    throw new DownloadError(
      `unknown dataset "${String(which)}": known are ${DOWNLOADABLE_DATASETS.map((d) => d.name).join(', ')}`,
    );
  }
  const target = path.resolve(options.dir, entry.name);
  const existing = readManifest(target);
  if (existing && !options.force) return { dir: target, manifest: existing, already: true };
  if (existsSync(target) && !options.force) {
    throw new DownloadError(`${target} exists but has no ${MANIFEST_FILE}: use --force to replace it`);
  }
  const mirror = (options.mirror ?? process.env[MIRROR_ENV] ?? DEFAULT_MIRROR).replace(/\/+$/, '');
  const url = `${mirror}/${entry.archive}`;
  await mkdir(options.dir, { recursive: true });
  const zipPath = path.join(options.dir, `.${entry.name}.zip.part`);
  const partial = path.join(options.dir, `.${entry.name}.part`);
  try {
    const archive = await fetchArchive(url, zipPath, options);
    await checkPublishedMd5(url, archive.md5, options);
    await rm(partial, { recursive: true, force: true });
    const files = await unpack(zipPath, partial, entry, options);
    const manifest: DatasetManifest = {
      name: entry.name,
      release: entry.release,
      format: entry.format,
      source: { kind: 'download', url, archiveSha256: archive.sha256, archiveBytes: archive.bytes },
      fetchedAt: new Date().toISOString(),
      licence: entry.licence,
      files,
    };
    if (entry.counts) manifest.counts = entry.counts;
    await writeFile(path.join(partial, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    await rm(target, { recursive: true, force: true });
    await rename(partial, target);
    return { dir: target, manifest, already: false };
  } finally {
    await rm(zipPath, { force: true });
    await rm(partial, { recursive: true, force: true });
  }
}

async function fetchArchive(
  url: string,
  file: string,
  options: DownloadOptions,
): Promise<{ sha256: string; md5: string; bytes: number }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    throw new DownloadError(`cannot reach ${url}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  if (!res.ok || !res.body) throw new DownloadError(`${url}: HTTP ${res.status} ${res.statusText}`);
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const out = createWriteStream(file);
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      sha.update(chunk);
      md5.update(chunk);
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      options.onProgress?.({ phase: 'download', done: bytes, total });
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  if (total !== null && bytes !== total) {
    throw new DownloadError(`${url}: the transfer stopped at ${bytes} of ${total} bytes`);
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), bytes };
}

/** GroupLens publishes `<archive>.md5` beside some archives: compare when it is there. */
async function checkPublishedMd5(url: string, md5: string, options: DownloadOptions): Promise<void> {
  let text: string | null = null;
  try {
    const res = await fetch(`${url}.md5`, { signal: options.signal });
    if (res.ok) text = await res.text();
  } catch {
    text = null;
  }
  const published = text ? /\b([0-9a-f]{32})\b/i.exec(text)?.[1]?.toLowerCase() : undefined;
  if (!published) {
    options.onNote?.(
      'no published .md5 for this archive: relying on the zip CRC-32 checks and the row counts',
    );
    return;
  }
  if (published !== md5) {
    throw new DownloadError(`${url}: corrupted download: md5 ${md5} differs from the published ${published}`);
  }
  options.onNote?.(`md5 matches the published ${published}`);
}

/** Unpacks the archive into `dest` (dropping a single top folder), checking CRCs, files and row counts. */
async function unpack(
  zipPath: string,
  dest: string,
  entry: DownloadableDataset,
  options: DownloadOptions,
): Promise<Record<string, ManifestFile>> {
  // node:zlib (its crc32) only when unpacking: every run reaches this module, few unpack.
  const { crc32 } = await import('node:zlib');
  let zip: yauzl.ZipFile;
  try {
    // Loaded here, on the first unzip: every run reaches this module (load.ts asks findDownloadable).
    const { openPromise } = await import('yauzl');
    zip = await openPromise(zipPath, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (e) {
    throw new DownloadError(`corrupted archive: not a readable zip (${(e as Error).message})`);
  }
  const files: Record<string, ManifestFile> = {};
  let unpacked = 0;
  try {
    const entries: yauzl.Entry[] = [];
    for await (const e of zip.eachEntry()) entries.push(e);
    const names = entries.filter((e) => !e.fileName.endsWith('/')).map((e) => e.fileName);
    const top = commonTopFolder(names);
    const total = entries.reduce((a, e) => a + e.uncompressedSize, 0);
    for (const e of entries) {
      if (e.fileName.endsWith('/')) continue;
      const rel = top ? e.fileName.slice(top.length) : e.fileName;
      if (rel.startsWith('__MACOSX/') || rel.includes('/.') || path.basename(rel).startsWith('._')) continue;
      options.signal?.throwIfAborted();
      const out = path.join(dest, rel);
      await mkdir(path.dirname(out), { recursive: true });
      let stream;
      try {
        stream = await zip.openReadStreamPromise(e);
      } catch (err) {
        throw new DownloadError(`corrupted archive: cannot read ${e.fileName} (${(err as Error).message})`);
      }
      const sha = createHash('sha256');
      let crc = 0;
      let newlines = 0;
      let bytes = 0;
      let lastByte = 10;
      const fh = await open(out, 'w');
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          sha.update(chunk);
          crc = crc32(chunk, crc);
          for (let k = chunk.indexOf(10); k >= 0; k = chunk.indexOf(10, k + 1)) newlines++;
          if (chunk.length) lastByte = chunk[chunk.length - 1];
          bytes += chunk.length;
          unpacked += chunk.length;
          await fh.write(chunk);
          options.onProgress?.({ phase: 'unpack', done: unpacked, total, file: rel });
        }
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw new DownloadError(`corrupted archive: ${e.fileName}: ${(err as Error).message}`);
      } finally {
        await fh.close();
      }
      if (crc >>> 0 !== e.crc32 >>> 0) {
        throw new DownloadError(`corrupted archive: ${e.fileName} fails its CRC-32 check`);
      }
      const lines = newlines + (bytes > 0 && lastByte !== 10 ? 1 : 0);
      const rows = lines - (entry.headers.includes(rel) && lines > 0 ? 1 : 0);
      files[rel] = { bytes, sha256: sha.digest('hex'), rows };
    }
  } finally {
    zip.close();
  }
  for (const [name, rows] of Object.entries(entry.expected)) {
    const got = files[name];
    if (!got) {
      throw new DownloadError(
        `the archive lacks ${name} (it holds ${Object.keys(files).join(', ') || 'nothing'})`,
      );
    }
    if (rows !== null && got.rows !== rows) {
      throw new DownloadError(`${name} has ${got.rows} rows, expected ${rows}: not the release it should be`);
    }
  }
  return files;
}

/** "ml-1m/" when every name starts with it, else "". */
function commonTopFolder(names: string[]): string {
  const first = names[0]?.split('/')[0];
  if (!first || names.some((n) => !n.startsWith(`${first}/`))) return '';
  return `${first}/`;
}
