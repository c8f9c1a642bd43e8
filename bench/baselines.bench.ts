// The baselines on an ml-25m-shaped dataset: each one's fit time, peak memory and predict time.
//
//   npm run bench -- baselines                        (25,000,095 rows, the size of ml-25m)
//   UBP_BENCH_ROWS=1000000 npm run bench -- baselines (a quick check)
//
// The dataset is synthesised IN MEMORY, straight into Interactions, by a port of
// ../shared/bench/gen-ratings.mjs (same PRNG, same draws in the same order: the rows are the ones its CSV
// would hold, ~162.5k users, 62k items with a steep popularity curve, 0.5..5 stars), so the figures measure
// the baselines, not a CSV loader (the dataset benchmark measures that). The split is the project's protocol:
// every user's latest row (ties: the later row) is held out; 1,000 users are sampled and each gets a ranking
// case with 20 candidates (the held-out item + 19 uniform negatives the user never touched, shuffled).
//
// Each baseline runs in its own child process (node --expose-gc), so its peak RSS (maxRSS) is its own: the
// child synthesises the data, builds the split, records its RSS after a GC (the "data" footprint), fits,
// predicts the 1,000 cases, and prints one JSON line. Goals (issue 5): fit under 2 minutes for all but MF,
// MF under 10 minutes.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchContext } from './types';
import { createBaseline } from '../src/core/models/baselines';
import type { BaselineName } from '../src/core/config';
import type { Candidate, Interactions, TaskForm, TestCase } from '../src/core/types';

const FULL_ROWS = 25_000_095;
const CASES = 1000;
const CANDIDATES = 20;

/** What each child measures: baseline x form. */
const RUNS: { name: BaselineName | 'none'; form: TaskForm }[] = [
  { name: 'none', form: 'ranking' },
  { name: 'random', form: 'ranking' },
  { name: 'popularity', form: 'ranking' },
  { name: 'user-mean', form: 'rating' },
  { name: 'item-mean', form: 'ranking' },
  { name: 'item-knn', form: 'ranking' },
  { name: 'item-knn', form: 'rating' },
  { name: 'mf', form: 'ranking' },
  { name: 'mf', form: 'rating' },
];

// ---------------------------------------------------------------------------------------------------------
// The synthetic dataset (port of gen-ratings.mjs, minus the text).

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function synthesiseRatings(rows: number, seed = 25): Interactions {
  const r = rng(seed);
  const USERS = Math.round(162541 * (rows / 25_000_095)) || 1;
  const MEAN = rows / USERS;
  const MIN_PER_USER = Math.min(20, Math.floor(MEAN));
  const MAX_PER_USER = 30000;
  const MOVIES = 62423;
  const T0 = 789652009;
  const T1 = 1574327703;
  const RATING_P = [0.016, 0.031, 0.016, 0.066, 0.05, 0.196, 0.126, 0.266, 0.085, 0.145];
  const RATING_CDF = RATING_P.map(
    (
      (s) => (p: number) =>
        (s += p)
    )(0),
  );
  const movieId = (rank: number) => (rank < 30000 ? rank + 1 : 30001 + (rank - 30000) * 5);
  const pickRank = () => Math.floor(MOVIES * r() ** 2.5);

  const counts = new Int32Array(USERS);
  let total = 0;
  for (let u = 0; u < USERS; u++) {
    const c = Math.min(MAX_PER_USER, MIN_PER_USER + Math.floor(-Math.log(1 - r()) * (MEAN - MIN_PER_USER)));
    counts[u] = c;
    total += c;
  }
  for (let u = 0; total !== rows; u = (u + 1) % USERS) {
    if (total < rows && counts[u] < MAX_PER_USER) {
      counts[u]++;
      total++;
    } else if (total > rows && counts[u] > MIN_PER_USER) {
      counts[u]--;
      total--;
    }
  }

  const user = new Int32Array(rows);
  const item = new Int32Array(rows);
  const value = new Float64Array(rows);
  const time = new Float64Array(rows);
  const dense = new Int32Array(30001 + MOVIES * 5).fill(-1); // movieId -> dense index, by first appearance
  const itemIds: string[] = [];
  let row = 0;
  for (let u = 0; u < USERS; u++) {
    const k = counts[u];
    const ids = new Set<number>();
    while (ids.size < k) ids.add(movieId(pickRank()));
    const sorted = Int32Array.from(ids).sort();
    const start = T0 + Math.floor(r() * (T1 - T0 - 86400));
    const span = Math.floor(r() < 0.7 ? r() * 86400 * 3 : r() * Math.min(T1 - start, 86400 * 365 * 5));
    for (let j = 0; j < k; j++) {
      const x = r();
      let ri = 0;
      while (ri < 9 && x > RATING_CDF[ri]) ri++;
      const m = sorted[j];
      if (dense[m] < 0) dense[m] = itemIds.push(String(m)) - 1;
      user[row] = u;
      item[row] = dense[m];
      value[row] = (ri + 1) / 2;
      time[row] = Math.min(T1, start + Math.floor(r() * span));
      row++;
    }
  }
  return {
    name: `synthetic-ml-25m-${rows}`,
    format: 'movielens-csv',
    kind: 'explicit',
    scale: { min: 0.5, max: 5, step: 0.5 },
    userIds: Array.from({ length: USERS }, (_, u) => String(u + 1)),
    itemIds,
    items: itemIds.map((id) => ({ title: `Movie ${id}`, genres: [] })),
    n: rows,
    user,
    item,
    value,
    time,
  };
}

/**
 * Temporal leave-last-out for every user (rows are grouped by user here), then CASES sampled users with one
 * case each of the given form. Returns the training mask and the cases.
 */
export function buildSplit(
  data: Interactions,
  form: TaskForm,
  seed = 1,
): { mask: Uint8Array; cases: TestCase[] } {
  const r = rng(seed);
  const mask = new Uint8Array(data.n).fill(1);
  const starts: number[] = [];
  const latest: number[] = [];
  for (let row = 0; row < data.n;) {
    const u = data.user[row];
    const start = row;
    let best = row;
    for (; row < data.n && data.user[row] === u; row++) if (data.time![row] >= data.time![best]) best = row;
    starts.push(start);
    latest.push(best);
    mask[best] = 0;
  }
  const users = Array.from(starts.keys());
  for (let k = users.length - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [users[k], users[j]] = [users[j], users[k]];
  }
  const cases: TestCase[] = [];
  const label = (k: number) => String.fromCharCode(65 + k);
  const meta = (i: number) => ({ item: data.itemIds[i], title: data.items[i].title, genres: [] as string[] });
  for (const u of users.slice(0, CASES)) {
    const start = starts[u];
    const end = u + 1 < starts.length ? starts[u + 1] : data.n;
    const target = data.item[latest[u]];
    const touched = new Set<number>();
    for (let row = start; row < end; row++) touched.add(data.item[row]);
    const history = Array.from({ length: end - start }, (_, k) => start + k)
      .filter((row) => row !== latest[u])
      .sort((a, b) => data.time![a] - data.time![b] || a - b)
      .slice(-20)
      .map((row) => ({ ...meta(data.item[row]), value: data.value[row], time: data.time![row] }));
    const id = `u${data.userIds[u]}-i${data.itemIds[target]}`;
    const tc: TestCase = {
      id,
      form,
      user: data.userIds[u],
      historyLength: end - start - 1,
      history,
      target: meta(target),
      expected: { form: 'rating', value: data.value[latest[u]] },
      targetPopularity: 0,
    };
    if (form === 'choice' || form === 'ranking') {
      const pool = [target];
      while (pool.length < CANDIDATES) {
        const i = Math.floor(r() * data.itemIds.length);
        if (!touched.has(i) && !pool.includes(i)) pool.push(i);
      }
      for (let k = pool.length - 1; k > 0; k--) {
        const j = Math.floor(r() * (k + 1));
        [pool[k], pool[j]] = [pool[j], pool[k]];
      }
      tc.candidates = pool.map((i, k): Candidate => ({ ...meta(i), label: label(k) }));
      tc.expected = { form, label: label(pool.indexOf(target)) };
    } else if (form === 'binary') {
      tc.expected = { form, like: data.value[latest[u]] >= 4, value: data.value[latest[u]] };
    }
    cases.push(tc);
  }
  return { mask, cases };
}

// ---------------------------------------------------------------------------------------------------------
// One child: one baseline.

interface ChildFigures {
  name: string;
  form: TaskForm;
  rows: number;
  synthSeconds: number;
  fitSeconds: number;
  /** CPU seconds of the fit (user + system): steadier than wall time on a shared machine. */
  fitCpuSeconds: number;
  predictSeconds: number;
  predictMsPerCase: number;
  /** RSS after synthesis and split, after a GC: the dataset's own footprint. */
  dataRssMB: number;
  /** Peak RSS of the whole child. */
  peakRssMB: number;
  /** Peak minus the data footprint: what the baseline added at its peak. */
  baselinePeakMB: number;
  /** A quality figure on the 1,000 cases (NDCG@10 for ranking, RMSE for rating), to show the fit is real. */
  quality: Record<string, number>;
}

async function child(name: BaselineName | 'none', form: TaskForm, rows: number): Promise<ChildFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = performance.now();
  const data = synthesiseRatings(rows);
  const { mask, cases } = buildSplit(data, form);
  const synthSeconds = (performance.now() - t0) / 1000;
  gc?.();
  const dataRssMB = process.memoryUsage().rss / 2 ** 20;
  let fitSeconds = 0;
  let fitCpuSeconds = 0;
  let predictSeconds = 0;
  const quality: Record<string, number> = {};
  if (name !== 'none') {
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const p = createBaseline(name, data, mask, { seed: 0, form, likeThreshold: 4 });
    const cpu = process.cpuUsage(c1);
    fitCpuSeconds = (cpu.user + cpu.system) / 1e6;
    fitSeconds = (performance.now() - t1) / 1000;
    const signal = new AbortController().signal;
    const t2 = performance.now();
    let ndcg = 0;
    let sq = 0;
    for (const tc of cases) {
      const { prediction } = await p.predict({ testCase: tc, messages: [], sample: 0, signal });
      if (prediction?.form === 'ranking' && tc.expected.form === 'ranking') {
        const rank = prediction.order.indexOf(tc.expected.label) + 1;
        ndcg += rank <= 10 ? 1 / Math.log2(rank + 1) : 0;
      } else if (prediction?.form === 'rating' && tc.expected.form === 'rating') {
        sq += (prediction.value - tc.expected.value) ** 2;
      }
    }
    predictSeconds = (performance.now() - t2) / 1000;
    if (form === 'ranking') quality.ndcg10 = +(ndcg / cases.length).toFixed(4);
    if (form === 'rating') quality.rmse = +Math.sqrt(sq / cases.length).toFixed(4);
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  return {
    name,
    form,
    rows,
    synthSeconds: +synthSeconds.toFixed(2),
    fitSeconds: +fitSeconds.toFixed(2),
    fitCpuSeconds: +fitCpuSeconds.toFixed(2),
    predictSeconds: +predictSeconds.toFixed(3),
    predictMsPerCase: +((predictSeconds * 1000) / cases.length).toFixed(3),
    dataRssMB: Math.round(dataRssMB),
    peakRssMB: Math.round(peakRssMB),
    baselinePeakMB: Math.round(peakRssMB - dataRssMB),
    quality,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The parent: one child per run, one after another (the machine has 2 shared cores).

export default async function (ctx: BenchContext): Promise<Record<string, unknown>> {
  const rows = Number(process.env.UBP_BENCH_ROWS ?? FULL_ROWS);
  if (!Number.isInteger(rows) || rows < 1000) throw new Error(`UBP_BENCH_ROWS must be an integer >= 1000`);
  ctx.log(`${rows.toLocaleString('en')} rows (in-memory synthesis, gen-ratings.mjs shape), ${CASES} cases`);
  const self = __filename;
  const results: ChildFigures[] = [];
  for (const run of RUNS) {
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        self,
        '--child',
        run.name,
        run.form,
        String(rows),
      ],
      { encoding: 'utf8', cwd: path.resolve(__dirname, '..'), maxBuffer: 1 << 24 },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      throw new Error(`child ${run.name}/${run.form} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    }
    const f = JSON.parse(line) as ChildFigures;
    results.push(f);
    ctx.log(
      `${`${f.name} (${f.form})`.padEnd(22)} fit ${f.fitSeconds.toFixed(2).padStart(7)} s (cpu ${f.fitCpuSeconds.toFixed(2)})  peak ${String(f.peakRssMB).padStart(5)} MB ` +
        `(data ${f.dataRssMB} MB, +${f.baselinePeakMB})   predict ${f.predictMsPerCase} ms/case   ${JSON.stringify(f.quality)}`,
    );
  }
  const goals = results
    .filter((f) => f.name !== 'none')
    .map((f) => ({
      baseline: `${f.name} (${f.form})`,
      fitSeconds: f.fitSeconds,
      goalSeconds: f.name === 'mf' ? 600 : 120,
      met: f.fitSeconds < (f.name === 'mf' ? 600 : 120),
    }));
  return {
    rows,
    cases: CASES,
    candidates: CANDIDATES,
    data: 'synthesised in memory (port of ../shared/bench/gen-ratings.mjs, seed 25)',
    goalsAt:
      rows === FULL_ROWS
        ? 'full ml-25m size'
        : `reduced size (UBP_BENCH_ROWS=${rows}); goals are for 25,000,095 rows`,
    runs: results,
    goals,
  };
}

// Child mode: `node --import tsx bench/baselines.bench.ts --child <name> <form> <rows>`.
if (
  process.argv[2] === '--child' &&
  process.argv[1] &&
  pathToFileURL(process.argv[1]).href === pathToFileURL(__filename).href
) {
  const [, , , name, form, rows] = process.argv;
  child(name as BaselineName | 'none', form as TaskForm, Number(rows)).then(
    (f) => console.log(JSON.stringify(f)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
