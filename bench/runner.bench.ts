// The runner's speed against the local OpenAI-compatible server (a child process), as ratios measured in one run:
//   (a) a bare loop: the `openai` client and a promise pool, nothing else (the limit);
//   (b) the product: runEval (render with the built-in choice template, predict, parse, score, store);
//   (c) promptfoo (pinned, in bench/promptfoo, installed on first use), with and without --no-write.
// 2,000 distinct ~800-character prompts, concurrency 32, at 0 ms and 50 ms of server latency, 3 runs each,
// medians. Throughput is measured in-process for (a) and (b), and for all three from the server's side (first
// request in to last answer out), which leaves process start-up out of promptfoo's figure. Also: the per-case
// overhead of the product path with an instant predictor, a re-run served from the response cache, and the
// start-up of `ubp version` and `ubp run` on a tiny config.
//   npm run bench -- runner   (UBP_BENCH_QUICK=1: 1 run each, 400 prompts, no promptfoo unless UBP_BENCH_PROMPTFOO=1;
//   UBP_BENCH_PROMPTFOO=0 skips it; UBP_BENCH_PAIRS=N product/bareLean pairs, default 5; UBP_BENCH_PARTS=
//   throughput,cache,overhead,memory,startup picks parts; UBP_BENCH_LATENCY=0 one latency only)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { VERSION as OPENAI_VERSION } from 'openai/version';
import type { BenchContext } from './types';
import { createOpenAIPredictor } from '../src/core/models/openai';
import { ResponseCache } from '../src/core/models/cache';
import { nodeFetch } from '../src/core/models/transport';
import { runEval, type RunVariant } from '../src/core/run/runner';
import { openRunStore, type OpenRunStoreOptions } from '../src/core/run/store';
import { buildPromptVariables, loadPromptTemplate, renderVariables } from '../src/core/prompt';
import type { PromptRenderInfo } from '../src/core/prompt/render';
import type { ChatMessage, Predictor, TestCase } from '../src/core/types';

// tsx runs this file as CommonJS in this package (no "type": "module"), where import.meta is empty.
const root = path.resolve(typeof __dirname === 'string' ? __dirname : import.meta.dirname, '..');
const QUICK = process.env.UBP_BENCH_QUICK === '1';
const N = Number(process.env.UBP_BENCH_N ?? (QUICK ? 400 : 2000));
const CONCURRENCY = 32;
const RUNS = QUICK ? 1 : 3;
// The product/bareLean ratio is the target: at least 5 interleaved pairs, its median quoted.
const PAIRS = Number(process.env.UBP_BENCH_PAIRS ?? (QUICK ? 1 : 5));
// UBP_BENCH_PARTS=throughput,cache,overhead,memory,startup (default all): run only some parts.
const PARTS = new Set(
  (process.env.UBP_BENCH_PARTS ?? 'throughput,cache,overhead,memory,startup').split(',').map((s) => s.trim()),
);
const ONLY_LATENCY = process.env.UBP_BENCH_LATENCY;
const LATENCIES = [0, 50];
const PROMPTFOO_VERSION = '0.121.20';
const MODEL = 'test-model';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

// ── the prompts ──────────────────────────────────────────────────────────────────────────────────────────
const GENRES = ['Drama', 'Comedy', 'Action', 'Thriller', 'Romance', 'Sci-Fi', 'Crime', 'Animation', 'Horror'];
const LABELS = ['A', 'B', 'C', 'D', 'E'];

function makeCases(n: number, history: number): TestCase[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `u${i}:m${i}`,
    form: 'choice' as const,
    user: `u${i}`,
    historyLength: history + (i % 9),
    history: Array.from({ length: history }, (_, h) => ({
      item: `h${i}-${h}`,
      title: `Film ${(i * 7 + h * 13) % 997} (${1970 + ((i + h) % 50)})`,
      genres: [GENRES[(i + h) % GENRES.length]!],
      value: 1 + ((i + h) % 5),
      time: 1_000_000_000 + i * 1000 + h,
    })),
    target: { item: `m${i}`, title: `Movie ${i}`, genres: ['Drama'] },
    candidates: LABELS.map((label, j) => ({
      label,
      item: `m${i}-${j}`,
      title: `Movie ${i}-${j} (${1980 + j})`,
      genres: [GENRES[(i + j) % GENRES.length]!],
    })),
    expected: { form: 'choice' as const, label: LABELS[i % 5]! },
    targetPopularity: i % 13,
  }));
}

const renderInfo: PromptRenderInfo = {
  dataset: { name: 'synthetic', kind: 'explicit', scale: { min: 0.5, max: 5, step: 0.5 } },
  task: { likeThreshold: 4, topShare: 0.2, k: 10 },
};

function manifestFor(id: string): OpenRunStoreOptions['manifest'] {
  return {
    format: 1,
    id,
    name: id,
    config: { name: id },
    configHash: 'c'.repeat(64),
    runKeyHash: 'r'.repeat(64),
    engineVersion: 'bench',
    openaiVersion: OPENAI_VERSION,
    node: process.version,
    dataset: { name: 'synthetic', path: 'mem:', fingerprint: 'f'.repeat(64), form: 'choice', scale: null },
    variants: [],
    cases: 0,
  };
}

// ── the server, as a child process ───────────────────────────────────────────────────────────────────────
interface ServerChild {
  url: string;
  base: string;
  child: ChildProcess;
  /** The server's CPU time (ms) when it was last reset, where the OS tells it (Linux). */
  cpuAtReset?: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times (Linux). */
const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
})();

/** A child's CPU time (user + system) in ms, from /proc (Linux); undefined elsewhere. */
function childCpuMs(child: ChildProcess): number | undefined {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
  } catch {
    return undefined;
  }
}

async function startServer(latency: number): Promise<ServerChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/server/main.ts', '--port', '0', '--latency', String(latency), '--no-record'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    child.once('exit', (code) => reject(new Error(`test server exited (${code})`)));
  });
  return { url, base: url.replace(/\/v1$/, ''), child };
}

async function stopServer(s: ServerChild): Promise<void> {
  if (s.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

interface ServerSpan {
  chatRequests: number;
  firstChatAt?: number;
  lastAnsweredAt?: number;
}
async function serverReset(s: ServerChild): Promise<void> {
  await fetch(`${s.base}/_reset`, { method: 'POST' }).then((r) => r.text());
  s.cpuAtReset = childCpuMs(s.child);
}
async function serverSpan(s: ServerChild): Promise<ServerSpan> {
  return (await (await fetch(`${s.base}/_stats?light=1`)).json()) as ServerSpan;
}

// ── the contenders ───────────────────────────────────────────────────────────────────────────────────────
interface Measured {
  /** Requests per second in-process (first send to last answer), or whole-process for promptfoo. */
  wallRps: number;
  /** Requests per second as the server saw them (first request in to last answer out). */
  serverRps: number;
  seconds: number;
  /** This process's CPU time (user + system) per case, ms: steadier than wall time on a loaded machine. */
  cpuMsPerCase?: number;
  /**
   * The test server's CPU time per case, ms (Linux, 10 ms ticks): how much of the two cores the server takes, so
   * whether the client's own CPU per case is what sets the rate at 0 ms.
   */
  serverCpuMsPerCase?: number;
}

/** CPU time of this process since `from` (a process.cpuUsage() reading), in ms. */
const cpuMsSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The limit: the openai client and a pool. `lean` gives the client the product's transport instead of undici. */
async function bareLoop(server: ServerChild, prompts: ChatMessage[][], lean = false): Promise<Measured> {
  const client = new OpenAI({
    baseURL: server.url,
    apiKey: 'bench',
    maxRetries: 0,
    timeout: 60_000,
    ...(lean ? { fetch: nodeFetch } : {}),
  });
  let chars = 0;
  await serverReset(server);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(prompts.length, CONCURRENCY, async (i) => {
    const r = await client.chat.completions.create({ model: MODEL, messages: prompts[i]! });
    chars += r.choices[0]!.message.content!.length;
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = cpuMsSince(cpu0);
  if (chars === 0) throw new Error('bare loop: no answers');
  return measured(server, prompts.length, seconds, cpuMs);
}

async function measured(server: ServerChild, n: number, seconds: number, cpuMs?: number): Promise<Measured> {
  const span = await serverSpan(server);
  if (span.chatRequests !== n) throw new Error(`the server saw ${span.chatRequests} requests, expected ${n}`);
  const serverSeconds = (span.lastAnsweredAt! - span.firstChatAt!) / 1000;
  const serverCpu = childCpuMs(server.child);
  return {
    wallRps: round(n / seconds),
    serverRps: round(n / serverSeconds),
    seconds: round(seconds, 3),
    ...(cpuMs !== undefined ? { cpuMsPerCase: round(cpuMs / n, 4) } : {}),
    ...(serverCpu !== undefined && server.cpuAtReset !== undefined
      ? { serverCpuMsPerCase: round((serverCpu - server.cpuAtReset) / n, 4) }
      : {}),
  };
}

async function productRun(
  ctx: BenchContext,
  label: string,
  cases: TestCase[],
  predictor: Predictor,
  render: (tc: TestCase) => ChatMessage[],
  pool: string,
): Promise<{ seconds: number; cpuMs: number; success: number; invalid: number; error: number }> {
  const rootDir = path.join(ctx.tmpDir, `store-${label}`);
  rmSync(rootDir, { recursive: true, force: true });
  const store = await openRunStore({
    root: rootDir,
    runId: label,
    manifest: manifestFor(label),
    tool: 'bench',
  });
  const variant: RunVariant = {
    id: `builtin:choice×${predictor.id}`,
    kind: 'llm',
    predictor,
    model: predictor.id,
    template: 'builtin:choice',
    samples: 1,
    render,
    pool,
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const handle = runEval({
    store,
    cases,
    variants: [variant],
    scoring: { scale: null, k: 10, candidates: 5 },
    concurrency: CONCURRENCY,
  });
  const summary = await handle.done;
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = cpuMsSince(cpu0);
  rmSync(rootDir, { recursive: true, force: true });
  if (summary.status !== 'done')
    throw new Error(`product run ${label} ended ${summary.status}: ${summary.error ?? ''}`);
  const t = summary.totals;
  return { seconds, cpuMs, success: t.success, invalid: t.invalid, error: t.error };
}

async function product(
  ctx: BenchContext,
  server: ServerChild,
  cases: TestCase[],
  render: (tc: TestCase) => ChatMessage[],
  label: string,
): Promise<Measured> {
  const predictor = createOpenAIPredictor({
    id: MODEL,
    baseUrl: server.url,
    model: MODEL,
    apiKey: 'bench',
    timeoutMs: 60_000,
    maxRetries: 6,
  });
  await serverReset(server);
  const r = await productRun(ctx, label, cases, predictor, render, predictor.origin);
  if (r.success + r.invalid !== cases.length || r.error) {
    throw new Error(
      `product run: ${r.success} success, ${r.invalid} invalid, ${r.error} errors of ${cases.length}`,
    );
  }
  return measured(server, cases.length, r.seconds, r.cpuMs);
}

// ── promptfoo ────────────────────────────────────────────────────────────────────────────────────────────
const pfDir = path.join(root, 'bench', 'promptfoo');

function promptfooMain(): string | undefined {
  const pkg = path.join(pfDir, 'node_modules', 'promptfoo', 'package.json');
  if (!existsSync(pkg)) return undefined;
  const meta = JSON.parse(readFileSync(pkg, 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
  };
  if (meta.version !== PROMPTFOO_VERSION) return undefined;
  const bin =
    typeof meta.bin === 'string' ? meta.bin : (meta.bin?.promptfoo ?? Object.values(meta.bin ?? {})[0]);
  return bin ? path.join(pfDir, 'node_modules', 'promptfoo', bin) : undefined;
}

function ensurePromptfoo(ctx: BenchContext): string | undefined {
  let main = promptfooMain();
  if (main) return main;
  ctx.log(
    `installing promptfoo@${PROMPTFOO_VERSION} into bench/promptfoo (first use; its own node_modules)…`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', pfDir, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  main = promptfooMain();
  if (r.status !== 0 || !main) ctx.log(`promptfoo could not be installed (npm exit ${r.status}): skipped`);
  return main;
}

function writePromptfooConfig(dir: string, url: string, prompts: ChatMessage[][]): string {
  mkdirSync(dir, { recursive: true });
  // A chat prompt: promptfoo renders the Nunjucks template, then parses it as a JSON list of messages.
  writeFileSync(
    path.join(dir, 'prompt.json'),
    '[{"role":"system","content":{{ system | dump }}},{"role":"user","content":{{ user | dump }}}]\n',
  );
  const config = {
    description: 'ubp runner bench',
    prompts: ['file://prompt.json'],
    providers: [{ id: `openai:chat:${MODEL}`, config: { apiBaseUrl: url, apiKey: 'bench' } }],
    tests: prompts.map((m) => ({ vars: { system: m[0]!.content, user: m[1]!.content } })),
  };
  const file = path.join(dir, 'promptfooconfig.yaml');
  writeFileSync(file, JSON.stringify(config)); // JSON is YAML
  return file;
}

async function promptfooRun(
  ctx: BenchContext,
  main: string,
  server: ServerChild,
  prompts: ChatMessage[][],
  write: boolean,
): Promise<Measured> {
  const dir = path.join(ctx.tmpDir, `promptfoo-${write ? 'write' : 'nowrite'}`);
  rmSync(dir, { recursive: true, force: true });
  const config = writePromptfooConfig(dir, server.url, prompts);
  const args = [
    main,
    'eval',
    '-c',
    config,
    '--no-cache',
    '-j',
    String(CONCURRENCY),
    '--no-table',
    '--no-progress-bar',
  ];
  if (!write) args.push('--no-write');
  const env = {
    ...process.env,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_DEBUG_LOG: '1',
    PROMPTFOO_CONFIG_DIR: path.join(dir, 'home'),
    OPENAI_API_KEY: 'bench',
  };
  await serverReset(server);
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('exit', (c) => {
      if (c !== 0 && c !== 100)
        ctx.log(`promptfoo exited ${c}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
      resolve(c);
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  // promptfoo exits 100 when assertions fail; there are none here, so 0 is expected.
  if (code !== 0 && code !== 100) throw new Error(`promptfoo exited ${code}`);
  return measured(server, prompts.length, seconds);
}

// ── start-up ─────────────────────────────────────────────────────────────────────────────────────────────
function timeCommand(args: string[], cwd: string, times = 5): number {
  const xs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
    xs.push((performance.now() - t0) / 1000);
  }
  return round(median(xs), 3);
}

/** Seconds from spawning `node <args>` to its exit. */
function timeOnce(args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return (performance.now() - t0) / 1000;
}

/** Seconds from spawning `node <args>` to the first byte on its stdout. */
async function firstOutputOnce(args: string[], cwd: string): Promise<number> {
  const t0 = performance.now();
  let first: number | undefined;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout!.on('data', () => (first ??= performance.now()));
    child.on('close', resolve);
  });
  if (code !== 0 || first === undefined) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return (first - t0) / 1000;
}

interface Paired {
  /** Medians (s) of a and of b. */
  a: number;
  b: number;
  /** Median of the per-pair ratios b / a. */
  pairRatio: number;
}

function paired(as: number[], bs: number[]): Paired {
  return {
    a: round(median(as), 3),
    b: round(median(bs), 3),
    pairRatio: round(median(bs.map((b, i) => b / as[i]!)), 2),
  };
}

/** `node <a>` and `node <b>` spawned alternately, `times` pairs: whole-process times. */
function interleaved(a: string[], b: string[], cwd: string, times: number): Paired {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < times; i++) {
    as.push(timeOnce(a, cwd));
    bs.push(timeOnce(b, cwd));
  }
  return paired(as, bs);
}

/** The same for the time to the first byte on stdout. */
async function interleavedFirstOutput(a: string[], b: string[], cwd: string, times: number): Promise<Paired> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < times; i++) {
    as.push(await firstOutputOnce(a, cwd));
    bs.push(await firstOutputOnce(b, cwd));
  }
  return paired(as, bs);
}

// ── peak memory of a 100,000-case run (a child process: this file, with UBP_BENCH_CHILD=memory) ──────────────
async function memoryChild(): Promise<void> {
  // As the `ubp` CLI runs (its V8 settings).
  await import('../src/cli/heapFlags');
  const n = Number(process.env.UBP_BENCH_MEMORY_CASES ?? 100_000);
  const url = process.env.UBP_BENCH_SERVER!;
  const tmp = process.env.UBP_BENCH_TMP!;
  const template = loadPromptTemplate('builtin:choice', root);
  const render = (tc: TestCase): ChatMessage[] =>
    renderVariables(template, buildPromptVariables(tc, renderInfo));
  const cases = makeCases(n, 1);
  const cache = ResponseCache.open(path.join(tmp, 'cache'));
  const predictor = createOpenAIPredictor(
    { id: MODEL, baseUrl: url, model: MODEL, apiKey: 'bench' },
    { cache },
  );
  const store = await openRunStore({
    root: tmp,
    runId: 'memory',
    manifest: manifestFor('memory'),
    tool: 'bench',
  });
  const t0 = performance.now();
  const summary = await runEval({
    store,
    cases,
    variants: [
      {
        id: `builtin:choice×${MODEL}`,
        kind: 'llm',
        predictor,
        model: MODEL,
        template: 'builtin:choice',
        samples: 1,
        render,
        pool: predictor.origin,
      },
    ],
    scoring: { scale: null, k: 10, candidates: 5 },
    concurrency: CONCURRENCY,
  }).done;
  await cache.close();
  const seconds = (performance.now() - t0) / 1000;
  const t = summary.totals;
  process.stdout.write(
    JSON.stringify({
      cases: n,
      status: summary.status,
      success: t.success,
      invalid: t.invalid,
      error: t.error,
      seconds: round(seconds, 1),
      rps: round(n / seconds),
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
      heapUsedMiB: round(process.memoryUsage().heapUsed / 2 ** 20),
      cacheEntries: cache.size,
    }) + '\n',
  );
}
if (process.env.UBP_BENCH_CHILD === 'memory') {
  memoryChild().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

async function peakMemory(ctx: BenchContext): Promise<Record<string, unknown>> {
  const n = Number(process.env.UBP_BENCH_MEMORY_CASES ?? (QUICK ? 10_000 : 100_000));
  const server = await startServer(0);
  const tmp = path.join(ctx.tmpDir, 'memory');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'bench', 'runner.bench.ts')],
        {
          cwd: root,
          env: {
            ...process.env,
            UBP_BENCH_CHILD: 'memory',
            UBP_BENCH_SERVER: server.url,
            UBP_BENCH_TMP: tmp,
            UBP_BENCH_MEMORY_CASES: String(n),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => (buf += d.toString()));
      child.on('exit', (code) =>
        code === 0 ? resolve(buf) : reject(new Error(`memory child exited ${code}`)),
      );
    });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
  } finally {
    await stopServer(server);
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ── the benchmark ────────────────────────────────────────────────────────────────────────────────────────
export default async function runnerBench(ctx: BenchContext): Promise<Record<string, unknown>> {
  const template = loadPromptTemplate('builtin:choice', root);
  const render = (tc: TestCase): ChatMessage[] =>
    renderVariables(template, buildPromptVariables(tc, renderInfo));
  // Pick the history length that makes the prompts about 800 characters.
  let history = 1;
  for (; history < 40; history++) {
    const m = render(makeCases(1, history)[0]!);
    if (m.reduce((s, x) => s + x.content.length, 0) >= 800) break;
  }
  const cases = makeCases(N, history);
  const prompts = cases.map(render);
  const lengths = prompts.map((m) => m.reduce((s, x) => s + x.content.length, 0));
  const distinct = new Set(prompts.map((m) => JSON.stringify(m))).size;
  if (distinct !== N) throw new Error(`prompts not distinct: ${distinct} of ${N}`);
  if (prompts.some((m) => m.length !== 2)) throw new Error('expected a system and a user message per prompt');
  ctx.log(
    `${N} distinct prompts, median ${median(lengths)} chars (history ${history}), concurrency ${CONCURRENCY}`,
  );

  const pfMain =
    process.env.UBP_BENCH_PROMPTFOO === '0' || (QUICK && process.env.UBP_BENCH_PROMPTFOO !== '1')
      ? undefined
      : ensurePromptfoo(ctx);
  const figures: Record<string, unknown> = {
    prompts: N,
    promptChars: median(lengths),
    concurrency: CONCURRENCY,
    runs: RUNS,
    openai: OPENAI_VERSION,
    promptfoo: pfMain ? PROMPTFOO_VERSION : 'skipped',
    note: 'rps = requests/s; wall = in-process for bare/product, whole process for promptfoo; server = first request in to last answer out',
  };

  for (const latency of !PARTS.has('throughput') ? [] : ONLY_LATENCY ? [Number(ONLY_LATENCY)] : LATENCIES) {
    const server = await startServer(latency);
    try {
      // Warm-up (JIT, connections), not measured.
      await bareLoop(server, prompts.slice(0, 200));
      await bareLoop(server, prompts.slice(0, 200), true);
      await product(ctx, server, cases.slice(0, 200), render, `warm-${latency}`);
      const runs: Record<string, Measured[]> = {
        bare: [],
        bareLean: [],
        product: [],
        promptfooWrite: [],
        promptfooNoWrite: [],
      };
      for (let rep = 0; rep < Math.max(RUNS, PAIRS); rep++) {
        // Alternate the order so neither side always runs on a warmer machine; product and bareLean run back to
        // back (a pair) PAIRS times, the stock client and promptfoo RUNS times.
        const order = (rep % 2 ? ['product', 'bareLean', 'bare'] : ['bare', 'bareLean', 'product']).filter(
          (who) =>
            (who === 'bare' ? rep < RUNS : rep < PAIRS) &&
            (!process.env.UBP_BENCH_ONLY || process.env.UBP_BENCH_ONLY === who),
        );
        for (const who of order) {
          const m =
            who === 'product'
              ? await product(ctx, server, cases, render, `run-${latency}-${rep}`)
              : await bareLoop(server, prompts, who === 'bareLean');
          runs[who]!.push(m);
          ctx.log(
            `${latency} ms  ${who.padEnd(16)} ${m.wallRps} rps in-process, ${m.serverRps} rps at the server`,
          );
        }
        if (pfMain && rep < RUNS) {
          for (const write of [false, true]) {
            const m = await promptfooRun(ctx, pfMain, server, prompts, write);
            runs[write ? 'promptfooWrite' : 'promptfooNoWrite']!.push(m);
            ctx.log(
              `${latency} ms  promptfoo${write ? '' : ' --no-write'} ${m.wallRps} rps whole process (${m.seconds} s), ${m.serverRps} rps at the server`,
            );
          }
        }
      }
      const med = (who: string, k: 'wallRps' | 'serverRps'): number | undefined =>
        runs[who]!.length ? round(median(runs[who]!.map((m) => m[k]))) : undefined;
      const bound = latency > 0 ? (CONCURRENCY / latency) * 1000 : undefined;
      const out: Record<string, unknown> = {
        runs: Object.fromEntries(Object.entries(runs).filter(([, v]) => v.length)),
        medianRps: {
          bare: med('bare', 'wallRps'),
          bareLeanTransport: med('bareLean', 'wallRps'),
          product: med('product', 'wallRps'),
          promptfooWholeProcess: med('promptfooWrite', 'wallRps'),
          promptfooNoWriteWholeProcess: med('promptfooNoWrite', 'wallRps'),
        },
        medianServerRps: {
          bare: med('bare', 'serverRps'),
          bareLeanTransport: med('bareLean', 'serverRps'),
          product: med('product', 'serverRps'),
          promptfoo: med('promptfooWrite', 'serverRps'),
          promptfooNoWrite: med('promptfooNoWrite', 'serverRps'),
        },
      };
      const ratio = (a?: number, b?: number): number | undefined => (a && b ? round(a / b, 2) : undefined);
      const p = med('product', 'wallRps');
      const ratios = {
        productOverBare: ratio(p, med('bare', 'wallRps')),
        productOverBareAtServer: ratio(med('product', 'serverRps'), med('bare', 'serverRps')),
        // The target: the median of the PAIRS interleaved product/bareLean ratios (set below, once paired exists).
        productOverBareLeanTransport: undefined as number | undefined,
        productOverBareLeanTransportOfMedians: ratio(p, med('bareLean', 'wallRps')),
        productOverPromptfoo: ratio(p, med('promptfooWrite', 'wallRps')),
        productOverPromptfooNoWrite: ratio(p, med('promptfooNoWrite', 'wallRps')),
        productOverPromptfooAtServer: ratio(med('product', 'serverRps'), med('promptfooWrite', 'serverRps')),
        productOverPromptfooNoWriteAtServer: ratio(
          med('product', 'serverRps'),
          med('promptfooNoWrite', 'serverRps'),
        ),
      };
      out.ratios = ratios;
      // The machine's load drifts between repetitions: ratios of runs measured back to back (same repetition)
      // are steadier than ratios of medians taken across repetitions. Both are reported.
      const paired = (a: string, b: string, k: 'wallRps' | 'serverRps' = 'wallRps'): number | undefined => {
        const n = Math.min(runs[a]!.length, runs[b]!.length);
        return n ? round(median(runs[a]!.slice(0, n).map((m, i) => m[k] / runs[b]![i]![k])), 2) : undefined;
      };
      const cpu = (who: string): number | undefined =>
        runs[who]!.length ? round(median(runs[who]!.map((m) => m.cpuMsPerCase ?? NaN)), 4) : undefined;
      out.medianCpuMsPerCase = {
        bare: cpu('bare'),
        bareLeanTransport: cpu('bareLean'),
        product: cpu('product'),
      };
      const serverCpu = (who: string): number | undefined =>
        runs[who]!.length ? round(median(runs[who]!.map((m) => m.serverCpuMsPerCase ?? NaN)), 4) : undefined;
      out.medianServerCpuMsPerCase = {
        bare: serverCpu('bare'),
        bareLeanTransport: serverCpu('bareLean'),
        product: serverCpu('product'),
      };
      ratios.productOverBareLeanTransport = paired('product', 'bareLean');
      out.pairedRatios = {
        productOverBare: paired('product', 'bare'),
        productOverBareLeanTransport: paired('product', 'bareLean'),
        productOverPromptfoo: paired('product', 'promptfooWrite'),
        productOverPromptfooNoWrite: paired('product', 'promptfooNoWrite'),
        productOverPromptfooAtServer: paired('product', 'promptfooWrite', 'serverRps'),
        productOverPromptfooNoWriteAtServer: paired('product', 'promptfooNoWrite', 'serverRps'),
      };
      if (bound) {
        out.concurrencyLatencyBoundRps = bound;
        out.shareOfBound = {
          bare: ratio(med('bare', 'wallRps'), bound),
          bareLeanTransport: ratio(med('bareLean', 'wallRps'), bound),
          product: ratio(p, bound),
          promptfooNoWriteAtServer: ratio(med('promptfooNoWrite', 'serverRps'), bound),
        };
      }
      figures[`latency${latency}ms`] = out;
      ctx.log(
        `${latency} ms  ratios ${JSON.stringify(out.ratios)} paired ${JSON.stringify(out.pairedRatios)}${bound ? ` share of bound ${JSON.stringify(out.shareOfBound)}` : ''}`,
      );

      if (latency === 0 && PARTS.has('cache')) {
        // A finished eval run again: every answer from the response cache, no request.
        const cacheDir = path.join(ctx.tmpDir, 'cache');
        rmSync(cacheDir, { recursive: true, force: true });
        const cached = createOpenAIPredictor(
          { id: MODEL, baseUrl: server.url, model: MODEL, apiKey: 'bench' },
          { cache: ResponseCache.open(cacheDir) },
        );
        await productRun(ctx, 'cache-fill', cases, cached, render, cached.origin);
        await serverReset(server);
        const hitRuns: number[] = [];
        for (let rep = 0; rep < RUNS; rep++) {
          const r = await productRun(ctx, `cache-hit-${rep}`, cases, cached, render, cached.origin);
          hitRuns.push(r.seconds);
        }
        const span = await serverSpan(server);
        figures.cacheRerun = {
          requestsSent: span.chatRequests,
          medianMsPerCase: round((median(hitRuns) * 1000) / N, 4),
          medianRps: round(N / median(hitRuns)),
        };
        ctx.log(`cache re-run: ${JSON.stringify(figures.cacheRerun)}`);
        rmSync(cacheDir, { recursive: true, force: true });
      }
    } finally {
      await stopServer(server);
    }
  }

  if (PARTS.has('overhead')) {
    // Per-case overhead of render + parse + score + store: the product path with an instant predictor.
    const M = QUICK ? 5000 : 20_000;
    const many = makeCases(M, history);
    const instant: Predictor = {
      id: 'instant',
      kind: 'llm',
      predict: (req) =>
        Promise.resolve({
          raw: `{"choice": "${req.testCase.candidates![req.testCase.user.length % 5]!.label}"}`,
        }),
    };
    const overhead: number[] = [];
    const overheadCpu: number[] = [];
    for (let rep = 0; rep < RUNS; rep++) {
      const r = await productRun(ctx, `overhead-${rep}`, many, instant, render, 'instant');
      overhead.push((r.seconds * 1000) / M);
      overheadCpu.push(r.cpuMs / M);
    }
    const renderT0 = performance.now();
    for (let i = 0; i < 2000; i++) render(many[i]!);
    const renderMs = (performance.now() - renderT0) / 2000;
    figures.perCaseOverheadMs = {
      cases: M,
      median: round(median(overhead), 4),
      cpuMedian: round(median(overheadCpu), 4),
      renderOnly: round(renderMs, 4),
    };
    ctx.log(
      `per-case overhead (render+parse+score+store+runner): ${JSON.stringify(figures.perCaseOverheadMs)}`,
    );
  }

  if (PARTS.has('memory')) {
    // Peak memory of a 100,000-case run through the real client, with the response cache on.
    figures.peakMemory = await peakMemory(ctx);
    ctx.log(`peak memory: ${JSON.stringify(figures.peakMemory)}`);
  }

  if (PARTS.has('startup')) {
    // Start-up. `ubp` loads its chunks through V8's code cache (src/cli/codeCache.ts): the bench gives it a
    // cache folder of its own, measures the start on an empty one (a first start: compile, then save), and the
    // rest with the cache in place, as every later start finds it.
    const cli = path.join(root, 'dist', 'cli.js');
    if (existsSync(cli)) {
      const cacheEnv = process.env.UBP_CODE_CACHE;
      const cacheDir = path.join(ctx.tmpDir, 'code-cache');
      process.env.UBP_CODE_CACHE = cacheDir;
      const startup: Record<string, number> = {
        nodeBare: timeCommand(['-e', '0'], root),
        // `ubp help` and `ubp version` load only the dispatcher (dist/cli/bin.cjs), no engine chunk.
        ubpHelp: timeCommand([cli, 'help'], root),
        ubpVersion: timeCommand([cli, 'version'], root),
      };
      const tiny = path.join(root, 'test', 'fixtures', 'run', 'mini-choice.ubp.json');
      if (existsSync(tiny)) {
        const runs = path.join(ctx.tmpDir, 'startup-runs');
        const run = [cli, 'run', tiny, '--runs-dir', runs, '--new'];
        try {
          // A first start: an empty cache folder each time (median of 3).
          const first: number[] = [];
          for (let i = 0; i < 3; i++) {
            process.env.UBP_CODE_CACHE = path.join(ctx.tmpDir, `code-cache-first-${i}`);
            first.push(timeCommand([...run, '--json'], root, 1));
          }
          process.env.UBP_CODE_CACHE = cacheDir;
          startup.ubpRunTinyFirstStart = round(median(first), 3);
          // Bare node and `ubp run` alternate (7 pairs), so both see the same machine.
          const whole = interleaved(['-e', '0'], [...run, '--json'], root, 7);
          startup.nodeBare = whole.a;
          startup.ubpRunTinyBaselines = whole.b;
          startup.runOverBarePairs = whole.pairRatio;
          // "Starts" as a user sees it: the first line `ubp run` prints (the run id, cases and variants, after
          // the config is read, the data loaded and the cases built), against bare node printing one line.
          const line = await interleavedFirstOutput(['-e', 'process.stdout.write("x\\n")'], run, root, 7);
          startup.nodeBareFirstLine = line.a;
          startup.ubpRunTinyFirstLine = line.b;
          startup.firstLineOverBarePairs = line.pairRatio;
          startup.runOverBare = round(startup.ubpRunTinyBaselines / startup.nodeBare, 2);
          startup.firstLineOverBare = round(startup.ubpRunTinyFirstLine / startup.nodeBareFirstLine, 2);
          startup.firstStartOverBare = round(startup.ubpRunTinyFirstStart / startup.nodeBare, 2);
        } catch (e) {
          ctx.log(`ubp run on the tiny config failed: ${(e as Error).message}`);
        }
        rmSync(runs, { recursive: true, force: true });
      }
      if (cacheEnv === undefined) delete process.env.UBP_CODE_CACHE;
      else process.env.UBP_CODE_CACHE = cacheEnv;
      figures.startupSeconds = startup;
      ctx.log(`start-up (s, median): ${JSON.stringify(startup)}`);
    } else ctx.log('dist/cli.js missing (npm run bench builds it): start-up not measured');
  }

  rmSync(ctx.tmpDir, { recursive: true, force: true });
  return figures;
}
