// A million cases in bounded memory (issue 15). On a seeded MovieLens-shaped folder (bench/scale-data.ts:
// 1,000,000 users × 20–50 interactions over 50,000 items, ~35M rows), one `choice` case per user (K = 5, 20
// history rows), each step in its own child process so its peak RSS (process.resourceUsage().maxRSS) is its own:
//   load     loadDataset alone (beside the loader's own figures, bench/results/dataset.json)
//   build    load + buildCases (compact cases), then every case built once (materialised) and dropped
//   export   prepareEval + exportBatchFile: `ubp batch export`'s work, the OpenAI batch file for every case
//   import   importBatchResults of a 1,000,000-line OpenAI batch output (generated here, a deterministic answer
//            per line): `ubp batch import`'s work, through the runner into results.jsonl
//   report   loadRunColumns + reportRunColumns: `ubp report`'s work on that run (one streaming pass into columns)
//   run      `ubp run` itself (its entry, in-process) on the same data with the popularity baseline: 1,000,000
//            units run, stored and reported
//   compare  `ubp compare <run> <twin>` (the command itself, text output) against a twin of that run: the same
//            cases answered by another model id, a third of the answers changed (written here, not timed); each
//            run read in one streaming pass into pairing columns. `compare-objects` (only when named in
//            UBP_BENCH_STEPS) is the path before: both runs read as objects (loadRun) and compareRuns on them
//   npm run bench -- scale         (UBP_BENCH_USERS=100000 for a quick try; UBP_BENCH_SCALE_DATA=<dir> reuses a
//                                   folder written by `node --import tsx bench/scale-data.ts <dir> <users>`;
//                                   UBP_BENCH_STEPS=load,build runs only those steps; UBP_BENCH_SCALE_WORK=<dir>
//                                   keeps the work folder (data, export, run) there, and a later run with the
//                                   same folder and UBP_BENCH_STEPS=report reports on the run it holds)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../src/core';
import type { BenchContext } from './types';
import { fdSink, LineBuffer } from '../src/core/run/lineBuffer';
import { writeScaleDataset } from './scale-data';

const root = path.resolve(__dirname, '..');
const STEP_ENV = 'UBP_SCALE_STEP';
const LIMIT_MB = 1536;

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const peakMB = () => round(process.resourceUsage().maxRSS / 1024, 0);

interface StepArgs {
  dataDir: string;
  configFile: string;
  storeRoot: string;
  exportFile: string;
  outputFile: string;
  runDir?: string;
  /** The twin of runDir that `compare` compares it with. */
  twinDir?: string;
}

/** The eval config of the benchmark: one LLM entry (never contacted: nothing is sent), no baselines. */
function writeConfig(file: string, dataDir: string, users: number): void {
  const config = {
    name: 'scale',
    dataset: { path: dataDir, format: 'movielens-csv' },
    task: { form: 'choice', users, candidates: 5, history: 20 },
    baselines: [],
    models: [
      {
        id: 'scale-model',
        model: 'scale-model',
        baseUrl: 'http://127.0.0.1:9/v1',
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
    ],
  };
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
}

async function step(name: string, a: StepArgs): Promise<Record<string, unknown>> {
  await import('../src/cli/heapFlags');
  const core = await import('../src/core');
  const batch = await core.loadBatch();
  const t0 = performance.now();
  const secs = (from: number) => round((performance.now() - from) / 1000);
  if (name === 'load') {
    const { data } = await core.loadDataset(a.dataDir, { mode: 'strict' });
    return { seconds: secs(t0), rows: data.n, users: data.userIds.length, items: data.itemIds.length };
  }
  if (name === 'build') {
    const { data } = await core.loadDataset(a.dataDir, { mode: 'strict' });
    const loadSeconds = secs(t0);
    const { config } = await core.loadConfig(a.configFile);
    const t1 = performance.now();
    const built = core.buildCases(data, config.task);
    const buildSeconds = secs(t1);
    const afterBuildMB = peakMB();
    const t2 = performance.now();
    let historyRows = 0;
    for (const c of built.list) historyRows += c.history.length;
    return {
      seconds: secs(t0),
      loadSeconds,
      buildSeconds,
      materialiseSeconds: secs(t2),
      cases: built.list.length,
      historyRows,
      peakAfterBuildMB: afterBuildMB,
      heapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20, 0),
    };
  }
  const getApiKey = () => undefined;
  if (name === 'export') {
    const prepared = await core.prepareEval(a.configFile, {
      root: a.storeRoot,
      getApiKey,
      tool: 'scale bench',
    });
    const prepareSeconds = secs(t0);
    const t1 = performance.now();
    const r = await batch.exportBatchFile(prepared, a.exportFile);
    return {
      seconds: secs(t0),
      prepareSeconds,
      exportSeconds: secs(t1),
      lines: r.requests,
      bytes: statSync(a.exportFile).size,
      runDir: r.dir,
    };
  }
  if (name === 'import') {
    const r = await batch.importBatchResults(a.runDir!, { files: [a.outputFile], tool: 'scale bench' });
    return { seconds: secs(t0), stats: r.stats, status: r.summary.status, totals: r.summary.totals };
  }
  if (name === 'report') {
    // `ubp report`'s work: one streaming pass into columns, then the report from them.
    const run = await core.loadRunColumns(a.runDir!, { cwd: root });
    const readSeconds = secs(t0);
    const afterReadMB = peakMB();
    const report = await core.reportRunColumns(run);
    const v = report.variants[0];
    const cpu = process.cpuUsage();
    return {
      seconds: secs(t0),
      readSeconds,
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      peakAfterReadMB: afterReadMB,
      heapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20, 0),
      results: run.columns.rows,
      headline: v?.metrics.find((m) => m.key === report.headline.key)?.all,
      finishedUnits: report.run.finishedUnits,
    };
  }
  if (name === 'run') {
    // `ubp run` itself, on a baselines-only config over the same data: load, build, a million units run and
    // stored, then the closing report, in one process (the CLI's own entry, its V8 settings imported above).
    const { main } = await import('../src/cli/main');
    const file = path.join(path.dirname(a.configFile), 'scale-run.ubp.json');
    const { config } = await core.loadConfig(a.configFile);
    writeFileSync(
      file,
      JSON.stringify({
        name: 'scale-run',
        dataset: config.dataset,
        task: config.task,
        baselines: ['popularity'],
      }),
    );
    let out = '';
    const code = await main(['run', file, '--new', '--json', '--runs-dir', `${a.storeRoot}-run`], {
      out: (t) => void (out += t),
      err: () => undefined,
      isTTY: false,
      cwd: root,
      env: process.env,
    });
    if (code !== 0) throw new Error(`ubp run exited ${code}`);
    const r = JSON.parse(out) as { totals: { units: number }; report: Report };
    const v = r.report.variants[0];
    return {
      seconds: secs(t0),
      units: r.totals.units,
      headline: v?.metrics.find((m) => m.key === r.report.headline.key)?.all,
    };
  }
  if (name === 'compare') {
    // `ubp compare <run> <twin>` itself, its text written nowhere but counted.
    const { compareCommand } = await import('../src/cli/commands/compare');
    let bytes = 0;
    let head = '';
    const io = {
      out: (t: string) => {
        if (head.length < 1500) head += t.slice(0, 1500 - head.length);
        bytes += t.length;
      },
      err: (t: string) => process.stderr.write(t),
      isTTY: false,
      cwd: root,
      env: process.env,
    };
    const code = await compareCommand.run([a.runDir!, a.twinDir!], io);
    const cpu = process.cpuUsage();
    return {
      seconds: secs(t0),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      exitCode: code,
      outputBytes: bytes,
      heapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20, 0),
      head: head.split('\n').slice(0, 12),
    };
  }
  if (name === 'compare-objects') {
    // The path before: both runs read as objects, then compareRuns over them (the reference, at small scales).
    const where = { cwd: root };
    const [ra, rb] = [await core.loadRun(a.runDir!, where), await core.loadRun(a.twinDir!, where)];
    const afterReadMB = peakMB();
    const cmp = core.compareRuns(
      { label: ra.manifest.id, results: ra.results },
      { label: rb.manifest.id, results: rb.results },
      core.scoringContext(ra.manifest),
      { warnings: core.caseDifferences(ra.manifest, rb.manifest) },
    );
    const text = core.renderComparisonText(cmp, {});
    const cpu = process.cpuUsage();
    return {
      seconds: secs(t0),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      peakAfterReadMB: afterReadMB,
      outputBytes: text.length,
    };
  }
  throw new Error(`unknown step ${name}`);
}

/**
 * The twin of a run for `compare`: the same cases answered by another model id (`<model>-b`), one answer in three
 * moved to the next label, every other byte of a line as it was (prompts included). Streams line by line.
 */
async function writeTwinRun(runDir: string): Promise<{ dir: string; lines: number; seconds: number }> {
  const t0 = performance.now();
  const { scanLines } = await import('../src/core/run/results');
  const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as {
    id: string;
    variants: { id: string; model: string }[];
  };
  const dir = path.join(path.dirname(runDir), `${manifest.id}-b`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rename = (id: string, model: string) => id.replace(model, `${model}-b`);
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      ...manifest,
      id: `${manifest.id}-b`,
      variants: manifest.variants.map((v) => ({ ...v, id: rename(v.id, v.model), model: `${v.model}-b` })),
    }),
  );
  const fd = openSync(path.join(dir, 'results.jsonl'), 'w');
  const out = new LineBuffer(fdSink(fd));
  let n = 0;
  await scanLines(path.join(runDir, 'results.jsonl'), (b, start, end) => {
    const r = JSON.parse(b.toString('utf8', start, end)) as {
      variant: string;
      model: string;
      prediction?: { label?: string };
    };
    r.variant = rename(r.variant, r.model);
    r.model = `${r.model}-b`;
    if (n % 3 === 0 && r.prediction?.label)
      r.prediction.label = 'ABCDE'[('ABCDE'.indexOf(r.prediction.label) + 1) % 5];
    out.write(JSON.stringify(r) + '\n');
    n++;
  });
  out.flush();
  closeSync(fd);
  return { dir, lines: n, seconds: round((performance.now() - t0) / 1000) };
}

if (process.env[STEP_ENV]) {
  const args = JSON.parse(process.env.UBP_SCALE_ARGS!) as StepArgs;
  step(process.env[STEP_ENV]!, args).then(
    (r) => process.stdout.write(JSON.stringify({ ...r, maxRssMB: peakMB() }) + '\n'),
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exitCode = 1;
    },
  );
}

/**
 * Each step runs as the `ubp` CLI runs: with the CLI's V8 settings (src/cli/heapFlags.ts, imported first by the
 * step) and no heap cap. UBP_BENCH_HEAP_CAP_MB=<n> caps every step's old space, for comparison only.
 */
const HEAP_CAP_MB = process.env.UBP_BENCH_HEAP_CAP_MB ? Number(process.env.UBP_BENCH_HEAP_CAP_MB) : undefined;

function runStep(name: string, args: StepArgs): Record<string, unknown> & { maxRssMB: number } {
  const flags = HEAP_CAP_MB ? [`--max-old-space-size=${HEAP_CAP_MB}`] : [];
  const r = spawnSync(
    process.execPath,
    [...flags, '--import', 'tsx', path.join(root, 'bench/scale.bench.ts')],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, [STEP_ENV]: name, UBP_SCALE_ARGS: JSON.stringify(args) },
    },
  );
  if (r.status !== 0) throw new Error(`step ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown> & { maxRssMB: number };
}

/**
 * An OpenAI batch output for every request of the export: the answer is a label drawn from a hash of the
 * custom_id (deterministic), with usage, as the Batch API writes it. Streams line by line.
 */
async function writeBatchOutput(exportFile: string, outputFile: string): Promise<number> {
  const { scanLines } = await import('../src/core/run/results');
  const fd = openSync(outputFile, 'w');
  const out = new LineBuffer(fdSink(fd));
  let n = 0;
  await scanLines(exportFile, (b, start, end) => {
    const req = JSON.parse(b.toString('utf8', start, end)) as { custom_id: string; body: { model: string } };
    const h = createHash('sha256').update(req.custom_id).digest();
    const label = 'ABCDE'[h[0] % 5];
    const body = {
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created: 1_765_000_000,
      model: req.body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `{"choice": "${label}"}` },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 400 + (h[1] % 200), completion_tokens: 6, total_tokens: 406 + (h[1] % 200) },
    };
    out.write(
      JSON.stringify({
        id: `batch_req_${n}`,
        custom_id: req.custom_id,
        response: { status_code: 200, request_id: `req_${n}`, body },
        error: null,
      }) + '\n',
    );
    n++;
  });
  out.flush();
  closeSync(fd);
  return n;
}

export default async function bench(ctx: BenchContext): Promise<Record<string, unknown>> {
  const users = Number(process.env.UBP_BENCH_USERS ?? 1_000_000);
  const load = () => os.loadavg().map((x) => round(x, 1));
  const figures: Record<string, unknown> = { loadAverageAtStart: load(), users, limitMB: LIMIT_MB };
  const keep = process.env.UBP_BENCH_SCALE_WORK;
  const work = keep ? path.resolve(keep) : ctx.tmpDir;
  mkdirSync(work, { recursive: true });
  const given = process.env.UBP_BENCH_SCALE_DATA ?? (keep ? path.join(work, 'scale-ml') : undefined);
  const dataDir = given ?? path.join(work, 'scale-ml');
  const args: StepArgs = {
    dataDir,
    configFile: path.join(work, 'scale.ubp.json'),
    storeRoot: path.join(work, '.ubp'),
    exportFile: path.join(work, 'requests.jsonl'),
    outputFile: path.join(work, 'output.jsonl'),
  };
  try {
    if (!given || !existsSync(path.join(dataDir, 'ratings.csv'))) {
      ctx.log(`generating ${users.toLocaleString('en-US')} users…`);
      const t0 = performance.now();
      const d = writeScaleDataset(dataDir, users);
      figures.dataset = {
        rows: d.rows,
        megabytes: round(d.bytes / 1e6, 1),
        seconds: round((performance.now() - t0) / 1000),
      };
    } else {
      figures.dataset = {
        reused: dataDir,
        megabytes: round(statSync(path.join(dataDir, 'ratings.csv')).size / 1e6, 1),
      };
    }
    writeConfig(args.configFile, dataDir, users);
    const steps: Record<string, Record<string, unknown>> = {};
    figures.steps = steps;
    const only = process.env.UBP_BENCH_STEPS?.split(',');
    const run = (name: string) => {
      if (only && !only.includes(name)) return null;
      const r = runStep(name, args);
      steps[name] = {
        ...r,
        heapCapMB: HEAP_CAP_MB ?? null,
        loadAverage: load(),
        underLimit: r.maxRssMB < LIMIT_MB,
      };
      ctx.log(`${name}: ${JSON.stringify(steps[name])}`);
      return r;
    };
    /** The compare steps: a twin of the run (reused when a kept work folder has one), then `ubp compare`. */
    const compare = async (): Promise<void> => {
      if (only && !only.includes('compare') && !only.includes('compare-objects')) return;
      const twin = `${args.runDir!}-b`;
      if (keep && existsSync(path.join(twin, 'results.jsonl'))) {
        args.twinDir = twin;
        figures.twin = { reused: twin };
      } else {
        const t = await writeTwinRun(args.runDir!);
        args.twinDir = t.dir;
        figures.twin = {
          lines: t.lines,
          megabytes: round(statSync(path.join(t.dir, 'results.jsonl')).size / 1e6, 1),
          seconds: t.seconds,
        };
      }
      ctx.log(`twin: ${JSON.stringify(figures.twin)}`);
      run('compare');
      // The objects path only when asked for by name: at a million results it needs gigabytes.
      if (only?.includes('compare-objects')) run('compare-objects');
    };
    run('load');
    run('build');
    const exported = run('export');
    if (!exported) {
      // A kept work folder: report on the run an earlier export and import left there.
      const runs = path.join(args.storeRoot, 'runs');
      const prior = existsSync(runs)
        ? readdirSync(runs).find((d) => !d.endsWith('-b') && existsSync(path.join(runs, d, 'results.jsonl')))
        : undefined;
      if (prior) {
        args.runDir = path.join(runs, prior);
        figures.reusedRun = args.runDir;
        run('report');
        await compare();
      }
      run('run');
      figures.loadAverageAtEnd = load();
      return figures;
    }
    args.runDir = String(exported.runDir);
    const t0 = performance.now();
    const lines = await writeBatchOutput(args.exportFile, args.outputFile);
    figures.output = {
      lines,
      megabytes: round(statSync(args.outputFile).size / 1e6, 1),
      seconds: round((performance.now() - t0) / 1000),
    };
    ctx.log(`output: ${JSON.stringify(figures.output)}`);
    run('import');
    if (steps.import)
      steps.import.resultsMegabytes = round(statSync(path.join(args.runDir, 'results.jsonl')).size / 1e6, 1);
    run('report');
    await compare();
    run('run');
  } finally {
    rmSync(ctx.tmpDir, { recursive: true, force: true });
    if (keep) ctx.log(`work folder kept: ${work}`);
  }
  figures.loadAverageAtEnd = load();
  return figures;
}
