// Which format a folder holds, from the names of its files.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DatasetFormat } from '../types';
import { DatasetError } from './errors';

export interface FormatSignature {
  format: DatasetFormat;
  /** Files that must be there. */
  required: string[];
  /** Files read when present. */
  optional: string[];
  /** One line for messages. */
  describes: string;
}

export const FORMAT_SIGNATURES: FormatSignature[] = [
  {
    format: 'movielens-csv',
    required: ['ratings.csv', 'movies.csv'],
    optional: ['tags.csv'],
    describes: 'MovieLens CSV (ml-latest-small, ml-25m…): ratings.csv + movies.csv, optional tags.csv',
  },
  {
    format: 'movielens-dat',
    required: ['ratings.dat', 'movies.dat'],
    optional: [],
    describes: 'MovieLens .dat (ml-1m, ml-10m): ratings.dat + movies.dat, "::"-separated',
  },
  {
    format: 'movielens-100k',
    required: ['u.data', 'u.item'],
    optional: [],
    describes: 'MovieLens 100k: u.data (tab-separated) + u.item ("|"-separated)',
  },
  {
    format: 'lastfm-hetrec',
    required: ['user_artists.dat'],
    optional: ['artists.dat', 'user_taggedartists.dat', 'tags.dat'],
    describes: 'Last.fm HetRec 2011: user_artists.dat (+ artists.dat, user_taggedartists.dat, tags.dat)',
  },
];

const GENERIC_HINT = 'generic: any CSV/TSV, with a column map ("columns" in the eval config, or --columns)';

/** Lists a folder's files (names only), or throws a clear error for a missing path. */
export function listFiles(dir: string, display = dir): string[] {
  try {
    return readdirSync(dir).filter((f) => {
      try {
        return statSync(path.join(dir, f)).isFile();
      } catch {
        return false;
      }
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError(display, null, null, 'no such file or folder');
    if (code === 'ENOTDIR') throw new DatasetError(display, null, null, 'not a folder');
    throw new DatasetError(display, null, null, `cannot list: ${(e as Error).message}`);
  }
}

/**
 * Detects the format of a dataset folder. A folder that matches none gets an error listing what it holds and
 * what each format expects (and which required file is missing for a near match).
 */
export function detectFormat(dir: string, display = dir): DatasetFormat {
  const files = listFiles(dir, display);
  const have = new Set(files);
  const match = FORMAT_SIGNATURES.find((s) => s.required.every((f) => have.has(f)));
  if (match) return match.format;
  const near = FORMAT_SIGNATURES.filter((s) => s.required.some((f) => have.has(f))).map(
    (s) => `${s.format} needs ${s.required.filter((f) => !have.has(f)).join(' and ')}, which is missing`,
  );
  const shown = files.length
    ? files.slice(0, 20).join(', ') + (files.length > 20 ? `, … (${files.length} files)` : '')
    : 'nothing (empty folder)';
  throw new DatasetError(
    display,
    null,
    null,
    [
      `no dataset recognised in this folder.`,
      ...(near.length ? [`  ${near.join('; ')}.`] : []),
      `  found: ${shown}`,
      `  expected one of:`,
      ...FORMAT_SIGNATURES.map((s) => `    ${s.format}: ${s.describes}`),
      `    ${GENERIC_HINT}`,
    ].join('\n'),
  );
}
