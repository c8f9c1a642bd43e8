// The results panel's host-side path for a run of 10,000 cases × 3 models (1.5 kB prompts, ~45 MB of
// results.jsonl): read, point-estimate report and view (what the panel waits on before showing metrics), the
// failure rows, the reference comparison, and the full report from `ubp report --json` in a child process.
// Reference in the same run: the engine's readRun of the same file (every field parsed and kept).
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './types';
import { readRun, scoringContext } from '../src/core';
import { cliReport } from '../src/extension/services/cliChild';
import {
  failureRows,
  quickReportOf,
  readSlimRun,
  referenceComparison,
  resultsView,
  type CaseRef,
} from '../src/extension/webviews/resultsModel';
import { writeFixtureRun } from '../test/integration/suite/results.fixture';

const root = path.resolve(import.meta.dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]!);
}

export default async function (ctx: BenchContext): Promise<Record<string, unknown>> {
  const store = path.join(ctx.tmpDir, 'store');
  const dir = await writeFixtureRun({
    root: store,
    id: 'bench-10k-3',
    cases: 10_000,
    users: 3_000,
    models: ['model-a', 'model-b', 'model-c'],
    promptChars: 1500,
  });
  const reference: number[] = [];
  const read: number[] = [];
  const quick: number[] = [];
  const view: number[] = [];
  const toMetrics: number[] = [];
  let failures = 0;
  let failuresMs = 0;
  let viewBytes = 0;
  let failureBytes = 0;
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    await readRun(dir);
    reference.push(performance.now() - t);
    t = performance.now();
    const run = await readSlimRun(dir);
    const t1 = performance.now();
    const report = quickReportOf(run);
    const t2 = performance.now();
    const v = resultsView(run, report, { openedAt: 0, computeMs: 0 }, false, false);
    const t3 = performance.now();
    read.push(t1 - t);
    quick.push(t2 - t1);
    view.push(t3 - t2);
    toMetrics.push(t3 - t);
    viewBytes = JSON.stringify(v).length;
    const f0 = performance.now();
    const refs: CaseRef[] = [];
    const rows = failureRows(run.results, scoringContext(run.manifest), refs);
    failuresMs = performance.now() - f0;
    failures = rows.length;
    failureBytes = JSON.stringify(rows).length;
    ctx.log(
      `pass ${i + 1}: read ${Math.round(t1 - t)} ms, quick report ${Math.round(t2 - t1)} ms, view ${Math.round(t3 - t2)} ms`,
    );
  }
  const run = await readSlimRun(dir);
  let t = performance.now();
  const cmp = referenceComparison(run, 'builtin:rating×model-a');
  const comparisonMs = Math.round(performance.now() - t);
  t = performance.now();
  await cliReport(path.join(root, 'dist/cli.js'), dir);
  const fullReportMs = Math.round(performance.now() - t);
  ctx.log(
    `reference comparison ${comparisonMs} ms (${cmp.resamples} resamples); ubp report --json ${fullReportMs} ms`,
  );
  rmSync(store, { recursive: true, force: true });
  return {
    results: run.results.length,
    readRunReferenceMs: median(reference),
    slimReadMs: median(read),
    quickReportMs: median(quick),
    viewMs: median(view),
    hostToMetricsMs: median(toMetrics),
    viewJsonBytes: viewBytes,
    failureRows: failures,
    failureRowsMs: Math.round(failuresMs),
    failureRowsJsonBytes: failureBytes,
    referenceComparisonMs: comparisonMs,
    referenceComparisonResamples: cmp.resamples,
    fullReportChildProcessMs: fullReportMs,
  };
}
