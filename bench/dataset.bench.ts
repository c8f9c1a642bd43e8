// Dataset loading speed and memory (issue 3). A seeded 25M-row ml-25m-shaped ratings.csv (662 MB, more than one
// JavaScript string can hold) is generated with ../shared/bench/gen-ratings.mjs into the scratch folder, then,
// three times each, in the same run: the time to merely read its bytes, the reference byte scanner
// ../shared/bench/scan-ratings.mjs (the practical limit), and our loader (loadDataset, in a child process so its
// peak memory is its own: process.resourceUsage().maxRSS). Medians are reported, with the ratio to the
// reference and the order-sensitive checksums of both, which must be equal. Then ml-latest-small's load time.
//   npm run bench -- dataset        (UBP_BENCH_ROWS=2000000 for a quick try)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './types';
import { loadDataset } from '../src/core/dataset';

const root = path.resolve(__dirname, '..');
const sharedBench = path.resolve(root, '../shared/bench');
const GEN = path.join(sharedBench, 'gen-ratings.mjs');
const SCAN = path.join(sharedBench, 'scan-ratings.mjs');
const CHILD_ENV = 'UBP_DATASET_BENCH_CHILD';
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

interface Checksums {
  rows: number;
  sumUserId: number;
  sumMovieId: number;
  sumRating: number;
  tsHi: number;
  tsLo: number;
  hash: number;
}

/** The child: loads the folder once, prints seconds, peak RSS and the same checksums scan-ratings prints. */
async function child(dir: string): Promise<void> {
  const t0 = performance.now();
  const { data, skippedRows } = await loadDataset(dir, { mode: 'strict' });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const uid = Float64Array.from(data.userIds, Number);
  const mid = Float64Array.from(data.itemIds, Number);
  let su = 0;
  let sm = 0;
  let sr = 0;
  let tHi = 0;
  let tLo = 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < data.n; i++) {
    const m = mid[data.item[i]];
    const r = data.value[i];
    const t = data.time![i];
    su += uid[data.user[i]];
    sm += m;
    sr += r;
    tHi += Math.floor(t / 1e6);
    tLo += t % 1e6;
    h = Math.imul(h ^ m ^ (r * 2), 0x01000193);
  }
  const checksums: Checksums = {
    rows: data.n,
    sumUserId: su,
    sumMovieId: sm,
    sumRating: sr,
    tsHi: tHi,
    tsLo: tLo,
    hash: h >>> 0,
  };
  process.stdout.write(JSON.stringify({ seconds, maxRssMB, skippedRows, checksums }) + '\n');
}

if (process.env[CHILD_ENV]) {
  child(process.env[CHILD_ENV]!).catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exitCode = 1;
  });
}

function runJson(args: string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, maxBuffer: 1 << 20, cwd: root });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as Record<string, unknown>;
}

/** Seconds to read the file's bytes in 8 MiB chunks, touching nothing. */
function readBytesSeconds(file: string): number {
  const buf = Buffer.allocUnsafe(8 << 20);
  const fd = openSync(file, 'r');
  const t0 = performance.now();
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  const s = (performance.now() - t0) / 1000;
  closeSync(fd);
  return s;
}

/** movies.csv for the generated ids (gen-ratings.mjs: rank < 30000 -> rank + 1, else 30001 + (rank - 30000) * 5). */
function writeMovies(file: string): void {
  const lines = ['movieId,title,genres'];
  for (let rank = 0; rank < 62423; rank++) {
    const id = rank < 30000 ? rank + 1 : 30001 + (rank - 30000) * 5;
    lines.push(`${id},"Movie ${id}, The (${1900 + (rank % 120)})",Drama|Comedy`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

export default async function bench(ctx: BenchContext): Promise<Record<string, unknown>> {
  // These machines are shared: the load average says how much the absolute figures are worth (ratios hold).
  const figures: Record<string, unknown> = { loadAverageAtStart: os.loadavg().map((x) => round(x, 1)) };
  // ml-latest-small first: the bundled copy, in this process (first load, then the median of 3 more)
  const small: number[] = [];
  for (let k = 0; k < RUNS + 1; k++) {
    const t0 = performance.now();
    await loadDataset('bundled:ml-latest-small');
    small.push(performance.now() - t0);
  }
  figures.mlLatestSmall = {
    firstLoadMs: round(small[0], 1),
    medianLoadMs: round(median(small.slice(1)), 1),
    goalMs: 300,
  };
  ctx.log(
    `ml-latest-small: first load ${small[0].toFixed(0)} ms, then median ${median(small.slice(1)).toFixed(0)} ms`,
  );

  if (!existsSync(GEN)) {
    figures.note = `${GEN} absent: the 25M-row benchmark needs ../shared/bench`;
    ctx.log(String(figures.note));
    rmSync(ctx.tmpDir, { recursive: true, force: true });
    return figures;
  }
  const rows = Number(process.env.UBP_BENCH_ROWS ?? 25_000_000);
  const dir = path.join(ctx.tmpDir, 'ml-25m-shaped');
  const ratings = path.join(dir, 'ratings.csv');
  try {
    ctx.log(`generating ${rows.toLocaleString('en-US')} rows with gen-ratings.mjs…`);
    runJson([GEN, '--rows', String(rows), '--out', ratings, '--seed', '25']);
    writeMovies(path.join(dir, 'movies.csv'));
    const bytes = statSync(ratings).size;
    const mb = bytes / 1e6;
    const read: number[] = [];
    const ref: { seconds: number; checksums: Checksums }[] = [];
    const ours: { seconds: number; maxRssMB: number; checksums: Checksums }[] = [];
    for (let k = 0; k < RUNS; k++) {
      read.push(readBytesSeconds(ratings));
      if (existsSync(SCAN)) {
        const r = runJson([SCAN, '--file', ratings]);
        const { load_s, ...rest } = r as { load_s: number } & Record<string, unknown>;
        const { rows: n, sumUserId, sumMovieId, sumRating, tsHi, tsLo, hash } = rest as unknown as Checksums;
        ref.push({
          seconds: load_s,
          checksums: { rows: n, sumUserId, sumMovieId, sumRating, tsHi, tsLo, hash },
        });
      }
      const o = runJson(['--import', 'tsx', path.join(root, 'bench/dataset.bench.ts')], {
        ...process.env,
        [CHILD_ENV]: dir,
      });
      ours.push(o as unknown as (typeof ours)[number]);
      ctx.log(
        `run ${k + 1}: read ${read[k].toFixed(2)} s, reference ${ref[k]?.seconds.toFixed(2) ?? '-'} s, loader ${ours[k].seconds.toFixed(2)} s (peak ${ours[k].maxRssMB.toFixed(0)} MB)`,
      );
    }
    const loadS = median(ours.map((o) => o.seconds));
    const refS = ref.length ? median(ref.map((r) => r.seconds)) : null;
    const same = ref.length ? JSON.stringify(ref[0].checksums) === JSON.stringify(ours[0].checksums) : null;
    figures.ratings25m = {
      rows,
      megabytes: round(mb, 1),
      readBytesSeconds: round(median(read)),
      readBytesMBps: round(mb / median(read), 1),
      loaderSeconds: round(loadS),
      loaderMBps: round(mb / loadS, 1),
      loaderPeakRssMB: round(Math.max(...ours.map((o) => o.maxRssMB)), 0),
      referenceSeconds: refS === null ? null : round(refS),
      referenceMBps: refS === null ? null : round(mb / refS, 1),
      loaderToReference: refS === null ? null : round(loadS / refS, 2),
      // the same ratio taken run by run (each pair ran back to back), then the median: steadier on a busy machine
      loaderToReferencePerRunMedian: ref.length
        ? round(median(ours.map((o, k) => o.seconds / ref[k].seconds)), 2)
        : null,
      referenceNote: refS === null ? `${SCAN} absent: no reference in this run` : undefined,
      checksumsMatch: same,
      loaderChecksums: ours[0].checksums,
      referenceChecksums: ref[0]?.checksums ?? null,
      goals: { maxRatioToReference: 2, minMBps: 300, maxPeakRssMB: 1536 },
      runs: { read, reference: ref.map((r) => r.seconds), loader: ours.map((o) => o.seconds) },
    };
    ctx.log(
      `median: loader ${loadS.toFixed(2)} s = ${(mb / loadS).toFixed(0)} MB/s; reference ${refS?.toFixed(2) ?? '-'} s; ratio ${refS ? (loadS / refS).toFixed(2) : '-'}; checksums ${same ? 'equal' : 'DIFFER'}`,
    );
  } finally {
    rmSync(ctx.tmpDir, { recursive: true, force: true });
  }
  figures.loadAverageAtEnd = os.loadavg().map((x) => round(x, 1));
  return figures;
}
