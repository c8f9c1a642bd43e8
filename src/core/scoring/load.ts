// Finding and reading a run for the reporting commands: `<run>` is a run folder or a run id under the store root.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseWithoutMessages, readResults } from '../run/results';
import {
  readRun,
  readRunManifest,
  RUN_MANIFEST_FILE,
  RUN_RESULTS_FILE,
  runsDir,
  withLiveStatus,
  type ReadRun,
  type ReadRunOptions,
  type RunManifest,
  type ScanResult,
} from '../run/store';
import { ResultColumnsBuilder, type RunColumns } from './columns';
import type { ScoringContext } from './aggregate';
import { mergeCases, PairRunBuilder, PairTables, type PairRun } from './pairing';
import { tableContext, tableSummaries, type TableOptions, type TableRunRead } from './table';
import { probeComparisonRuns } from './breakdown';
import {
  addBestBaselineCases,
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
  only?: ReadonlySet<string>,
): Promise<{ run: PairRun; scan: ScanResult }> {
  const builder = new PairRunBuilder(tables, ctx, only);
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
  const scan = await readResults(path.join(dir, RUN_RESULTS_FILE), () => undefined, {
    parse: (buf, start, end) => {
      const r = parseWithoutMessages(buf, start, end);
      // Scored once: the pairing takes the columns' reading of the line.
      pair.add(r, columns.add(r));
      return null;
    },
  });
  return {
    manifest,
    summaries: tableSummaries(columns.finish()),
    pair: pair.finish(),
    ...(scan.corrupt ? { unreadable: scan.corrupt } : {}),
  };
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
 * `ubp report`'s report of a run read as columns. The paired comparison of each LLM with the best baseline and
 * the knowledge probe (`probeRun`: the probe twin of this run, or the titled twin when this run is the probe)
 * read the runs again for pairing (pairing.ts: columns, no object per result); the rest comes from the columns.
 */
export async function reportRunColumns(
  run: RunAsColumns,
  options: Omit<ReportOptions, 'probe'> & { probeRun?: { dir: string; manifest: RunManifest } } = {},
): Promise<Report> {
  const { probeRun, ...rest } = options;
  const report = reportFromColumns(run.manifest, run.columns, {
    ...rest,
    dir: options.dir ?? run.dir,
    scan: options.scan ?? run.scan,
  });
  const pairs = bestBaselinePairs(report);
  if (!pairs && !probeRun) return report;
  const ctx = run.columns.ctx;
  const tables = new PairTables();
  const wanted = pairs && !probeRun ? new Set([pairs.best, ...pairs.llms]) : undefined;
  const own = (await readPairRun(run.dir, ctx, tables, wanted)).run;
  if (pairs) addBestBaselineCases(report, pairs, ctx, (id) => mergeCases(own, id, ctx, { ownForm: true }));
  if (probeRun) {
    const other = (await readPairRun(probeRun.dir, ctx, tables)).run;
    // As buildReport: this run's units of its form; the other run's as they are.
    const thisIsProbe = Boolean((run.manifest.config?.task as { probe?: boolean } | undefined)?.probe);
    report.probe = {
      ...(thisIsProbe
        ? probeComparisonRuns({ run: other }, { run: own, ownForm: true }, ctx)
        : probeComparisonRuns({ run: own, ownForm: true }, { run: other }, ctx)),
      probeRun: thisIsProbe ? run.manifest.id : probeRun.manifest.id,
    };
  }
  return report;
}
