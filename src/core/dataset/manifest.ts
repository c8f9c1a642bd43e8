// The small manifest kept beside a dataset (ubp-dataset.json): where it came from and the sha256 of each file.
// A run fingerprints its dataset with these hashes, so a shipped or downloaded dataset is not hashed again at
// every load; files without a manifest (or whose size no longer matches it) are hashed while they are read.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DatasetFormat } from '../types';

export const MANIFEST_FILE = 'ubp-dataset.json';

export interface ManifestFile {
  bytes: number;
  sha256: string;
  /** Data rows (lines less the header), when counted. */
  rows?: number;
}

export interface DatasetManifest {
  /** The folder name users refer to, e.g. "ml-latest-small". */
  name: string;
  /** An honest description of the release, e.g. "MovieLens ml-latest-small, October 2016 release". */
  release: string;
  format: DatasetFormat;
  source: {
    kind: 'bundled' | 'download';
    url?: string;
    /** sha256 of the archive as fetched. */
    archiveSha256?: string;
    archiveBytes?: number;
  };
  /** ISO time of the download. */
  fetchedAt?: string;
  /** Headline counts, e.g. { ratings: 100004, users: 671 }. */
  counts?: Record<string, number>;
  /** The file that carries the dataset's licence. */
  licence?: string;
  /** How to cite the dataset, when it asks for it. */
  citation?: string;
  files: Record<string, ManifestFile>;
}

/** The manifest of a dataset folder, or null when there is none (or it is unreadable). */
export function readManifest(dir: string): DatasetManifest | null {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as DatasetManifest;
    return m && typeof m === 'object' && m.files && typeof m.files === 'object' ? m : null;
  } catch {
    return null;
  }
}

/** The manifest's sha256 for a file, when the file still has the recorded size. */
export function manifestHash(manifest: DatasetManifest | null, dir: string, name: string): string | null {
  const entry = manifest?.files[name];
  if (!entry || !/^[0-9a-f]{64}$/.test(entry.sha256)) return null;
  try {
    return statSync(path.join(dir, name)).size === entry.bytes ? entry.sha256 : null;
  } catch {
    return null;
  }
}

/** The dataset fingerprint: sha256 over "<sha256>  <name>" lines of the files used, sorted by name. */
export function fingerprintOf(hashes: Map<string, string>): string {
  const lines = [...hashes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, sha]) => `${sha}  ${name}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}
