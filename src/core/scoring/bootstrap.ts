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
import { seededRandom } from './random';
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
 * The component totals of each resample: a (resamples × width) matrix. Rows are compressed to their non-zero
 * components first (a user falls in one history bucket, one popularity group…), so a resample costs
 * O(clusters × non-zeros per cluster) whatever the width.
 */
export function resampleTotals(sums: ClusterSums, resamples: number, seed: number): Float64Array {
  const { clusters, width, rows } = sums;
  const ptr = new Int32Array(clusters + 1);
  let nnz = 0;
  for (let i = 0; i < rows.length; i++) if (rows[i] !== 0) nnz++;
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let k = 0;
  for (let c = 0; c < clusters; c++) {
    ptr[c] = k;
    const off = c * width;
    for (let j = 0; j < width; j++) {
      const v = rows[off + j];
      if (v !== 0) {
        col[k] = j;
        val[k++] = v;
      }
    }
  }
  ptr[clusters] = k;
  const out = new Float64Array(resamples * width);
  const rand = seededRandom(seed);
  for (let b = 0; b < resamples; b++) {
    const base = b * width;
    for (let i = 0; i < clusters; i++) {
      const c = (rand() * clusters) | 0;
      for (let q = ptr[c], end = ptr[c + 1]; q < end; q++) out[base + col[q]] += val[q];
    }
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
