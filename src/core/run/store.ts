// The run store: `<root>/runs/<run id>/` holding `manifest.json` (what was run, by what, and how it ended) and
// `results.jsonl` (append-only, one CaseResult per line). Readers take the LAST line per (case, variant,
// sample), so a retried error is superseded by appending, never by rewriting. A torn last line (a crash mid-write)
// is ignored by readers and cut off by the next writer before it appends. See docs/runner.md.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SkippedRows } from '../dataset/errors';
import type { EvalConfig } from '../config';
import type { CaseResult, Outcome, TaskForm, ValueScale } from '../types';
import { acquireLock, lockHolder, type LockInfo, type RunLock } from './lock';
import { fdSink, LineBuffer } from './lineBuffer';
import { readResults, slimResultParser, type LineParser, type ResultsScan } from './results';

/**
 * How a run stands. `batch`: waiting on provider batches (src/core/batch) for the units not yet answered.
 * `interrupted` is never written: readers report it for a run that says `running` while no live process holds
 * its lock (killed or crashed; resumable).
 */
export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed' | 'budget' | 'batch' | 'interrupted';

export interface RunTotals {
  /** Units (case × variant × sample) with a final line, by outcome. */
  success: number;
  invalid: number;
  error: number;
  /** Units the run was asked for (all cases, every variant and sample). */
  units: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  costUsd: number;
  /** Requests actually sent in this store's lifetime (retries included; cached answers excluded). */
  requests: number;
  cached: number;
}

export interface ManifestVariant {
  id: string;
  kind: 'llm' | 'baseline';
  model: string;
  template: string | null;
  samples: number;
  /** Endpoint origin of an LLM (never a key). */
  origin?: string;
}

export interface RunManifest {
  format: 1;
  id: string;
  name: string;
  /** Absolute path of the config file, when there is one. */
  configFile?: string;
  /**
   * The effective config (the file plus models added on the command line) with every default filled, once, by
   * config.ts (`effectiveConfig`): readers take values from it as they are. Typed as written by this engine;
   * every field optional because runs recorded by older versions (and test fixtures) may lack some.
   */
  config: ManifestConfig;
  /** sha256 of the canonical effective config. */
  configHash: string;
  /** sha256 of the parts that decide the answers (the run id's hash; see runKey.ts). */
  runKeyHash: string;
  engineVersion: string;
  openaiVersion: string;
  node: string;
  dataset: {
    name: string;
    path: string;
    fingerprint: string;
    form: TaskForm;
    scale: ValueScale | null;
  };
  variants: ManifestVariant[];
  cases: number;
  /** Version of the case-building rules (tasks CASES_VERSION); absent in runs made before it was recorded (= 1). */
  casesVersion?: number;
  /** The split the cases were built with; `cutoff` in Unix seconds for the global split. */
  split?: { kind: 'temporal' | 'global' | 'random' | 'items' | 'file order'; cutoff?: number };
  status: RunStatus;
  startedAt: string;
  /** When the current (or last) session of this run started; differs from startedAt after a resume. */
  sessionStartedAt: string;
  finishedAt?: string;
  /** How many times the run was resumed. */
  resumes: number;
  totals: RunTotals;
  /** Why the run failed (status failed). */
  error?: string;
  /**
   * A shard run (`ubp run --shard i/n`): which slice, how many cases the whole run has, and the run key of the
   * whole run (shards of one eval share it; `ubp merge` checks).
   */
  shard?: { index: number; count: number; casesOfAll: number; runKeyHash: string };
  /** A merged run (`ubp merge`): the runs it was made of. */
  mergedFrom?: { id: string; shard?: { index: number; count: number } }[];
  /** Models stopped after a fatal error: nothing more was sent to them (see runner.ts). */
  stoppedModels?: { model: string; reason: string; notSent: number }[];
  /** Last time a live session wrote its totals (a heartbeat: readers date a run whose process is gone by it). */
  updatedAt?: string;
  /** Time the run has actually run, ms: every session's, up to its end or last heartbeat (gaps left out). */
  activeMs?: number;
  /** Every re-run of chosen units (`ubp rerun`, "Re-run Failed Cases"), oldest first. */
  reruns?: RerunRecord[];
  /** Malformed dataset rows the load skipped: the count and the first few (absent when none). */
  skippedRows?: SkippedRows;
  /** Models without a known price: their cost is unknown (never counted as $0). */
  unpricedModels?: string[];
}

/** One re-run of a run's failed (or chosen) units, as recorded in its manifest. */
export interface RerunRecord {
  /** ISO time the re-run started. */
  at: string;
  /** Which outcomes were chosen ("invalid", "error", "wrong"), or "chosen" for units named one by one. */
  outcomes: string[];
  /** Model ids it was limited to, if any. */
  models?: string[];
  /** Units it set out to re-ask. */
  units: number;
  /** Units it re-asked before it ended, and how they ended. */
  finished: number;
  status: RunStatus;
}

/** Every field optional, at every level. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The config as a manifest holds it (see RunManifest.config). */
export type ManifestConfig = DeepPartial<EvalConfig>;

export const RUN_RESULTS_FILE = 'results.jsonl';
export const RUN_MANIFEST_FILE = 'manifest.json';
export const RUN_LOCK_FILE = 'lock';

/** The key readers deduplicate by. */
export function unitKey(caseId: string, variant: string, sample: number): string {
  return `${caseId}\u0000${variant}\u0000${sample}`;
}

export function emptyTotals(units = 0): RunTotals {
  return {
    success: 0,
    invalid: 0,
    error: 0,
    units,
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    requests: 0,
    cached: 0,
  };
}

export function runsDir(root: string): string {
  return path.join(root, 'runs');
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** What a read of results.jsonl found (see results.ts, the one reader). */
export type ScanResult = ResultsScan;

/** Streams results.jsonl line by line (complete lines only), calling `onResult` for each parsed line. */
export function scanResults(
  file: string,
  onResult: (r: CaseResult) => void,
  parse?: LineParser<CaseResult>,
): Promise<ScanResult> {
  return readResults(file, onResult, parse ? { parse } : {});
}

export interface ReadRunOptions {
  /** Keep only what reports read (no prompts, raw answers or target items: see slimResultParser). */
  slim?: boolean;
}

export interface ReadRun {
  dir: string;
  manifest: RunManifest;
  /** The last line per (case, variant, sample), in order of first appearance. */
  results: CaseResult[];
  scan: ScanResult;
}

/** Reads a run folder (or a run id under `<root>/runs`). Tolerates a torn last line. */
export async function readRun(
  dirOrId: string,
  root?: string,
  options: ReadRunOptions = {},
): Promise<ReadRun> {
  const dir = resolveRunDir(dirOrId, root);
  const manifest = withLiveStatus(dir, readRunManifest(dir));
  const byKey = new Map<string, CaseResult>();
  const scan = await scanResults(
    path.join(dir, RUN_RESULTS_FILE),
    (r) => {
      byKey.set(unitKey(r.caseId, r.variant, r.sample), r);
    },
    options.slim ? slimResultParser() : undefined,
  );
  return { dir, manifest, results: [...byKey.values()], scan };
}

export function resolveRunDir(dirOrId: string, root?: string): string {
  if (existsSync(path.join(dirOrId, RUN_MANIFEST_FILE))) return path.resolve(dirOrId);
  if (root) {
    const d = path.join(runsDir(root), dirOrId);
    if (existsSync(path.join(d, RUN_MANIFEST_FILE))) return d;
  }
  throw new Error(`no run "${dirOrId}"${root ? ` in ${runsDir(root)}` : ''} (no ${RUN_MANIFEST_FILE} found)`);
}

/** The manifest with status `interrupted` when it says `running` but no live process holds the run's lock. */
export function withLiveStatus(dir: string, manifest: RunManifest): RunManifest {
  if (manifest.status !== 'running' || lockHolder(path.join(dir, RUN_LOCK_FILE))) return manifest;
  return { ...manifest, status: 'interrupted' };
}

export function readRunManifest(dir: string): RunManifest {
  const file = path.join(dir, RUN_MANIFEST_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
  } catch (e) {
    throw new Error(`${file}: cannot read the run manifest: ${(e as Error).message}`);
  }
}

export interface RunListing {
  id: string;
  dir: string;
  manifest: RunManifest;
  /** Who is writing it now, if anyone. */
  activeBy: LockInfo | null;
  /** Status "running" but nobody holds the lock: the writer crashed or was killed (resumable). */
  interrupted: boolean;
}

/** Every run under `<root>/runs`, newest first. Folders without a readable manifest are skipped. */
export function listRuns(root: string): RunListing[] {
  const dir = runsDir(root);
  if (!existsSync(dir)) return [];
  const out: RunListing[] = [];
  for (const id of readdirSync(dir)) {
    const d = path.join(dir, id);
    if (!existsSync(path.join(d, RUN_MANIFEST_FILE))) continue;
    let manifest: RunManifest;
    try {
      manifest = readRunManifest(d);
    } catch {
      continue;
    }
    const activeBy = lockHolder(path.join(d, RUN_LOCK_FILE));
    const interrupted = manifest.status === 'running' && !activeBy;
    if (interrupted) manifest = { ...manifest, status: 'interrupted' };
    out.push({ id, dir: d, manifest, activeBy, interrupted });
  }
  return out.sort((a, b) => (a.manifest.sessionStartedAt < b.manifest.sessionStartedAt ? 1 : -1));
}

// ---------------------------------------------------------------------------------------------------------------
// Run ids

/** "My eval!" -> "my-eval": safe as a folder name everywhere. */
export function runSlug(name: string): string {
  const s = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return s || 'eval';
}

/**
 * The run id to use for base id `<name>-<hash8>`: the latest existing run of that base (resume), or with
 * `fresh` the first free one (`base`, `base-2`, `base-3`, …).
 */
export function chooseRunId(root: string, base: string, fresh: boolean): string {
  const dir = runsDir(root);
  const taken = existsSync(dir)
    ? readdirSync(dir).filter((n) => n === base || new RegExp(`^${escapeRe(base)}-\\d+$`).test(n))
    : [];
  const n = (id: string): number => (id === base ? 1 : Number(id.slice(base.length + 1)));
  const highest = taken.reduce((m, id) => Math.max(m, n(id)), 0);
  if (!fresh) return highest <= 1 ? base : `${base}-${highest}`;
  return highest === 0 ? base : `${base}-${highest + 1}`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

export interface OpenRunStoreOptions {
  /** The store root (`.ubp` at the workspace root by default): runs go in `<root>/runs/<id>`. */
  root: string;
  runId: string;
  /**
   * The folder of an existing run to write into, wherever it is (a moved or renamed run, a merge's --out):
   * rerun and import name the run by its folder, and `<root>/runs/<id>` may be another run or none.
   */
  dir?: string;
  /** The manifest of a new run (status, times and totals are managed by the store). */
  manifest: Omit<
    RunManifest,
    'status' | 'startedAt' | 'sessionStartedAt' | 'resumes' | 'totals' | 'finishedAt'
  >;
  /** Names the writer in the lock ("ubp run", "VS Code"). */
  tool?: string;
  /**
   * Called when the run exists and its dataset fingerprint differs from `manifest`'s: throw to refuse. Default:
   * refuse with a message suggesting --new.
   */
  onMismatch?: (previous: RunManifest) => void;
}

export interface RunStore {
  readonly id: string;
  readonly dir: string;
  readonly resumed: boolean;
  /** A stale lock of a dead writer that was taken over, if any. */
  readonly tookOverFrom: LockInfo | null;
  /** The final outcome of every earlier unit (last line per key). */
  readonly previous: ReadonlyMap<string, Outcome>;
  /** What the scan of the existing results found (torn tail, corrupt lines). */
  readonly scan: ScanResult;
  /** Tokens, cost and requests of every earlier line (superseded errors included: they were paid for). */
  readonly spent: Pick<
    RunTotals,
    'promptTokens' | 'completionTokens' | 'reasoningTokens' | 'costUsd' | 'requests' | 'cached'
  >;
  manifest(): RunManifest;
  /** Queues a line; it reaches the file (one write per batch, no fsync) before the next event-loop turn ends. */
  append(result: CaseResult): void;
  /** Writes queued lines now. */
  flush(): void;
  /** Merges into the manifest and rewrites it atomically. */
  updateManifest(patch: Partial<RunManifest>): void;
  /** Flushes, writes the final manifest and releases the lock. Idempotent. */
  close(patch?: Partial<RunManifest>): void;
}

/** Opens (creating or resuming) a run for writing: takes the lock, repairs a torn tail, reads earlier results. */
export async function openRunStore(opts: OpenRunStoreOptions): Promise<RunStore> {
  const dir = opts.dir ? path.resolve(opts.dir) : path.join(runsDir(opts.root), opts.runId);
  mkdirSync(dir, { recursive: true });
  // An existing folder given by the user may sit in their own tree: no .gitignore is dropped above it.
  if (!opts.dir) ignoreStoreInGit(opts.root);
  const lock: RunLock = acquireLock(path.join(dir, RUN_LOCK_FILE), opts.tool);
  try {
    return await openLocked(opts, dir, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function openLocked(opts: OpenRunStoreOptions, dir: string, lock: RunLock): Promise<RunStore> {
  const manifestFile = path.join(dir, RUN_MANIFEST_FILE);
  const resultsFile = path.join(dir, RUN_RESULTS_FILE);
  const now = new Date().toISOString();
  let manifest: RunManifest;
  const resumed = existsSync(manifestFile);
  if (resumed) {
    const prev = readRunManifest(dir);
    const version = opts.manifest.casesVersion;
    if (version !== undefined && (prev.casesVersion ?? 1) !== version)
      throw new Error(
        `run ${opts.runId} was built with case rules version ${prev.casesVersion ?? 1} and this UBP Eval builds version ${version} ` +
          '(targets, histories or negatives differ, so its results cannot be continued); start a fresh run with --new',
      );
    if (opts.onMismatch) opts.onMismatch(prev);
    else if (prev.dataset.fingerprint !== opts.manifest.dataset.fingerprint) {
      throw new Error(
        `run ${opts.runId} was made from different data (fingerprint ${prev.dataset.fingerprint.slice(0, 12)}, now ${opts.manifest.dataset.fingerprint.slice(0, 12)}); ` +
          'start a fresh run with --new',
      );
    }
    // Variants accumulate: a session that runs a subset (--models) must not hide the others' results.
    const current = new Map(opts.manifest.variants.map((v) => [v.id, v]));
    const had = new Set((prev.variants ?? []).map((v) => v.id));
    const variants = [
      ...(prev.variants ?? []).map((v) => current.get(v.id) ?? v),
      ...opts.manifest.variants.filter((v) => !had.has(v.id)),
    ];
    manifest = {
      ...prev,
      ...opts.manifest,
      variants,
      status: 'running',
      startedAt: prev.startedAt,
      sessionStartedAt: now,
      resumes: (prev.resumes ?? 0) + 1,
      totals: prev.totals ?? emptyTotals(),
    };
    delete manifest.finishedAt;
    delete manifest.error;
    delete manifest.stoppedModels;
  } else {
    manifest = {
      ...opts.manifest,
      status: 'running',
      startedAt: now,
      sessionStartedAt: now,
      resumes: 0,
      totals: emptyTotals(),
    };
  }

  const previous = new Map<string, Outcome>();
  const spent = {
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    requests: 0,
    cached: 0,
  };
  const scan = await scanResults(resultsFile, (r) => {
    spent.promptTokens += r.usage?.prompt ?? 0;
    spent.completionTokens += r.usage?.completion ?? 0;
    spent.reasoningTokens += r.usage?.reasoning ?? 0;
    spent.costUsd += r.costUsd ?? 0;
    if (r.template !== null) {
      if (r.cached) spent.cached++;
      else spent.requests += r.attempts ?? 1;
    }
    previous.set(unitKey(r.caseId, r.variant, r.sample), r.outcome);
  });
  const fd = openSync(resultsFile, 'a+');
  // Cut a torn tail so the next line starts on a line of its own (O_APPEND writes go to the new end).
  if (scan.tornTail) ftruncateSync(fd, scan.validBytes);

  // Active time: earlier sessions' plus this one's so far (written with every manifest update).
  const activeBefore = manifest.activeMs ?? 0;
  const sessionT0 = performance.now();
  const stamp = (m: RunManifest): RunManifest => ({
    ...m,
    activeMs: Math.round(activeBefore + performance.now() - sessionT0),
  });
  manifest = stamp(manifest);
  writeManifest(manifestFile, manifest);

  // Lines are encoded into one reused buffer as they come (no joined megabyte strings for the collector).
  const pending = new LineBuffer(fdSink(fd));
  let scheduled: NodeJS.Immediate | null = null;
  let closed = false;

  const flush = (): void => {
    if (scheduled) {
      clearImmediate(scheduled);
      scheduled = null;
    }
    pending.flush();
  };

  return {
    id: opts.runId,
    dir,
    resumed,
    tookOverFrom: lock.tookOver,
    previous,
    scan,
    spent,
    manifest: () => manifest,
    append(result) {
      if (closed) throw new Error(`run ${opts.runId} is closed`);
      pending.write(JSON.stringify(result) + '\n');
      scheduled ??= setImmediate(flush);
    },
    flush,
    updateManifest(patch) {
      manifest = stamp({ ...manifest, ...patch });
      writeManifest(manifestFile, manifest);
    },
    close(patch) {
      if (closed) return;
      try {
        flush();
        closeSync(fd);
        manifest = stamp({ ...manifest, ...patch });
        if (manifest.status !== 'running') manifest.finishedAt ??= new Date().toISOString();
        writeManifest(manifestFile, manifest);
      } finally {
        closed = true;
        lock.release();
      }
    },
  };
}

/** Runs and the response cache are outputs, not sources: keep them out of Source Control (once, never overwritten). */
export function ignoreStoreInGit(root: string): void {
  const file = path.join(root, '.gitignore');
  if (existsSync(file)) return;
  try {
    writeFileSync(file, '# Written by UBP Eval: runs and cached answers are outputs.\n*\n', { flag: 'wx' });
  } catch {
    /* another writer made it first, or the folder is read-only: either way nothing to do */
  }
}

function writeManifest(file: string, manifest: RunManifest): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Size in bytes of a run's results file (0 when absent): lets watchers skip unchanged runs. */
export function resultsSize(dir: string): number {
  try {
    return statSync(path.join(dir, RUN_RESULTS_FILE)).size;
  } catch {
    return 0;
  }
}
