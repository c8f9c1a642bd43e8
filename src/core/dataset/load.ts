// loadDataset: a path (folder, file, or "bundled:<name>") to Interactions, with the bad rows it skipped and a
// fingerprint of the files it read.
import { statSync } from 'node:fs';
import { createFileHasher, type FileHasher } from './hasher';
import path from 'node:path';
import type { DataIssue, DatasetFormat, Interactions } from '../types';
import type { LoadContext } from './context';
import { detectFormat } from './detect';
import { DatasetError, IssueLog, type LoadMode } from './errors';
import { BUNDLED_PREFIX, resolveBundledDataset } from './bundled';
import { findDownloadable } from './download';
import { fingerprintOf, manifestHash, readManifest, type DatasetManifest } from './manifest';
import { loadMovielensCsv } from './formats/movielens-csv';
import { loadMovielensDat } from './formats/movielens-dat';
import { loadMovielens100k } from './formats/movielens-100k';
import { loadLastfmHetrec } from './formats/lastfm-hetrec';
import { loadGeneric, type GenericColumnMap } from './formats/generic';

export interface LoadDatasetOptions {
  /** Default "auto": detected from the folder's files ("generic" when a column map is given). */
  format?: DatasetFormat | 'auto';
  /** "lenient" (default) skips bad rows and reports them; "strict" stops at the first. */
  mode?: LoadMode;
  /** The column map of the generic format. */
  columns?: GenericColumnMap;
  signal?: AbortSignal;
}

export interface LoadedDataset {
  data: Interactions;
  /** The first few problems found (all of them counted in skippedRows). */
  issues: DataIssue[];
  skippedRows: number;
  /** The files read, absolute paths. */
  files: string[];
  /** sha256 over the files read (their manifest's hashes when a manifest vouches for them). */
  fingerprint: string;
  /** The dataset's manifest (bundled or downloaded), if it has one. */
  manifest: DatasetManifest | null;
}

/** For a missing folder named like a downloadable release: the one command that fetches it there. */
function downloadHint(abs: string): string {
  // Only the release's own folder name: an alias unpacks to another folder than the one the config names.
  const entry = findDownloadable(path.basename(abs));
  if (!entry || entry.name !== path.basename(abs)) return '';
  return `; fetch it with: ubp download ${entry.name} --dir ${path.dirname(abs)}`;
}

export async function loadDataset(target: string, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const mode = options.mode ?? 'lenient';
  let display = target;
  let abs = target;
  if (target.startsWith(BUNDLED_PREFIX)) abs = resolveBundledDataset(target);
  abs = path.resolve(abs);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    throw new DatasetError(display, null, null, `no such file or folder${downloadHint(abs)}`);
  }
  const dir = isFile ? path.dirname(abs) : abs;
  const displayDir = isFile ? path.dirname(display) : display;
  let format = options.format ?? 'auto';
  if (format === 'auto') format = options.columns ? 'generic' : detectFormat(dir, displayDir);
  let columns = options.columns;
  if (format === 'generic') {
    if (!columns) {
      throw new DatasetError(
        display,
        null,
        null,
        'the generic format needs a column map (dataset.columns: user, item, value…)',
      );
    }
    if (isFile && !columns.file) columns = { ...columns, file: path.basename(abs) };
  }
  display = displayDir;

  const manifest = readManifest(dir);
  const hashes = new Map<string, FileHasher>();
  const ctx: LoadContext = {
    dir,
    displayDir,
    name: manifest?.name ?? path.basename(dir),
    log: new IssueLog(mode),
    signal: options.signal,
    read: [],
    hashFor(file) {
      const name = path.relative(dir, file);
      if (manifestHash(manifest, dir, name)) return null;
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        size = 0; // the reader reports a missing file
      }
      const h = createFileHasher(size);
      hashes.set(name, h);
      return h;
    },
  };
  let data: Interactions;
  try {
    switch (format) {
      case 'movielens-csv':
        data = await loadMovielensCsv(ctx);
        break;
      case 'movielens-dat':
        data = await loadMovielensDat(ctx);
        break;
      case 'movielens-100k':
        data = await loadMovielens100k(ctx);
        break;
      case 'lastfm-hetrec':
        data = await loadLastfmHetrec(ctx);
        break;
      case 'generic':
        data = await loadGeneric(ctx, columns!);
        break;
      default:
        throw new DatasetError(display, null, null, `unknown format "${String(format)}"`);
    }
  } catch (e) {
    for (const h of hashes.values()) h.dispose();
    throw e;
  }
  const digests = new Map<string, string>();
  for (const file of ctx.read) {
    const name = path.relative(dir, file);
    digests.set(name, manifestHash(manifest, dir, name) ?? (await hashes.get(name)?.digest()) ?? 'unhashed');
  }
  return {
    data,
    issues: ctx.log.issues,
    skippedRows: ctx.log.skippedRows,
    files: ctx.read,
    fingerprint: fingerprintOf(digests),
    manifest,
  };
}
