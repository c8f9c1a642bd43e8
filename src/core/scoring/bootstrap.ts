// The cluster bootstrap behind every interval and paired p-value.
//
// Observations (one per case and sample) belong to clusters (users). A resample draws as many clusters as
// there are, with replacement, and keeps every observation of each drawn cluster: a user with several cases
// moves as one block, so correlated cases do not shrink the interval. Every statistic is computed from the
// resampled cluster multiplicities; most are functions of weighted sums ("components": counts, sums of errors,
// true positives…), which makes one resample O(clusters × components) whatever the number of cases.
//
// Intervals are percentile intervals (the 2.5% and 97.5% quantiles of the resampled statistic, type-7
// interpolation). Resamples where a statistic is undefined (e.g. precision with no positive prediction) are
// left out of its quantiles and counted.
import { seededRandom, seededState, sfc32Next } from './random';
import { quantileSorted } from './stats';

export interface BootstrapOptions {
  /** Number of resamples; default 1000 (an endpoint of a 95% interval then moves by about 4.5% of the half-width from seed to seed, 3% at 2000; see docs/scoring.md). */
  resamples?: number;
  /** PRNG seed; default 0. */
  seed?: number;
  /** Confidence level; default 0.95. */
  level?: number;
}

export const DEFAULT_BOOTSTRAP: Required<BootstrapOptions> = { resamples: 1000, seed: 0, level: 0.95 };

/** A point estimate with its bootstrap interval. */
export interface Estimate {
  value: number;
  /** Lower and upper bounds of the interval; NaN when it cannot be computed (no data). */
  lo: number;
  hi: number;
  /** Number of cases (sample-weighted) the estimate rests on. */
  n: number;
}

/** Cluster-level sums of components: row c holds the weighted component sums of cluster c. */
export class ClusterSums {
  readonly rows: Float64Array;
  constructor(
    readonly clusters: number,
    readonly width: number,
  ) {
    this.rows = new Float64Array(clusters * width);
  }
  add(cluster: number, component: number, value: number): void {
    this.rows[cluster * this.width + component] += value;
  }
  /** The totals over all clusters (the point estimate's input). */
  totals(): Float64Array {
    const t = new Float64Array(this.width);
    for (let c = 0; c < this.clusters; c++) {
      const off = c * this.width;
      for (let j = 0; j < this.width; j++) t[j] += this.rows[off + j];
    }
    return t;
  }
}

/**
 * Calls `visit(counts, b)` for each resample b, where counts[c] is how often cluster c was drawn. The same seed
 * gives the same resamples, so statistics computed in different passes (or on two sides of a comparison)
 * share their resamples.
 */
export function forEachResample(
  clusters: number,
  resamples: number,
  seed: number,
  visit: (counts: Int32Array, b: number) => void,
): void {
  const rand = seededRandom(seed);
  const counts = new Int32Array(clusters);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < clusters; i++) counts[(rand() * clusters) | 0]++;
    visit(counts, b);
  }
}

/**
 * The component totals of each resample: a (resamples × width) matrix, the same numbers (to the last bit) as
 * adding each drawn cluster's row in draw order, at a fraction of the cost:
 * - Clusters with the same row are one pattern (a user with one case has one of a few rows: right or wrong,
 *   in this bucket or that one), so a draw reads a small pattern id instead of a cluster's row in memory.
 * - A component whose values are all multiples of a power of two small enough that no sum of a resample leaves
 *   the exact integers of a double (counts, 0/1 hits, half-star errors) sums exactly in any order: its total is
 *   Σ draws-of-pattern × value. The others (NDCG, weights 1/3…) are still added draw by draw, from the
 *   pattern's row, in draw order.
 * The draws themselves (one random number per cluster per resample) are the same as always.
 */
export function resampleTotals(sums: ClusterSums, resamples: number, seed: number): Float64Array {
  const { clusters, width } = sums;
  const patterns = clusterPatterns(sums);
  const { count: P } = patterns;
  // Few patterns (the usual case): one byte per cluster, so the draws read 1 MB per million users.
  const of = P <= 256 ? Uint8Array.from(patterns.of) : patterns.of;
  const exact = exactComponents(patterns.rows, P, width, clusters);
  // Each pattern's non-zero values: those added in draw order (gather), and the exact ones (summed from counts).
  const ptr = new Int32Array(P + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const exactPtr = new Int32Array(P + 1);
  const exactColList: number[] = [];
  const exactValList: number[] = [];
  for (let p = 0; p < P; p++) {
    ptr[p] = cols.length;
    exactPtr[p] = exactColList.length;
    for (let j = 0; j < width; j++) {
      const v = patterns.rows[p * width + j]!;
      if (v === 0) continue;
      if (exact[j]) {
        exactColList.push(j);
        exactValList.push(v);
      } else {
        cols.push(j);
        vals.push(v);
      }
    }
  }
  ptr[P] = cols.length;
  exactPtr[P] = exactColList.length;
  const col = Int32Array.from(cols);
  const val = Float64Array.from(vals);
  const exactCol = Int32Array.from(exactColList);
  const exactVal = Float64Array.from(exactValList);
  const out = new Float64Array(resamples * width);
  const drawn = new Float64Array(P);
  const state = seededState(seed);
  for (let b = 0; b < resamples; b++) {
    const base = b * width;
    drawn.fill(0);
    // One loop per id width, so that each stays monomorphic (the hot loop of every report).
    if (col.length === 0) {
      if (of instanceof Uint8Array) drawCounts8(of, clusters, state, drawn);
      else drawCounts32(of as Int32Array, clusters, state, drawn);
    } else drawAndGather(of, clusters, state, drawn, ptr, col, val, out, base);
    // Exact components: draws of each pattern × its values, in pattern order (any order gives the same sum).
    for (let p = 0; p < P; p++) {
      const k = drawn[p]!;
      if (k === 0) continue;
      for (let q = exactPtr[p]!, end = exactPtr[p + 1]!; q < end; q++)
        out[base + exactCol[q]!] += k * exactVal[q]!;
    }
  }
  return out;
}

// The draw loops step sfc32 (random.ts) inline on the state's four words: the same stream as seededRandom,
// without a closure call per draw. One loop per id array type keeps each monomorphic.

function drawCounts8(of: Uint8Array, clusters: number, s: Uint32Array, drawn: Float64Array): void {
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  for (let i = 0; i < clusters; i++) {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    drawn[of[((t / 4294967296) * clusters) | 0]!]++;
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
}

function drawCounts32(of: Int32Array, clusters: number, s: Uint32Array, drawn: Float64Array): void {
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  for (let i = 0; i < clusters; i++) {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    drawn[of[((t / 4294967296) * clusters) | 0]!]++;
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
}

/** Draws, counting each pattern, and adds the drawn pattern's non-exact values to `out` in draw order. */
function drawAndGather(
  of: Int32Array | Uint8Array,
  clusters: number,
  s: Uint32Array,
  drawn: Float64Array,
  ptr: Int32Array,
  col: Int32Array,
  val: Float64Array,
  out: Float64Array,
  base: number,
): void {
  for (let i = 0; i < clusters; i++) {
    const p = of[(sfc32Next(s) * clusters) | 0]!;
    drawn[p]++;
    for (let q = ptr[p]!, end = ptr[p + 1]!; q < end; q++) out[base + col[q]!] += val[q]!;
  }
}

/** The distinct rows of `sums` (patterns) and each cluster's pattern, in the smallest array that holds it. */
function clusterPatterns(sums: ClusterSums): {
  count: number;
  rows: Float64Array;
  of: Int32Array;
} {
  const { clusters, width, rows } = sums;
  const ids = new Map<string, number>();
  const of = new Int32Array(clusters);
  const first: number[] = [];
  const key = new Array<number>(width);
  for (let c = 0; c < clusters; c++) {
    const off = c * width;
    for (let j = 0; j < width; j++) key[j] = rows[off + j]!;
    // Value text round-trips a double exactly (and tells -0 from 0 apart: no row is merged with a different one).
    const k = key.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',');
    let p = ids.get(k);
    if (p === undefined) {
      p = first.length;
      ids.set(k, p);
      first.push(c);
    }
    of[c] = p;
  }
  const P = first.length;
  const patternRows = new Float64Array(P * width);
  first.forEach((c, p) => patternRows.set(rows.subarray(c * width, (c + 1) * width), p * width));
  return { count: P, rows: patternRows, of };
}

/**
 * Per component: whether every sum of `clusters` draws of its values is exact in doubles (each value a multiple
 * of 2^-e, and clusters × max |value| × 2^e below 2^53), so that the order of the additions cannot matter.
 */
function exactComponents(rows: Float64Array, P: number, width: number, clusters: number): boolean[] {
  const out: boolean[] = [];
  for (let j = 0; j < width; j++) {
    let e = 0;
    let max = 0;
    let ok = true;
    for (let p = 0; p < P && ok; p++) {
      const v = rows[p * width + j]!;
      if (!Number.isFinite(v)) ok = false;
      else {
        max = Math.max(max, Math.abs(v));
        while (e <= 40 && !Number.isInteger(v * 2 ** e)) e++;
        if (e > 40) ok = false;
      }
    }
    out.push(ok && clusters * max * 2 ** e < 2 ** 53);
  }
  return out;
}

/** A statistic of component totals: `t[off + j]` is component j. */
export type TotalsStatistic = (t: Float64Array, off: number) => number;

/** Percentile interval of the finite values in `boots` at `level`. */
export function percentileInterval(boots: Float64Array, level: number): { lo: number; hi: number } {
  const finite = boots.filter((x) => Number.isFinite(x)).sort();
  if (finite.length === 0) return { lo: NaN, hi: NaN };
  const alpha = (1 - level) / 2;
  return { lo: quantileSorted(finite, alpha), hi: quantileSorted(finite, 1 - alpha) };
}

/** An estimate with its resampled values (kept for paired p-values; not for reports). */
export interface DetailedEstimate extends Estimate {
  boots: Float64Array;
}

/**
 * Bootstraps several statistics of one set of cluster sums at once, on the same resamples. `n` is reported with
 * each estimate (the caller's count of cases).
 */
export function bootstrapDetailed(
  sums: ClusterSums,
  statistics: TotalsStatistic[],
  n: number,
  options: BootstrapOptions = {},
): DetailedEstimate[] {
  const { resamples, seed, level } = { ...DEFAULT_BOOTSTRAP, ...options };
  const point = sums.totals();
  if (sums.clusters === 0) {
    return statistics.map(() => ({ value: NaN, lo: NaN, hi: NaN, n, boots: new Float64Array(0) }));
  }
  const totals = resampleTotals(sums, resamples, seed);
  return statistics.map((stat) => {
    const boots = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) boots[b] = stat(totals, b * sums.width);
    return { value: stat(point, 0), ...percentileInterval(boots, level), n, boots };
  });
}

/** Like bootstrapDetailed, without the resampled values. */
export function bootstrapStatistics(
  sums: ClusterSums,
  statistics: TotalsStatistic[],
  n: number,
  options: BootstrapOptions = {},
): Estimate[] {
  return bootstrapDetailed(sums, statistics, n, options).map(({ value, lo, hi, n: m }) => ({
    value,
    lo,
    hi,
    n: m,
  }));
}

/**
 * Two-sided bootstrap p-value for "the statistic is 0": the share of resamples, centred on the point estimate,
 * at least as far from it as the estimate is from 0 ((1 + count) / (1 + resamples), so never 0).
 */
export function bootstrapPValue(value: number, boots: Float64Array): number {
  if (!Number.isFinite(value)) return NaN;
  let count = 0;
  let total = 0;
  const d = Math.abs(value);
  for (let b = 0; b < boots.length; b++) {
    const x = boots[b];
    if (!Number.isFinite(x)) continue;
    total++;
    if (Math.abs(x - value) >= d - 1e-12) count++;
  }
  return total === 0 ? NaN : Math.min(1, (1 + count) / (1 + total));
}

/**
 * Bootstraps a statistic that is not a function of sums (AUC): `stat(clusterWeights)` gets each cluster's
 * multiplicity (all ones for the point estimate).
 */
export function bootstrapGeneral(
  clusters: number,
  stat: (clusterWeights: Int32Array) => number,
  n: number,
  options: BootstrapOptions = {},
): Estimate & { boots: Float64Array } {
  const { resamples, seed, level } = { ...DEFAULT_BOOTSTRAP, ...options };
  const ones = new Int32Array(clusters).fill(1);
  const value = clusters > 0 ? stat(ones) : NaN;
  const boots = new Float64Array(resamples);
  if (clusters === 0) return { value, lo: NaN, hi: NaN, n, boots };
  forEachResample(clusters, resamples, seed, (counts, b) => {
    boots[b] = stat(counts);
  });
  return { value, ...percentileInterval(boots, level), n, boots };
}
