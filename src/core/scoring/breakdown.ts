// Breakdowns of the headline metric: by history length, by the target item's popularity, and per user; and the
// knowledge probe (a titled run against its opaque-id twin).
//
// History length buckets are fixed (0–9, 10–19, 20–49, 50–99, 100–199, 200+ earlier interactions) so two runs
// break down alike. Popularity groups are the terciles of the targets' training counts over the run's distinct
// cases: tail ≤ the 1/3 quantile < torso ≤ the 2/3 quantile < head, so each group holds about a third of the
// cases (ties at a boundary stay together, which can unbalance them).
import type { CaseResult } from '../types';
import { ClusterSums, DEFAULT_BOOTSTRAP, type Estimate } from './bootstrap';
import {
  distinct,
  estimateColumnParts,
  formPart,
  latestResults,
  type ColumnPart,
  type ScoringContext,
} from './aggregate';
import { rowClusters, type RunColumns, type VariantColumns } from './columns';
import { compareCases } from './compare';
import { mergeCases, PairTables, pairRunOf, type PairRun } from './pairing';
import { formScoring, headlineScoring, type MetricDef } from './metrics';
import { quantileSorted } from './stats';

export interface BreakdownBucket {
  key: string;
  label: string;
  /** Inclusive bounds of the bucket's values (history length or target popularity). */
  from: number;
  to: number;
  cases: number;
  users: number;
  /** The headline metric (invalid and error as wrong) with its interval. */
  value: Estimate;
  /** Share of invalid or error outcomes in the bucket. */
  failShare: number;
}

export interface UserRow {
  user: string;
  cases: number;
  value: number;
}

export interface VariantBreakdowns {
  metric: string;
  historyLength: BreakdownBucket[];
  popularity: BreakdownBucket[];
  users: { count: number; best: UserRow[]; worst: UserRow[] };
}

export const HISTORY_BUCKETS: [number, number][] = [
  [0, 9],
  [10, 19],
  [20, 49],
  [50, 99],
  [100, 199],
  [200, Infinity],
];

export interface PopularityThresholds {
  /** Tail: popularity <= tail; torso: <= torso; head: above. */
  tail: number;
  torso: number;
}

/** Tercile thresholds of the target popularity over the distinct cases of `results`. */
export function popularityThresholds(results: CaseResult[]): PopularityThresholds {
  const byCase = new Map<string, number>();
  for (const r of results) byCase.set(r.caseId, r.targetPopularity);
  const pops = Float64Array.from(byCase.values()).sort();
  return { tail: quantileSorted(pops, 1 / 3), torso: quantileSorted(pops, 2 / 3) };
}

/** Tercile thresholds of the target popularity over the run's distinct cases (a case's last kept row wins). */
export function popularityThresholdsOf(run: RunColumns): PopularityThresholds {
  const seq = new Float64Array(run.caseIds.size).fill(-1);
  const pop = new Float64Array(run.caseIds.size);
  for (const v of run.variants)
    for (let i = 0; i < v.length; i++) {
      const c = v.caseIndex[i]!;
      if (v.seq[i]! > seq[c]!) {
        seq[c] = v.seq[i]!;
        pop[c] = v.targetPopularity[i]!;
      }
    }
  let n = 0;
  for (let c = 0; c < seq.length; c++) if (seq[c]! >= 0) pop[n++] = pop[c]!;
  const pops = pop.subarray(0, n).sort();
  return { tail: quantileSorted(pops, 1 / 3), torso: quantileSorted(pops, 2 / 3) };
}

interface Bucket {
  group: 'history' | 'popularity';
  key: string;
  label: string;
  /** History buckets: the fixed bounds. */
  bounds?: [number, number];
  test: (i: number) => boolean;
}

function bucketsOf(v: VariantColumns, thresholds: PopularityThresholds): Bucket[] {
  const buckets: Bucket[] = [];
  const h = v.historyLength;
  const pop = v.targetPopularity;
  for (const [from, to] of HISTORY_BUCKETS) {
    const label = to === Infinity ? `${from}+` : `${from}–${to}`;
    const test = (i: number) => h[i]! >= from && h[i]! <= to;
    buckets.push({ group: 'history', key: `history:${label}`, label, bounds: [from, to], test });
  }
  const groups: [string, number, number][] = [
    ['tail', -Infinity, thresholds.tail],
    ['torso', thresholds.tail, thresholds.torso],
    ['head', thresholds.torso, Infinity],
  ];
  for (const [name, above, upTo] of groups) {
    const test = (i: number) => pop[i]! > above && pop[i]! <= upTo;
    buckets.push({ group: 'popularity', key: `popularity:${name}`, label: name, test });
  }
  return buckets;
}

/** The rows of each bucket (empty buckets are left out of the bootstrap and the breakdowns). */
function bucketRows(v: VariantColumns, buckets: Bucket[]): Int32Array[] {
  return buckets.map((b) => {
    let n = 0;
    for (let i = 0; i < v.length; i++) if (b.test(i)) n++;
    const rows = new Int32Array(n);
    for (let i = 0, k = 0; i < v.length; i++) if (b.test(i)) rows[k++] = i;
    return rows;
  });
}

/** The bootstrap parts of a variant's breakdown buckets (estimated in one pass with its summary). */
export function breakdownParts(
  run: RunColumns,
  v: VariantColumns,
  thresholds: PopularityThresholds,
): ColumnPart[] {
  const ctx = run.ctx;
  const hs = headlineScoring(ctx.form, ctx.k, ctx.candidates);
  const def = hs.metrics[0]!;
  const buckets = bucketsOf(v, thresholds);
  const rows = bucketRows(v, buckets);
  return buckets
    .filter((_, i) => rows[i]!.length > 0)
    .map((b) => ({ ...formPart(b.key, hs, run.scoring, v, [def]), filter: b.test }));
}

/** Breakdowns of one variant. `thresholds` should come from the whole run; `est` from its bootstrap pass. */
export function breakdowns(
  run: RunColumns,
  v: VariantColumns,
  thresholds: PopularityThresholds,
  options: { users?: number } = {},
  est?: Record<string, Record<string, Estimate>>,
): VariantBreakdowns {
  const ctx = run.ctx;
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const hs = headlineScoring(ctx.form, ctx.k, ctx.candidates);
  const def = hs.metrics[0]!;
  const buckets = bucketsOf(v, thresholds);
  const members = bucketRows(v, buckets);
  // One bootstrap pass over the variant's users for every bucket (a user's rows are zero outside its buckets).
  const e = est ?? estimateColumnParts(run, v, breakdownParts(run, v, thresholds), boot);
  const historyLength: BreakdownBucket[] = [];
  const popularity: BreakdownBucket[] = [];
  buckets.forEach((b, bi) => {
    const sub = members[bi]!;
    if (sub.length === 0) return;
    let n = 0;
    let fail = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < sub.length; k++) {
      const i = sub[k]!;
      const w = v.weight[i]!;
      n += w;
      fail += v.outcome[i] === 0 ? 0 : w;
      lo = Math.min(lo, v.targetPopularity[i]!);
      hi = Math.max(hi, v.targetPopularity[i]!);
    }
    const [from, to] = b.bounds ?? [lo, hi];
    const row: BreakdownBucket = {
      key: b.key,
      label: b.group === 'history' ? b.label : `${b.label} (${from}–${to})`,
      from,
      to,
      cases: distinct(v.caseIndex, v.length, run.caseIds.size, sub),
      users: distinct(v.userIndex, v.length, run.userIds.size, sub),
      value: e[b.key]![def.key]!,
      failShare: n > 0 ? fail / n : NaN,
    };
    (b.group === 'history' ? historyLength : popularity).push(row);
  });
  const fs = run.scoring;
  const full = fs.metrics.find((m) => m.key === fs.headline)!;
  return { metric: def.key, historyLength, popularity, users: perUser(run, v, full, options.users ?? 5) };
}

/** The headline metric per user; the best and worst `limit` users (more cases first among equals). */
export function perUser(
  run: RunColumns,
  v: VariantColumns,
  def: MetricDef,
  limit = 5,
): { count: number; best: UserRow[]; worst: UserRow[] } {
  const fs = run.scoring;
  const { index, count } = rowClusters(run, v.userIndex);
  const width = fs.components.length;
  const sums = new ClusterSums(count, width);
  const names = new Int32Array(count);
  const cases = new Int32Array(count);
  // Distinct cases per user: a case's rows all count once (samples of one case share its user).
  const seen = new Int32Array(run.caseIds.size).fill(-1);
  // (case, user) pairs beyond a case's first user: only when a case id comes with several users.
  let split: Set<number> | null = null;
  for (let i = 0; i < v.length; i++) {
    const c = index[i]!;
    names[c] = v.userIndex[i]!;
    const k = v.caseIndex[i]!;
    if (seen[k] === -1) {
      seen[k] = c;
      cases[c]++;
    } else if (seen[k] !== c) {
      split ??= new Set();
      if (!split.has(k * count + c)) {
        split.add(k * count + c);
        cases[c]++;
      }
    }
    const w = v.weight[i]!;
    sums.add(c, 0, w * 1);
    for (let j = 1; j < width; j++) sums.add(c, j, w * v.components[j]![i]!);
  }
  const value = new Float64Array(count);
  for (let c = 0; c < count; c++) value[c] = def.stat ? def.stat(sums.rows, c * width) : NaN;
  const row = (c: number): UserRow => ({
    user: run.userIds.values[names[c]!]!,
    cases: cases[c]!,
    value: value[c]!,
  });
  const sign = def.higherIsBetter ? 1 : -1;
  // Stable orders (as a sort of the users in id order would give), the first `limit` kept while scanning.
  const better = (x: number, y: number) => sign * (value[y]! - value[x]!) || cases[y]! - cases[x]!;
  const worse = (x: number, y: number) => -(sign * (value[y]! - value[x]!)) || cases[y]! - cases[x]!;
  return {
    count,
    best: firstInOrder(count, value, better, limit).map(row),
    worst: firstInOrder(count, value, worse, limit).map(row),
  };
}

/**
 * The first `limit` of the clusters with a finite value in the order a stable sort by `cmp` gives (ties keep
 * cluster order), without sorting them all.
 */
function firstInOrder(
  count: number,
  value: Float64Array,
  cmp: (x: number, y: number) => number,
  limit: number,
): number[] {
  const top: number[] = [];
  if (limit <= 0) return top;
  for (let c = 0; c < count; c++) {
    if (!Number.isFinite(value[c])) continue;
    if (top.length === limit && cmp(top[limit - 1]!, c) <= 0) continue;
    // After every kept cluster that comes first or ties (ties stay in cluster order).
    let at = top.length;
    while (at > 0 && cmp(top[at - 1]!, c) > 0) at--;
    top.splice(at, 0, c);
    if (top.length > limit) top.pop();
  }
  return top;
}

export interface ProbeRow {
  variant: string;
  /** Headline on the shared cases, titled and with opaque ids. */
  titled: number;
  probe: number;
  /** titled − probe (for a lower-is-better metric such as RMSE: probe − titled), with its paired interval. */
  drop: Estimate;
  p: number;
  sharedCases: number;
  onlyTitled: number;
  onlyProbe: number;
}

export interface ProbeComparison {
  metric: string;
  higherIsBetter: boolean;
  rows: ProbeRow[];
}

/**
 * The knowledge probe, variant by variant: the same cases titled and with opaque ids, and how much the headline
 * drops without titles (positive = worse without titles). A model whose probe score falls to the popularity
 * baseline was leaning on what it knows about the titles.
 */
export function probeComparison(
  titled: CaseResult[],
  probe: CaseResult[],
  ctx: ScoringContext,
): ProbeComparison {
  const tables = new PairTables();
  return probeComparisonRuns(
    { run: pairRunOf(latestResults(titled), ctx, tables) },
    { run: pairRunOf(latestResults(probe), ctx, tables) },
    ctx,
  );
}

/**
 * probeComparison over two runs read for pairing (PairRuns sharing their tables, scored with `ctx`); `ownForm`:
 * a side counts only its units of the run's form.
 */
export function probeComparisonRuns(
  titled: { run: PairRun; ownForm?: boolean },
  probe: { run: PairRun; ownForm?: boolean },
  ctx: ScoringContext,
): ProbeComparison {
  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
  const def = fs.metrics.find((m) => m.key === fs.headline)!;
  const present = (side: { run: PairRun; ownForm?: boolean }, v: string): boolean => {
    const rows = side.run.variants.get(v);
    if (!rows) return false;
    if (!side.ownForm) return rows.length > 0;
    for (let i = 0; i < rows.length; i++) if (rows.ownForm[i] === 1) return true;
    return false;
  };
  const variants = [...titled.run.variants.keys()].filter((v) => present(titled, v) && present(probe, v));
  const rows = variants.map((v): ProbeRow => {
    const cmp = compareCases(
      { label: 'probe', cases: mergeCases(probe.run, v, ctx, { ownForm: probe.ownForm }) },
      { label: 'titled', cases: mergeCases(titled.run, v, ctx, { ownForm: titled.ownForm }) },
      ctx,
      { maxChanged: 0 },
    );
    const row = cmp.metrics.find((m) => m.key === def.key)!;
    const sign = def.higherIsBetter ? 1 : -1;
    const lo = sign * row.diff.lo;
    const hi = sign * row.diff.hi;
    return {
      variant: v,
      titled: row.b,
      probe: row.a,
      drop: { value: sign * row.diff.value, lo: Math.min(lo, hi), hi: Math.max(lo, hi), n: row.diff.n },
      p: row.p,
      sharedCases: cmp.shared.cases,
      onlyTitled: cmp.onlyB,
      onlyProbe: cmp.onlyA,
    };
  });
  return { metric: def.key, higherIsBetter: def.higherIsBetter !== false, rows };
}
