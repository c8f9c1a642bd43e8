// What every format loader gets: the folder, the issue log, the abort signal, and a hash per file it reads
// (the dataset's fingerprint), and what it gives back.
import path from 'node:path';
import type { FileHasher } from './hasher';
import type { Interactions, ItemMeta } from '../types';
import type { IssueLog } from './errors';
import type { ReadTextOptions } from './text-lines';

export interface LoadContext {
  /** The dataset folder, absolute. */
  dir: string;
  /** The folder as the user wrote it, for messages. */
  displayDir: string;
  /** A name for the dataset (folder name or the manifest's). */
  name: string;
  log: IssueLog;
  signal?: AbortSignal;
  /** A hash to feed with the file's bytes, or null when the manifest already vouches for the file. */
  hashFor(file: string): FileHasher | null;
  /** Files read, absolute, in the order they were opened. */
  read: string[];
}

/** The path of a file of the dataset and its name in messages; records it as read. */
export function dataFile(ctx: LoadContext, name: string): { file: string; display: string } {
  const file = path.join(ctx.dir, name);
  if (!ctx.read.includes(file)) ctx.read.push(file);
  return { file, display: path.join(ctx.displayDir, name) };
}

/** The options every reader of a dataset file takes: its name in messages, the issue log, cancel, the hash. */
export function readingOf(
  ctx: LoadContext,
  file: string,
  display: string,
): Pick<ReadTextOptions, 'display' | 'log' | 'signal' | 'hash'> {
  return { display, log: ctx.log, signal: ctx.signal, hash: ctx.hashFor(file) };
}

/** Release year at the end of a MovieLens title: "Heat (1995)" -> 1995. */
export function titleYear(title: string): number | undefined {
  const m = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(title);
  return m ? Number(m[1]) : undefined;
}

/** The most used tags per item, most used first (ties by first use). */
export function topTags(counts: Map<number, Map<string, number>>, itemKey: number, k = 5): string[] {
  const tags = counts.get(itemKey);
  if (!tags) return [];
  return [...tags.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([t]) => t);
}

export function addTag(counts: Map<number, Map<string, number>>, itemKey: number, tag: string): void {
  const t = tag.trim();
  if (!t) return;
  let m = counts.get(itemKey);
  if (!m) counts.set(itemKey, (m = new Map()));
  m.set(t, (m.get(t) ?? 0) + 1);
}

export type FormatLoader = (ctx: LoadContext) => Promise<Interactions>;

/** Item metadata for the dense item ids, from a map keyed by numeric external id. */
export function itemsByDenseId(itemIds: string[], meta: Map<number, ItemMeta>): ItemMeta[] {
  return itemIds.map((id) => meta.get(Number(id)) ?? { title: id, genres: [] });
}
