// `ubp merge`: joins shard runs (or any runs of one config and data) into one run folder that every command
// reads like any other. Refuses runs whose config hash or dataset fingerprint differ (or shards of different
// evals); reports shards not given, units without a result, and units present in more than one run (the first
// run's line is kept).
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fdSink, LineBuffer } from '../run/lineBuffer';
import { lockHolder, type LockInfo } from '../run/lock';
import {
  RUN_LOCK_FILE,
  RUN_MANIFEST_FILE,
  RUN_RESULTS_FILE,
  emptyTotals,
  readRun,
  readRunManifest,
  resolveRunDir,
  unitKey,
  withLiveStatus,
  type ManifestVariant,
  type RunManifest,
} from '../run/store';

export interface MergeResult {
  dir: string;
  manifest: RunManifest;
  /** Results lines written. */
  lines: number;
  /** Units with a line in more than one run (the first run's kept). */
  duplicates: number;
  /** Shard indices of 1..n no run was given for. */
  missingShards: number[];
  /** Units asked for in the runs given that have no result. */
  missingUnits: number;
  /** Runs still being written when read (only with `inProgress: true`): their lines so far were merged. */
  inProgress: { id: string; message: string }[];
}

export interface MergeOptions {
  /** Merge runs whose lock a live process holds (a snapshot, reported in `inProgress`); else refused. */
  inProgress?: boolean;
}

function writingMessage(id: string, holder: LockInfo): string {
  return `run ${id} is still being written by ${holder.tool ?? 'another process'} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt})`;
}

export async function mergeRuns(
  dirs: readonly string[],
  out: string,
  opts: MergeOptions = {},
): Promise<MergeResult> {
  if (!dirs.length) throw new Error('nothing to merge: give the runs');
  if (existsSync(out) && readdirSync(out).length)
    throw new Error(`${out} exists and is not empty: give a new folder to --out`);
  // The manifests first (every refusal before anything is written); each run's lines later, one run at a time.
  const runs = dirs.map((d) => {
    const dir = resolveRunDir(d);
    return { dir, manifest: withLiveStatus(dir, readRunManifest(dir)) };
  });
  const first = runs[0]!.manifest;
  // A run whose lock a live process holds is still growing: its lines are a snapshot, never a finished shard.
  const inProgress: { id: string; message: string }[] = [];
  for (const r of runs) {
    const holder = lockHolder(path.join(r.dir, RUN_LOCK_FILE));
    if (!holder) continue;
    const message = writingMessage(r.manifest.id, holder);
    if (!opts.inProgress)
      throw new Error(`${message}: wait for it to finish, or --partial to merge what it has written so far`);
    inProgress.push({ id: r.manifest.id, message });
  }
  for (const r of runs.slice(1)) {
    const m = r.manifest;
    // The whole run already holds every shard's units: mixed in, it would pass for the shards not given.
    if (!m.shard !== !first.shard) {
      const [shard, whole] = m.shard ? [m, first] : [first, m];
      throw new Error(
        `run ${shard.id} is shard ${shard.shard!.index} of ${shard.shard!.count}, run ${whole.id} the unsharded (whole) run of the same eval: merge the shards alone, or use the whole run`,
      );
    }
    if (m.configHash !== first.configHash)
      throw new Error(
        `run ${m.id} has config hash ${m.configHash.slice(0, 12)}, run ${first.id} ${first.configHash.slice(0, 12)}: they are not the same eval`,
      );
    if (m.dataset.fingerprint !== first.dataset.fingerprint)
      throw new Error(
        `run ${m.id} was made from different data (fingerprint ${m.dataset.fingerprint.slice(0, 12)}, run ${first.id} ${first.dataset.fingerprint.slice(0, 12)})`,
      );
    if ((m.shard?.runKeyHash ?? m.runKeyHash) !== (first.shard?.runKeyHash ?? first.runKeyHash))
      throw new Error(
        `run ${m.id} asks different questions than run ${first.id} (templates or models differ)`,
      );
    if (m.shard && first.shard && m.shard.count !== first.shard.count)
      throw new Error(`run ${m.id} is a shard of ${m.shard.count}, run ${first.id} of ${first.shard.count}`);
  }

  // Shards: which of 1..n are here.
  const sharded = runs.every((r) => r.manifest.shard);
  const count = first.shard?.count ?? 0;
  const given = new Set(runs.map((r) => r.manifest.shard?.index).filter((i): i is number => i !== undefined));
  const missingShards = sharded
    ? Array.from({ length: count }, (_, i) => i + 1).filter((i) => !given.has(i))
    : [];

  // Variants: the union, in order of first appearance.
  const variants = new Map<string, ManifestVariant>();
  for (const r of runs) for (const v of r.manifest.variants) if (!variants.has(v.id)) variants.set(v.id, v);
  // Units per case over that union: a shard run with fewer models than the others is missing the rest.
  const perCase = [...variants.values()].reduce((n, v) => n + Math.max(1, v.samples), 0);

  // Lines: the last line per unit of each run, in run order; a unit already taken from an earlier run is a duplicate.
  // Written as they are read, one run in memory at a time (shards of a million cases would not fit as one string).
  mkdirSync(out, { recursive: true });
  const fd = openSync(path.join(out, RUN_RESULTS_FILE), 'w');
  const taken = new Set<string>();
  let lines = 0;
  let duplicates = 0;
  let missingUnits = 0;
  const totals = emptyTotals(0);
  try {
    const text = new LineBuffer(fdSink(fd));
    for (const r of runs) {
      const { results } = await readRun(r.dir);
      for (const line of results) {
        const key = unitKey(line.caseId, line.variant, line.sample);
        if (taken.has(key)) {
          duplicates++;
          continue;
        }
        taken.add(key);
        totals[line.outcome]++;
        text.write(JSON.stringify(line) + '\n');
        lines++;
      }
      // Spend adds up over every run: superseded and duplicated answers were paid for too.
      const t = r.manifest.totals ?? emptyTotals(0);
      totals.promptTokens += t.promptTokens;
      totals.completionTokens += t.completionTokens;
      totals.reasoningTokens += t.reasoningTokens ?? 0;
      totals.costUsd += t.costUsd;
      totals.requests += t.requests;
      totals.cached += t.cached;
    }
    text.flush();
  } catch (e) {
    // Nothing half-written is left behind: the folder was new or empty.
    closeSync(fd);
    rmSync(out, { recursive: true, force: true });
    throw e;
  }
  closeSync(fd);
  // The units the runs given ask for (each shard once) that no line answers.
  const givenCases = sharded
    ? [...new Map(runs.map((r) => [r.manifest.shard!.index, r.manifest.cases])).values()].reduce(
        (n, c) => n + c,
        0,
      )
    : Math.max(...runs.map((r) => r.manifest.cases));
  missingUnits = Math.max(0, givenCases * perCase - lines);

  // Shards: the whole eval's cases, so a merge with shards missing reads "N of <all> answers", never complete.
  const cases = sharded ? first.shard!.casesOfAll : Math.max(...runs.map((r) => r.manifest.cases));
  totals.units = cases * perCase;
  const complete =
    missingShards.length === 0 &&
    totals.success + totals.invalid + totals.error >= totals.units &&
    runs.every((r) => r.manifest.status === 'done');
  const times = (pick: (m: RunManifest) => string | undefined): string[] =>
    runs
      .map((r) => pick(r.manifest))
      .filter((t): t is string => typeof t === 'string')
      .sort();

  const { shard: _s, ...base } = first;
  const manifest: RunManifest = {
    ...base,
    id: path.basename(path.resolve(out)),
    runKeyHash: first.shard?.runKeyHash ?? first.runKeyHash,
    variants: [...variants.values()],
    cases,
    status: complete ? 'done' : 'cancelled',
    startedAt: times((m) => m.startedAt)[0] ?? first.startedAt,
    sessionStartedAt: times((m) => m.sessionStartedAt).at(-1) ?? first.sessionStartedAt,
    finishedAt: times((m) => m.finishedAt).at(-1) ?? new Date().toISOString(),
    resumes: 0,
    totals,
    // Time adds up like spend: the shards' active times summed (the first shard's alone undercounted it).
    ...(runs.every((r) => r.manifest.activeMs !== undefined)
      ? { activeMs: runs.reduce((n, r) => n + (r.manifest.activeMs ?? 0), 0) }
      : {}),
    mergedFrom: runs.map((r) => ({
      id: r.manifest.id,
      ...(r.manifest.shard
        ? { shard: { index: r.manifest.shard.index, count: r.manifest.shard.count } }
        : {}),
    })),
  };
  delete manifest.error;
  if (!runs.every((r) => r.manifest.activeMs !== undefined)) delete manifest.activeMs;
  writeFileSync(path.join(out, RUN_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return { dir: path.resolve(out), manifest, lines, duplicates, missingShards, missingUnits, inProgress };
}
