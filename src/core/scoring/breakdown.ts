// Breakdowns of the headline metric: by history length, by the target item's popularity, and per user; and the
// knowledge probe (a titled run against its opaque-id twin).
//
// History length buckets are fixed (1–9, 10–19, 20–49, 50–99, 100–199, 200+ earlier interactions) so two runs
// break down alike. Popularity groups are the terciles of the targets' training counts over the run's distinct
// cases: tail ≤ the 1/3 quantile < torso ≤ the 2/3 quantile < head, so each group holds about a third of the
// cases (ties at a boundary stay together, which can unbalance them).
import type { CaseResult } from '../types';
import { ClusterSums, DEFAULT_BOOTSTRAP, type BootstrapOptions, type Estimate } from './bootstrap';
import {
  clustersOf,
  estimateMetrics,
  latestResults,
  type Observation,
  type ScoringContext,
} from './aggregate';
import { comparePaired } from './compare';
import { formScoring, type FormScoring, type MetricDef } from './metrics';
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

function bucket(
  key: string,
  label: string,
  from: number,
  to: number,
  obs: Observation[],
  fs: FormScoring,
  def: MetricDef,
  boot: BootstrapOptions,
): BreakdownBucket {
  const cases = new Set(obs.map((o) => o.caseId)).size;
  const n = obs.reduce((s, o) => s + o.weight, 0);
  const fail = obs.reduce((s, o) => s + (o.outcome === 'success' ? 0 : o.weight), 0);
  return {
    key,
    label,
    from,
    to,
    cases,
    users: new Set(obs.map((o) => o.user)).size,
    value: estimateMetrics(obs, fs, boot, [def])[def.key],
    failShare: n > 0 ? fail / n : NaN,
  };
}

/** Breakdowns of one variant's observations. `thresholds` should come from the whole run. */
export function breakdowns(
  obs: Observation[],
  ctx: ScoringContext,
  thresholds: PopularityThresholds,
  options: { users?: number } = {},
): VariantBreakdowns {
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const fs = formScoring(ctx.form, ctx.k);
  const def = fs.metrics.find((m) => m.key === fs.headline)!;
  const historyLength: BreakdownBucket[] = [];
  for (const [from, to] of HISTORY_BUCKETS) {
    const sub = obs.filter((o) => o.historyLength >= from && o.historyLength <= to);
    if (sub.length === 0) continue;
    const label = to === Infinity ? `${from}+` : `${from}–${to}`;
    historyLength.push(bucket(`history:${label}`, label, from, to, sub, fs, def, boot));
  }
  const groups: [string, number, number][] = [
    ['tail', -Infinity, thresholds.tail],
    ['torso', thresholds.tail, thresholds.torso],
    ['head', thresholds.torso, Infinity],
  ];
  const popularity: BreakdownBucket[] = [];
  for (const [name, above, upTo] of groups) {
    const sub = obs.filter((o) => o.targetPopularity > above && o.targetPopularity <= upTo);
    if (sub.length === 0) continue;
    const from = Math.min(...sub.map((o) => o.targetPopularity));
    const to = Math.max(...sub.map((o) => o.targetPopularity));
    popularity.push(bucket(`popularity:${name}`, `${name} (${from}–${to})`, from, to, sub, fs, def, boot));
  }
  return { metric: def.key, historyLength, popularity, users: perUser(obs, fs, def, options.users ?? 5) };
}

/** The headline metric per user; the best and worst `limit` users (more cases first among equals). */
export function perUser(
  obs: Observation[],
  fs: FormScoring,
  def: MetricDef,
  limit = 5,
): { count: number; best: UserRow[]; worst: UserRow[] } {
  const { index, count } = clustersOf(obs);
  const width = fs.components.length;
  const sums = new ClusterSums(count, width);
  const names: string[] = new Array(count);
  const cases: Set<string>[] = Array.from({ length: count }, () => new Set());
  obs.forEach((o, i) => {
    const c = index[i];
    names[c] = o.user;
    cases[c].add(o.caseId);
    fs.fill(o.score, (j, v) => sums.add(c, j, o.weight * v));
  });
  const rows: UserRow[] = [];
  for (let c = 0; c < count; c++) {
    const value = def.stat ? def.stat(sums.rows, c * width) : NaN;
    if (Number.isFinite(value)) rows.push({ user: names[c], cases: cases[c].size, value });
  }
  const better = (x: UserRow, y: UserRow) =>
    (def.higherIsBetter ? y.value - x.value : x.value - y.value) || y.cases - x.cases;
  const sorted = rows.slice().sort(better);
  const worst = rows
    .slice()
    .sort((x, y) => -(def.higherIsBetter ? y.value - x.value : x.value - y.value) || y.cases - x.cases);
  return { count, best: sorted.slice(0, limit), worst: worst.slice(0, limit) };
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
  const fs = formScoring(ctx.form, ctx.k);
  const def = fs.metrics.find((m) => m.key === fs.headline)!;
  const t = latestResults(titled);
  const p = latestResults(probe);
  const variants = [...new Set(t.map((r) => r.variant))].filter((v) => p.some((r) => r.variant === v));
  const rows = variants.map((v): ProbeRow => {
    const cmp = comparePaired(
      { label: 'probe', results: p.filter((r) => r.variant === v) },
      { label: 'titled', results: t.filter((r) => r.variant === v) },
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
  return { metric: def.key, higherIsBetter: def.higherIsBetter, rows };
}
