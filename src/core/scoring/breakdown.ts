// Breakdowns of the headline metric: by history length, by the target item's popularity, and per user; and the
// knowledge probe (a titled run against its opaque-id twin).
//
// History length buckets are fixed (0–9, 10–19, 20–49, 50–99, 100–199, 200+ earlier interactions) so two runs
// break down alike. Popularity groups are the terciles of the targets' training counts over the run's distinct
// cases: tail ≤ the 1/3 quantile < torso ≤ the 2/3 quantile < head, so each group holds about a third of the
// cases (ties at a boundary stay together, which can unbalance them).
import type { CaseResult } from '../types';
import { ClusterSums, DEFAULT_BOOTSTRAP, type Estimate } from './bootstrap';
import { clustersOf, estimateParts, latestResults, type Observation, type ScoringContext } from './aggregate';
import { comparePaired } from './compare';
import { formScoring, headlineScoring, type FormScoring, type MetricDef } from './metrics';
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

/** Breakdowns of one variant's observations. `thresholds` should come from the whole run. */
export function breakdowns(
  obs: Observation[],
  ctx: ScoringContext,
  thresholds: PopularityThresholds,
  options: { users?: number } = {},
): VariantBreakdowns {
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const hs = headlineScoring(ctx.form, ctx.k, ctx.candidates);
  const def = hs.metrics[0];
  interface Bucket {
    group: 'history' | 'popularity';
    key: string;
    label: string;
    test: (o: Observation) => boolean;
  }
  const buckets: Bucket[] = [];
  for (const [from, to] of HISTORY_BUCKETS) {
    const label = to === Infinity ? `${from}+` : `${from}–${to}`;
    const test = (o: Observation) => o.historyLength >= from && o.historyLength <= to;
    buckets.push({ group: 'history', key: `history:${label}`, label, test });
  }
  const groups: [string, number, number][] = [
    ['tail', -Infinity, thresholds.tail],
    ['torso', thresholds.tail, thresholds.torso],
    ['head', thresholds.torso, Infinity],
  ];
  for (const [name, above, upTo] of groups) {
    const test = (o: Observation) => o.targetPopularity > above && o.targetPopularity <= upTo;
    buckets.push({ group: 'popularity', key: `popularity:${name}`, label: name, test });
  }
  const members = buckets.map((b) => obs.filter(b.test));
  const used = buckets.filter((_, i) => members[i].length > 0);
  // One bootstrap pass over the variant's users for every bucket (a user's rows are zero outside its buckets).
  const est = estimateParts(
    obs,
    used.map((b) => ({ name: b.key, fs: hs, metrics: [def], filter: b.test })),
    boot,
  );
  const historyLength: BreakdownBucket[] = [];
  const popularity: BreakdownBucket[] = [];
  buckets.forEach((b, i) => {
    const sub = members[i];
    if (sub.length === 0) return;
    const n = sub.reduce((s, o) => s + o.weight, 0);
    const fail = sub.reduce((s, o) => s + (o.outcome === 'success' ? 0 : o.weight), 0);
    const [from, to] =
      b.group === 'history'
        ? HISTORY_BUCKETS[i]
        : sub.reduce(
            ([lo, hi], o) => [Math.min(lo, o.targetPopularity), Math.max(hi, o.targetPopularity)],
            [Infinity, -Infinity],
          );
    const row: BreakdownBucket = {
      key: b.key,
      label: b.group === 'history' ? b.label : `${b.label} (${from}–${to})`,
      from,
      to,
      cases: new Set(sub.map((o) => o.caseId)).size,
      users: new Set(sub.map((o) => o.user)).size,
      value: est[b.key][def.key],
      failShare: n > 0 ? fail / n : NaN,
    };
    (b.group === 'history' ? historyLength : popularity).push(row);
  });
  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
  const full = fs.metrics.find((m) => m.key === fs.headline)!;
  return { metric: def.key, historyLength, popularity, users: perUser(obs, fs, full, options.users ?? 5) };
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
  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
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
  return { metric: def.key, higherIsBetter: def.higherIsBetter !== false, rows };
}
