// The results panel's host path at a million results (issue 15): a generated run of 1,000,000 `choice` results
// (one case per user, ~80% wrong, some invalid and errors, ~1.9 kB prompts: the line shape the scale bench's
// import writes), opened through the compact model (src/core/run/liveResults.ts), each step in its own child
// process so its peak RSS is its own:
//   compact    LiveResults.poll() over the whole file, the first page of 500 failures (the table's default
//              order), a filtered page, a search over every failure line, a case read back by reference
//   point      `ubp report <run> --json --resamples 0` (the CLI's code in this process): what the panel waits on
//              in a child process before its first view of a big run
//   reference  what the panel did before: readSlimRun (a slim object per line) and failureRows (a row object per
//              failure), all held in the host
//   npm run bench -- panel   (UBP_BENCH_PANEL_RESULTS=100000 for a quick try; UBP_BENCH_PANEL_REFERENCE=0 skips
//                             the reference step)
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './types';

const root = path.resolve(__dirname, '..');
const STEP_ENV = 'UBP_PANEL_STEP';
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (bytes: number) => round(bytes / 2 ** 20);
const VARIANT = 'builtin×scale-model';

/** Writes the run folder: a manifest through the engine's store, then the results lines in 4 MB writes. */
async function writeRun(storeRoot: string, results: number): Promise<string> {
  const core = await import('../src/core');
  const { mulberry32 } = await import('../src/core/models/baselines/hash');
  const store = await core.openRunStore({
    root: storeRoot,
    runId: 'panel-1m',
    tool: 'panel bench',
    manifest: {
      format: 1,
      id: 'panel-1m',
      name: 'Panel bench',
      config: { name: 'Panel bench', task: { form: 'choice', users: results, candidates: 5, history: 20 } },
      configHash: 'bench',
      runKeyHash: 'bench',
      engineVersion: 'bench',
      openaiVersion: 'bench',
      node: process.version,
      dataset: { name: 'scale', path: 'scale', fingerprint: 'scale-fp', form: 'choice', scale: null },
      variants: [
        { id: VARIANT, kind: 'llm', model: 'scale-model', template: 'builtin', samples: 1, origin: 'x' },
      ],
      cases: results,
    },
  });
  store.close({ status: 'done' });
  const rand = mulberry32(15);
  const fd = openSync(path.join(store.dir, 'results.jsonl'), 'w');
  const labels = 'ABCDE';
  const history = Array.from(
    { length: 20 },
    (_, i) => `- Movie title number ${i} (19${50 + i}) | Drama|Comedy | ${1 + (i % 5)} stars`,
  ).join('\n');
  let buf = '';
  for (let i = 0; i < results; i++) {
    const truth = labels[Math.floor(rand() * 5)];
    const roll = rand();
    const label = labels[Math.floor(rand() * 5)];
    const user = `u${i}`;
    const base = {
      caseId: `${user}-next`,
      variant: VARIANT,
      model: 'scale-model',
      template: 'builtin',
      sample: 0,
      user,
      form: 'choice',
      messages: [
        {
          role: 'system',
          content: 'You predict which movie a user watches next. Answer {"choice": "<label>"}.',
        },
        {
          role: 'user',
          content: `The user's last 20 ratings, oldest first:\n${history}\nCandidates:\nA) Film ${i}a\nB) Film ${i}b\nC) Film ${i}c\nD) Film ${i}d\nE) Film ${i}e\nWhich one does the user watch next?`,
        },
      ],
      expected: { form: 'choice', label: truth },
      target: { item: `m${i % 50_000}`, title: `Film ${i}${truth.toLowerCase()}`, genres: ['Drama'] },
      historyLength: 20,
      targetPopularity: 1 + Math.floor(rand() * 400),
      latencyMs: 0,
      usage: { prompt: 500, completion: 6 },
      costUsd: 0.0000786,
      finishedAt: '2026-12-07T00:30:00.000Z',
    };
    const line =
      roll < 0.02
        ? { ...base, outcome: 'invalid', reason: 'no choice in the answer', raw: 'I cannot know that.' }
        : roll < 0.025
          ? { ...base, outcome: 'error', reason: 'HTTP 500 from the endpoint', raw: '' }
          : {
              ...base,
              outcome: 'success',
              raw: `{"choice": "${label}"}`,
              prediction: { form: 'choice', label },
            };
    buf += JSON.stringify(line) + '\n';
    if (buf.length > 1 << 22) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return store.dir;
}

/** The JS heap plus array buffers (the typed arrays live outside the heap), after a full GC. */
function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One step in this (child) process; prints its figures as the last line of stdout. */
async function step(name: string, dir: string): Promise<Record<string, unknown>> {
  const core = await import('../src/core');
  const model = await import('../src/extension/webviews/resultsModel');
  const manifest = core.readRunManifest(dir);
  const ctx = core.scoringContext(manifest);
  const heap0 = heapAfterGc();
  const rss0 = process.memoryUsage().rss;
  const ms = (t: number) => round(performance.now() - t);
  if (name === 'compact') {
    const t0 = performance.now();
    const live = new core.LiveResults(path.join(dir, core.RUN_RESULTS_FILE), ctx);
    const poll = await live.poll();
    const indexMs = ms(t0);
    const t1 = performance.now();
    const first = await live.failurePage({}, 0, 500);
    const refs: import('../src/extension/webviews/resultsModel').CaseRef[] = [];
    const rows = model.failureRows(first.results, ctx, refs);
    const firstPageMs = ms(t1);
    const heapHeld = heapAfterGc() - heap0;
    const t2 = performance.now();
    const invalid = await live.failurePage({ outcome: 'invalid', sort: 'case' }, 0, 500);
    const filteredPageMs = ms(t2);
    const t3 = performance.now();
    await live.failurePage({}, 500, 500);
    const nextPageMs = ms(t3);
    const t4 = performance.now();
    const search = await live.failurePage({ matches: (r) => (r.raw ?? '').includes('cannot') }, 0, 500, 'x');
    const searchMs = ms(t4);
    const t5 = performance.now();
    const unit = live.unitAt(first.slots[0]);
    const openCaseMs = ms(t5);
    return {
      results: live.size,
      corrupt: poll.corrupt,
      failures: live.failures,
      users: live.users(),
      indexMs,
      firstPageMs,
      firstPageRows: rows.length,
      firstRow: `${unit.caseId} ${rows[0].outcome}`,
      nextPageMs,
      filteredPageMs,
      invalidFailures: invalid.total,
      searchMs,
      searchMatches: search.total,
      openCaseMs,
      heapHeldMB: mb(heapHeld),
      heapHeldBytesPerResult: round(heapHeld / live.size),
      rssGrowthMB: mb(process.memoryUsage().rss - rss0),
    };
  }
  if (name === 'point') {
    const { main } = await import('../src/cli/main');
    let out = '';
    const io = {
      out: (t: string) => void (out += t),
      err: () => undefined,
      isTTY: false,
      cwd: dir,
      env: {},
    };
    const t0 = performance.now();
    const code = await main(['report', dir, '--json', '--resamples', '0'], io);
    if (code !== 0) throw new Error(`ubp report exited with ${code}`);
    const report = JSON.parse(out) as {
      headline: { key: string };
      variants: { metrics: { key: string; all: { value: number } }[] }[];
    };
    const head = report.variants[0].metrics.find((m) => m.key === report.headline.key)!;
    return { pointReportMs: ms(t0), headline: report.headline.key, value: head.all.value };
  }
  // reference: the panel's host path before (every slim line and every failure row held)
  const t0 = performance.now();
  const run = await model.readSlimRun(dir);
  const readMs = ms(t0);
  const t1 = performance.now();
  const refs: import('../src/extension/webviews/resultsModel').CaseRef[] = [];
  const rows = model.failureRows(run.results, ctx, refs);
  const rowsMs = ms(t1);
  const heapHeld = heapAfterGc() - heap0;
  return {
    results: run.results.length,
    failures: rows.length,
    readMs,
    failureRowsMs: rowsMs,
    heapHeldMB: mb(heapHeld),
    heapHeldBytesPerResult: round(heapHeld / run.results.length),
    rssGrowthMB: mb(process.memoryUsage().rss - rss0),
  };
}

function runStep(name: string, dir: string): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(root, 'bench/panel.bench.ts')],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, [STEP_ENV]: name, UBP_PANEL_DIR: dir },
    },
  );
  if (r.status !== 0) throw new Error(`step ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

if (process.env[STEP_ENV]) {
  void step(process.env[STEP_ENV]!, process.env.UBP_PANEL_DIR!).then((figures) => {
    figures.maxRssMB = round(process.resourceUsage().maxRSS / 1024, 0);
    console.log(JSON.stringify(figures));
  });
}

export default async function (ctx: BenchContext): Promise<Record<string, unknown>> {
  const results = Number(process.env.UBP_BENCH_PANEL_RESULTS ?? 1_000_000);
  const store = path.join(ctx.tmpDir, 'store');
  const t0 = performance.now();
  const dir = await writeRun(store, results);
  const fileMB = mb(statSync(path.join(dir, 'results.jsonl')).size);
  ctx.log(`wrote ${results} results (${fileMB} MiB) in ${round((performance.now() - t0) / 1000)} s`);
  const out: Record<string, unknown> = { results, resultsFileMiB: fileMB, loadAverageBefore: os.loadavg() };
  out.compact = runStep('compact', dir);
  ctx.log(`compact: ${JSON.stringify(out.compact)}`);
  out.point = runStep('point', dir);
  ctx.log(`point: ${JSON.stringify(out.point)}`);
  if (process.env.UBP_BENCH_PANEL_REFERENCE !== '0') {
    out.reference = runStep('reference', dir);
    ctx.log(`reference: ${JSON.stringify(out.reference)}`);
  }
  out.loadAverageAfter = os.loadavg();
  rmSync(store, { recursive: true, force: true });
  return out;
}
