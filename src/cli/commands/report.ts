// `ubp report <run>`: the run's metrics with intervals, breakdowns, position bias, cost and time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import {
  cutoffProblem,
  findRun,
  loadRunColumns,
  memorisationBeside,
  reportRunColumns,
  renderReportJson,
  renderReportMarkdown,
  renderReportText,
  siblingRecallRuns,
  type BootstrapOptions,
  type Report,
  type RunManifest,
} from '../../core';

/** Recall runs beside this one over the same data set: each model's memorisation beside its scores. */
function memorisationOf(
  manifest: RunManifest,
  recallRuns: Awaited<ReturnType<typeof siblingRecallRuns>>,
  bootstrap: BootstrapOptions,
): { memorisation?: ReturnType<typeof memorisationBeside> } {
  const memorisation = memorisationBeside(manifest, recallRuns, bootstrap);
  return memorisation.length ? { memorisation } : {};
}

export const reportCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        md: { type: 'boolean' },
        out: { type: 'string' },
        probe: { type: 'string' },
        k: { type: 'string' },
        resamples: { type: 'string' },
        seed: { type: 'string' },
        ...RUNS_DIR_OPTIONS,
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one run (a run folder or a run id)');
    if (values.json && values.md) throw new UsageError('--json and --md exclude each other');
    // `--resamples 0`: point estimates only (one resample, every interval dropped): the results panel's first
    // view of a big run, before the intervals.
    const pointOnly = values.resamples === '0';
    const resamples = pointOnly ? 1 : intOption(values.resamples, '--resamples', 1000);
    const seed = intOption(values.seed, '--seed', 0);
    const k = intOption(values.k, '--k', 1);
    const where = { cwd: io.cwd, root: runsDirOf(values, io.cwd) };
    const bootstrap = {
      ...(resamples !== undefined ? { resamples } : {}),
      ...(seed !== undefined ? { seed } : {}),
    };
    const options = { bootstrap, ...(k !== undefined ? { k } : {}) };
    if (k !== undefined) {
      const problem = cutoffProblem(findRun(positionals[0], where).manifest, k);
      if (problem) throw new UsageError(problem);
    }
    // One streaming pass into columns: a million results in bounded memory, no object per line. The knowledge
    // probe pairs this run with the probe run through pairing columns (one more pass over each).
    const run = await loadRunColumns(positionals[0], { ...where, ...options });
    const report: Report = await reportRunColumns(run, {
      ...options,
      ...memorisationOf(run.manifest, await siblingRecallRuns(run.dir, run.manifest), bootstrap),
      ...(values.probe ? { probeRun: findRun(values.probe, where) } : {}),
    });
    if (pointOnly) dropIntervals(report);
    const text = values.json
      ? renderReportJson(report)
      : values.md
        ? renderReportMarkdown(report)
        : renderReportText(report);
    if (values.out) {
      const file = path.resolve(io.cwd, values.out);
      writeFileSync(file, text);
      io.err(`wrote ${file}\n`);
    } else io.out(text);
    return 0;
  },
};

/** Sets the bounds of every interval in the report to NaN (printed as null in JSON, as "–" in text). */
function dropIntervals(x: unknown): void {
  if (!x || typeof x !== 'object') return;
  if (Array.isArray(x)) {
    for (const v of x) dropIntervals(v);
    return;
  }
  const o = x as Record<string, unknown>;
  if (typeof o.value === 'number' && typeof o.lo === 'number' && typeof o.hi === 'number') {
    o.lo = NaN;
    o.hi = NaN;
  }
  for (const v of Object.values(o)) dropIntervals(v);
}

// Option parsing shared with compare.ts.

/** An integer option >= min, or undefined when absent. */
export function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${name} must be an integer >= ${min} (got "${value}")`);
  return n;
}

/** A number option in (0, 1), or undefined when absent. */
export function shareOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new UsageError(`${name} must be a number between 0 and 1 (got "${value}")`);
  return n;
}
