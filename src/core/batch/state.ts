// What a run knows about its batches: `<run>/batch/batches.json`, one record per batch (a part of the run's
// pending requests sent to one provider, or an offline export), rewritten atomically after every change so a
// restarted `ubp batch status` picks every batch up again. A batch is "open" from its creation at the provider
// until its results are imported: its units are never sent interactively meanwhile (no double spending).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unitKey } from '../run/store';
import type { BatchFormatId } from './formats';
import { IdTable } from './ids';

export const BATCH_DIR = 'batch';
export const BATCHES_FILE = 'batches.json';

export interface BatchCounts {
  total: number;
  /** Requests answered (successfully or not) so far. */
  completed: number;
  failed: number;
}

export interface BatchRecord {
  /** Part name, unique in the run: also the stem of its files in batch/ (`<name>.jsonl`, `<name>.ids`). */
  name: string;
  /** Wire format; `offline` is a file exported for a self-hosted engine (never open). */
  format: BatchFormatId | 'offline';
  /** The model entry id (one model per batch: OpenAI requires it). */
  model: string;
  /** The exported file of an offline export (provider parts live in batch/<name>.jsonl). */
  file?: string;
  /** Where it was sent (the model entry's base URL); absent for an offline export. */
  baseUrl?: string;
  requests: number;
  bytes: number;
  /** The uploaded input file (OpenAI). */
  inputFileId?: string;
  /** The provider's batch id: present once the batch exists. */
  batchId?: string;
  /** The provider's word for its state (validating, in_progress, finalizing, completed, expired, cancelling, cancelled, failed; Anthropic: in_progress, canceling, ended), or written / exported before it exists. */
  status: string;
  /** True once the provider will not change it any more. */
  terminal?: boolean;
  counts?: BatchCounts;
  outputFileId?: string;
  errorFileId?: string;
  /** Anthropic's results URL. */
  resultsUrl?: string;
  createdAt: string;
  updatedAt: string;
  /** When the provider gives up on it (ISO 8601), as last polled. */
  expiresAt?: string;
  /** Set when its output and errors are in results.jsonl. */
  importedAt?: string;
  /** What the import found: lines written, and requests the batch never ran (expired, cancelled). */
  imported?: { lines: number; notRun: number };
  /** Why creating it failed (its units were never sent). */
  error?: string;
}

export interface BatchState {
  format: 1;
  batches: BatchRecord[];
}

export function batchDir(runDir: string): string {
  return path.join(runDir, BATCH_DIR);
}

export function readBatchState(runDir: string): BatchState {
  const file = path.join(batchDir(runDir), BATCHES_FILE);
  if (!existsSync(file)) return { format: 1, batches: [] };
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BatchState;
  } catch (e) {
    throw new Error(`${file}: cannot read the batch state: ${(e as Error).message}`);
  }
}

export function writeBatchState(runDir: string, state: BatchState): void {
  const dir = batchDir(runDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, BATCHES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Updates one record (by name) and writes the state at once. */
export function updateBatch(runDir: string, name: string, patch: Partial<BatchRecord>): BatchRecord {
  const state = readBatchState(runDir);
  const i = state.batches.findIndex((b) => b.name === name);
  if (i < 0) throw new Error(`no batch "${name}" in ${runDir}`);
  const next = { ...state.batches[i]!, ...patch, updatedAt: new Date().toISOString() };
  state.batches[i] = next;
  writeBatchState(runDir, state);
  return next;
}

/** A batch whose units must not be sent again: it exists at a provider and its results are not imported yet. */
export function isOpen(b: BatchRecord): boolean {
  return b.format !== 'offline' && b.batchId !== undefined && b.importedAt === undefined;
}

/** The custom ids of one batch (`<name>.ids`, one per line). */
export function batchIds(runDir: string, name: string): string[] {
  const file = path.join(batchDir(runDir), `${name}.ids`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/** Unit keys (store.unitKey) of every open batch of a run: what `ubp run` must not send. */
export function openBatchUnits(runDir: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(path.join(batchDir(runDir), BATCHES_FILE))) return out;
  const open = readBatchState(runDir).batches.filter(isOpen);
  if (!open.length) return out;
  const table = new IdTable(batchDir(runDir));
  for (const b of open) {
    for (const id of batchIds(runDir, b.name)) {
      const u = table.get(id);
      if (u) out.add(unitKey(u.caseId, u.variant, u.sample));
    }
  }
  return out;
}
