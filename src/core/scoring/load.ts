// Finding and reading a run for the reporting commands: `<run>` is a run folder or a run id under the store root.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CaseResult } from '../types';
import { parseWithoutMessages, readResults, slimResultParser } from '../run/results';
import {
  readRun,
  readRunManifest,
  RUN_MANIFEST_FILE,
  RUN_RESULTS_FILE,
  runsDir,
  unitKey,
  withLiveStatus,
  type ReadRun,
  type ReadRunOptions,
  type RunManifest,
  type ScanResult,
} from '../run/store';
import { ResultColumnsBuilder, type RunColumns } from './columns';
import type { ScoringContext } from './aggregate';
import { PairRunBuilder, PairTables, type PairRun } from './pairing';
import { tableContext, tableSummaries, type TableOptions, type TableRunRead } from './table';
import {
  addBestBaseline,
  bestBaselinePairs,
  reportFromColumns,
  scoringContext,
  type Report,
  type ReportOptions,
} from './report';

export interface LoadRunOptions extends ReadRunOptions {
  /** Folder relative paths are resolved against. */
  cwd: string;
  /** The store root (`<cwd>/.ubp` by default): run ids are looked up in `<root>/runs`. */
  root?: string;
}

/** Reads a run by folder or id; the error names both places it looked. */
export async function loadRun(dirOrId: string, options: LoadRunOptions): Promise<ReadRun> {
  const root = path.resolve(options.cwd, options.root ?? '.ubp');
  const read = { ...(options.slim ? { slim: true } : {}) };
  return readRun(path.resolve(options.cwd, dirOrId), root, read).catch(() => readRun(dirOrId, root, read));
}

/** A run's folder (by folder or id) and manifest, without reading its results. */
export function findRun(dirOrId: string, options: LoadRunOptions): { dir: string; manifest: RunManifest } {
  const root = path.resolve(options.cwd, options.root ?? '.ubp');
  const dir = [path.resolve(options.cwd, dirOrId), path.join(runsDir(root), dirOrId)].find((d) =>
    existsSync(path.join(d, RUN_MANIFEST_FILE)),
  );
  if (!dir) throw new Error(`no run "${dirOrId}" in ${runsDir(root)} (no ${RUN_MANIFEST_FILE} found)`);
  return { dir, manifest: withLiveStatus(dir, readRunManifest(dir)) };
}

/**
 * A run's results read for pairing (pairing.ts) in one streaming pass, scored with `ctx`, into `tables` (shared
 * by the runs compared). A million results take tens of MB, not an object each.
 */
export async function readPairRun(
  dir: string,
  ctx: ScoringContext,
  tables: PairTables,
): Promise<{ run: PairRun; scan: ScanResult }> {
  const builder = new PairRunBuilder(tables, ctx);
  const scan = await readResults(path.join(dir, RUN_RESULTS_FILE), () => undefined, {
    parse: builder.parser(),
  });
  return { run: builder.finish(), scan };
}

/**
 * What `ubp table` reads of a run, in one streaming pass: each variant's summary (from columns, dropped once
 * summarised) and the units for pairing (into `tables`, shared by the table's runs).
 */
export async function readTableRun(
  dirOrId: string,
  options: LoadRunOptions & TableOptions,
  tables: PairTables,
): Promise<TableRunRead> {
  const { dir, manifest } = findRun(dirOrId, options);
  const ctx = tableContext(manifest, options);
  const columns = new ResultColumnsBuilder(ctx);
  const pair = new PairRunBuilder(tables, ctx);
  await readResults(path.join(dir, RUN_RESULTS_FILE), () => undefined, {
    parse: (buf, start, end) => {
      const r = parseWithoutMessages(buf, start, end);
      columns.add(r);
      pair.add(r);
      return null;
    },
  });
  return { manifest, summaries: tableSummaries(columns.finish()), pair: pair.finish() };
}

/** A run read as columns (what a report needs), not as one object per results line. */
export interface RunAsColumns {
  dir: string;
  manifest: RunManifest;
  columns: RunColumns;
  scan: ScanResult;
}

/**
 * Reads a run by folder or id in one streaming pass into columns (resultColumns' layout), scored with the
 * context the manifest and `options` (k, bootstrap) imply. A million results take a few hundred MB.
 */
export async function loadRunColumns(
  dirOrId: string,
  options: LoadRunOptions & Pick<ReportOptions, 'k' | 'bootstrap'>,
): Promise<RunAsColumns> {
  const { dir, manifest } = findRun(dirOrId, options);
  const builder = new ResultColumnsBuilder(scoringContext(manifest, options));
  const scan = await readResults(path.join(dir, RUN_RESULTS_FILE), () => undefined, {
    parse: builder.parser(),
  });
  return { dir, manifest, columns: builder.finish(), scan };
}

/**
 * `ubp report`'s report of a run read as columns. The paired comparison of each LLM with the best baseline
 * reads those variants' lines again (slim objects of those variants only); the rest comes from the columns.
 */
export async function reportRunColumns(run: RunAsColumns, options: ReportOptions = {}): Promise<Report> {
  const report = reportFromColumns(run.manifest, run.columns, {
    ...options,
    dir: options.dir ?? run.dir,
    scan: options.scan ?? run.scan,
  });
  const pairs = bestBaselinePairs(report);
  if (pairs) {
    const wanted = new Set([pairs.best, ...pairs.llms]);
    const form = run.columns.ctx.form;
    // As the run store reads them: a unit keeps the place of its first line and the values of its last.
    const byKey = new Map<string, CaseResult>();
    const slim = slimResultParser();
    await readResults(
      path.join(run.dir, RUN_RESULTS_FILE),
      (r: CaseResult | null) => {
        if (r) byKey.set(unitKey(r.caseId, r.variant, r.sample), r);
      },
      {
        parse: (buf, start, end) => {
          const r = slim(buf, start, end);
          return wanted.has(r.variant) ? r : null;
        },
      },
    );
    const groups = new Map<string, CaseResult[]>();
    for (const r of byKey.values()) {
      if (r.expected?.form !== form) continue;
      const list = groups.get(r.variant);
      if (list) list.push(r);
      else groups.set(r.variant, [r]);
    }
    addBestBaseline(report, pairs, run.columns.ctx, (id) => groups.get(id) ?? []);
  }
  return report;
}
