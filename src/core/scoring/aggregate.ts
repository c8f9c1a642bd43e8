// Aggregation of per-case results into per-variant metrics with bootstrap intervals.
//
// Unit of analysis: the CASE. With several samples per case, each (case, sample) is one observation weighing
// 1 / (samples present for that case), so every metric is the mean over cases of the per-case mean over samples,
// and a case with three samples counts as much as a case with one. Intervals resample USERS (clusters).
//
// Invalid and error outcomes: in `all` they are scored as wrong (scoreCase); `valid` is the same metric over
// the successful observations only. Their shares are reported beside the metrics.
import { candidateLabel, getForm } from '../forms';
import type { CaseResult, Outcome, TaskForm, ValueScale } from '../types';
import { scoreCase } from './caseScore';
import {
  bootstrapGeneral,
  bootstrapStatistics,
  ClusterSums,
  DEFAULT_BOOTSTRAP,
  type BootstrapOptions,
  type Estimate,
  type TotalsStatistic,
} from './bootstrap';
import {
  emptyVariant as emptyColumns,
  OUTCOMES,
  resultColumns,
  rowClusters,
  type RunColumns,
  type VariantColumns,
} from './columns';
import { ECE_BINS, outcomeScoring, type FormScoring, type MetricDef } from './metrics';
import { aucMannWhitney, chiSquareTest, quantileSorted, sortedOrder } from './stats';

/** What scoring needs to know about a run besides its results. */
export interface ScoringContext {
  form: TaskForm;
  /** Cut-off of the headline ranking metrics (HR@k, NDCG@k). */
  k: number;
  /** Rating scale (rating form: where a missing answer lands, exact-match rounding). */
  scale: ValueScale | null;
  /** Candidates per case (choice, ranking). */
  candidates?: number;
  bootstrap?: BootstrapOptions;
}

/** One (case, sample) of one variant, scored. */
export interface Observation {
  caseId: string;
  sample: number;
  user: string;
  outcome: Outcome;
  /** 1 / (number of samples of this case present). */
  weight: number;
  /** Per-case values (scoreCase), missing answers scored as wrong. */
  score: Record<string, number>;
  historyLength: number;
  targetPopularity: number;
  result: CaseResult;
}

/** Keeps the last result per (caseId, variant, sample), in first-seen order. */
export function latestResults(results: CaseResult[]): CaseResult[] {
  // Per (variant, sample), the index of each case's latest line, keyed by the line's own case id string: no key
  // is built per line (a million results would allocate a million strings for nothing when none repeats).
  const latest = new Map<string, Map<string, number>>();
  let repeated = false;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    const group = r.sample === 0 ? r.variant : `${r.variant}\u0000${r.sample}`;
    let ids = latest.get(group);
    if (!ids) latest.set(group, (ids = new Map()));
    if (ids.has(r.caseId)) repeated = true;
    ids.set(r.caseId, i);
  }
  if (!repeated) return results.slice();
  // Lines superseded by a later one drop out; the rest keep their order (that of each unit's latest line).
  const keep = new Uint8Array(results.length);
  for (const ids of latest.values()) for (const i of ids.values()) keep[i] = 1;
  return results.filter((_, i) => keep[i] === 1);
}

/** Results grouped by variant, variants in order of first appearance. */
export function groupByVariant(results: CaseResult[]): Map<string, CaseResult[]> {
  const out = new Map<string, CaseResult[]>();
  for (const r of results) {
    const list = out.get(r.variant);
    if (list) list.push(r);
    else out.set(r.variant, [r]);
  }
  return out;
}

/** Scores one result: a missing or non-successful answer is scored as wrong. */
export function scoreResult(r: CaseResult, ctx: ScoringContext): Record<string, number> {
  return scoreCase(r.expected, r.outcome === 'success' ? r.prediction : undefined, {
    scale: ctx.scale,
    k: ctx.k,
    ...(ctx.candidates !== undefined ? { candidates: ctx.candidates } : {}),
  });
}

/** The observations of ONE variant's results (already deduplicated with latestResults). */
export function toObservations(results: CaseResult[], ctx: ScoringContext): Observation[] {
  // A case's samples share its weight; with one sample per case (no sample index above 0) every weight is 1.
  const samples = results.some((r) => r.sample !== 0) ? new Map<string, number>() : null;
  if (samples) for (const r of results) samples.set(r.caseId, (samples.get(r.caseId) ?? 0) + 1);
  return results.map((r) => ({
    caseId: r.caseId,
    sample: r.sample,
    user: r.user,
    outcome: r.outcome,
    weight: samples ? 1 / (samples.get(r.caseId) ?? 1) : 1,
    score: scoreResult(r, ctx),
    historyLength: r.historyLength,
    targetPopularity: r.targetPopularity,
    result: r,
  }));
}

/** Dense cluster (user) indices of observations. */
export function clustersOf(obs: { user: string }[]): { index: Int32Array; count: number } {
  // Clusters are numbered in user-id order, not in the order lines were written: the same answers give the same
  // intervals whether they came from one run, merged shards, a batch import or a resume (completion order varies).
  const users = [...new Set(obs.map((o) => o.user))].sort();
  const number = new Map<string, number>();
  users.forEach((u, c) => number.set(u, c));
  const index = new Int32Array(obs.length);
  obs.forEach((o, i) => {
    index[i] = number.get(o.user)!;
  });
  return { index, count: users.length };
}

/** A block of one bootstrap pass over a variant's columns: `fill(row, add)` adds the row's component values. */
export interface ColumnPart {
  name: string;
  width: number;
  metrics: MetricDef[];
  fill(row: number, add: (component: number, value: number) => void): void;
  filter?: (row: number) => boolean;
}

/**
 * Estimates several parts of a variant in one cluster-bootstrap pass (the summary and the breakdown buckets
 * share one set of resamples of the users). Result: part name -> metric key -> estimate.
 */
export function estimateColumnParts(
  run: RunColumns,
  v: VariantColumns,
  parts: ColumnPart[],
  options: BootstrapOptions = {},
): Record<string, Record<string, Estimate>> {
  const { index, count } = rowClusters(run, v.userIndex);
  const offsets: number[] = [];
  let width = 0;
  for (const p of parts) {
    offsets.push(width);
    width += p.width;
  }
  const sums = new ClusterSums(count, width);
  const rows = sums.rows;
  const n = parts.map(() => 0);
  const auc = parts.map((p) => p.metrics.some((m) => m.general === 'auc'));
  const members = parts.map(() => [] as number[]);
  let at = 0;
  let w = 0;
  const add = (j: number, x: number) => {
    rows[at + j] += w * x;
  };
  for (let i = 0; i < v.length; i++) {
    const c = index[i]!;
    w = v.weight[i]!;
    for (let pi = 0; pi < parts.length; pi++) {
      const p = parts[pi]!;
      if (p.filter && !p.filter(i)) continue;
      n[pi] += w;
      if (auc[pi]) members[pi]!.push(i);
      at = c * width + offsets[pi]!;
      p.fill(i, add);
    }
  }
  const stats: TotalsStatistic[] = [];
  const where: [number, string][] = [];
  parts.forEach((p, pi) => {
    const off = offsets[pi]!;
    for (const m of p.metrics) {
      if (!m.stat) continue;
      const stat = m.stat;
      stats.push((t, o) => stat(t, o + off));
      where.push([pi, m.key]);
    }
  });
  const estimates = bootstrapStatistics(sums, stats, 0, options);
  const out: Record<string, Record<string, Estimate>> = {};
  parts.forEach((p) => (out[p.name] = {}));
  estimates.forEach((e, i) => {
    const [pi, key] = where[i]!;
    out[parts[pi]!.name]![key] = { ...e, n: n[pi]! };
  });
  parts.forEach((p, pi) => {
    for (const m of p.metrics) {
      if (m.general !== 'auc') continue;
      out[p.name]![m.key] = estimateColumnAuc(v, members[pi]!, index, count, options);
    }
  });
  return out;
}

/** AUC over some rows, resampling users; case weights multiply the cluster multiplicities. */
function estimateColumnAuc(
  v: VariantColumns,
  rows: number[],
  clusterOfRow: Int32Array,
  clusters: number,
  options: BootstrapOptions,
): Estimate {
  const score = Float64Array.from(rows, (i) => v.binary![i]!);
  const positive = Uint8Array.from(rows, (i) => (v.truth![i] === 1 ? 1 : 0));
  const cluster = Int32Array.from(rows, (i) => clusterOfRow[i]!);
  const weight = Float64Array.from(rows, (i) => v.weight[i]!);
  const order = sortedOrder(score);
  const w = new Float64Array(rows.length);
  let total = 0;
  for (let q = 0; q < rows.length; q++) total += weight[q]!;
  const { value, lo, hi, n } = bootstrapGeneral(
    clusters,
    (cw) => {
      for (let q = 0; q < rows.length; q++) w[q] = cw[cluster[q]!]! * weight[q]!;
      return aucMannWhitney(score, positive, w, order);
    },
    total,
    options,
  );
  return { value, lo, hi, n };
}

export interface MetricRow {
  key: string;
  label: string;
  /** null: a signed figure with no better direction (bias). */
  higherIsBetter: boolean | null;
  /** Invalid and error outcomes scored as wrong: the headline figure. */
  all: Estimate;
  /** Over successful answers only. */
  valid: Estimate;
}

export interface PositionRow {
  label: string;
  /** Cases whose true item carries this label (sample-weighted). */
  n: number;
  /** HR@1 of those cases (invalid counted as wrong). */
  accuracy: number;
  /** The headline per-case value of those cases (choice: accuracy; ranking: NDCG@k). */
  headline: number;
  /** Valid answers that chose this label (choice) or put it first (ranking). */
  chosen: number;
  /** chosen / all valid answers. */
  chosenShare: number;
}

export interface PositionBias {
  positions: PositionRow[];
  /**
   * χ² test of the chosen labels (valid answers) against a uniform spread over the K labels. The task builder
   * puts the true item at a uniformly random position, so a model that looks only at the items (right or wrong)
   * chooses every label equally often in expectation: a small p means it prefers some positions.
   */
  test: { statistic: number; df: number; p: number };
}

export interface CalibrationBin {
  /** Bin bounds of the stated probability. */
  from: number;
  to: number;
  n: number;
  meanProbability: number;
  observedRate: number;
}

export interface Agreement {
  /** Cases with at least two valid answers (an error or an invalid answer is no answer to agree with). */
  cases: number;
  /**
   * Mean over those cases of the share of pairs of valid answers that are the same (choice: label; binary:
   * like; ranking: the item put first; rating: the value; the form's answerKey).
   */
  pairwise: Estimate;
  /** Forms with a numeric answer (rating): mean over cases of its standard deviation across samples. */
  ratingSd?: number;
}

export interface UsageSummary {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** USD of the priced answers; null when some answer's model has no price (unknown is never $0). */
  costUsd: number | null;
  /** Answers a model was asked for (not cached) whose cost is unknown: the model has no price. */
  unpriced: number;
  /** Answers taken from the response cache. */
  cached: number;
  /** Requests actually sent (retries included). */
  attempts: number;
  latencyMs: { mean: number; p50: number; p95: number; max: number };
}

export interface VariantSummary {
  variant: string;
  model: string;
  template: string | null;
  kind: 'llm' | 'baseline';
  counts: {
    cases: number;
    observations: number;
    users: number;
    /** Largest number of samples of a case. */
    samples: number;
    success: number;
    invalid: number;
    error: number;
  };
  invalidShare: Estimate;
  errorShare: Estimate;
  /** Key of the headline metric (same for every variant of a run). */
  headline: string;
  metrics: MetricRow[];
  /** Binary: whether any answer stated a probability (AUC, Brier and ECE are reported only then). */
  probabilities?: boolean;
  calibration?: CalibrationBin[];
  positionBias?: PositionBias;
  agreement?: Agreement;
  /** The most common reasons for invalid and error outcomes. */
  reasons: { outcome: Outcome; reason: string; count: number }[];
  /** Invalid and error outcomes by reason code (docs/scoring.md); "unknown" for results without one. */
  reasonCodes: Record<string, number>;
  /** Valid answers the form flags although it scores them (binary: "contradictory" like and probability). */
  flags?: Record<string, number>;
  usage: UsageSummary;
}

/** Whether a variant is a built-in baseline ("baseline:<name>"). */
export function isBaseline(variant: string): boolean {
  return variant.startsWith('baseline:');
}

/** Summarises one variant's (deduplicated) results. */
export function summariseVariant(results: CaseResult[], ctx: ScoringContext): VariantSummary {
  const run = resultColumns(results, ctx);
  const v = run.variants.find((c) => c.variant === results[0]?.variant);
  return v ? summariseColumns(run, v) : emptySummary(ctx);
}

/** A variant with no results (what summarising an empty list gives). */
function emptySummary(ctx: ScoringContext): VariantSummary {
  const run = resultColumns([], ctx);
  return summariseColumns(run, emptyColumns(run));
}

/** The one-part-per-block parts of a variant's summary (one bootstrap pass shares them with its breakdowns). */
export function summaryParts(run: RunColumns, v: VariantColumns): ColumnPart[] {
  const fs = run.scoring;
  const metrics = reportedMetrics(run, v);
  const failures = countOutcome(v, 0) < v.length;
  const shares = outcomeScoring();
  const parts: ColumnPart[] = [
    formPart('all', fs, fs, v, metrics),
    {
      name: 'shares',
      width: 3,
      metrics: shares.metrics.filter((m) => m.key !== 'successShare'),
      fill(i, add) {
        add(0, 1);
        if (v.outcome[i] === 1) add(1, 1);
        if (v.outcome[i] === 2) add(2, 1);
      },
    },
  ];
  if (failures) parts.push({ ...formPart('valid', fs, fs, v, metrics), filter: (i) => v.outcome[i] === 0 });
  return parts;
}

/** The form's metrics a variant reports (the probability metrics only when some valid answer gave one). */
function reportedMetrics(run: RunColumns, v: VariantColumns): MetricDef[] {
  const fs = run.scoring;
  return fs.metrics.filter((m) => !m.needsProbabilities || hasProbabilities(v));
}

function hasProbabilities(v: VariantColumns): boolean {
  if (!v.prob) return false;
  for (let i = 0; i < v.length; i++) if (v.outcome[i] === 0 && !Number.isNaN(v.prob[i]!)) return true;
  return false;
}

function countOutcome(v: VariantColumns, code: number): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v.outcome[i] === code) n++;
  return n;
}

/**
 * A block of `scoring`'s components (the full form or its headline subset) read from the variant's columns of
 * the full form `fs`.
 */
export function formPart(
  name: string,
  scoring: FormScoring,
  fs: FormScoring,
  v: VariantColumns,
  metrics: MetricDef[],
): ColumnPart {
  const cols = scoring.components.map((c) => v.components[fs.components.indexOf(c)]!);
  return {
    name,
    width: cols.length,
    metrics,
    fill(i, add) {
      add(0, 1);
      for (let j = 1; j < cols.length; j++) add(j, cols[j]![i]!);
    },
  };
}

/** Summarises one variant's columns; `est` when its parts were already estimated (with its breakdowns). */
export function summariseColumns(
  run: RunColumns,
  v: VariantColumns,
  est?: Record<string, Record<string, Estimate>>,
): VariantSummary {
  const ctx = run.ctx;
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const fs = run.scoring;
  const form = getForm(ctx.form);
  const probabilistic = fs.metrics.some((m) => m.needsProbabilities);
  const probabilities = probabilistic && hasProbabilities(v);
  const metrics = reportedMetrics(run, v);
  const parts = summaryParts(run, v);
  const e = est ?? estimateColumnParts(run, v, parts, boot);
  const all = e.all;
  const failures = parts.some((p) => p.name === 'valid');
  const val = failures ? e.valid : all;
  let anySample = false;
  let samples = 0;
  for (let i = 0; i < v.length; i++) {
    if (v.sample[i] !== 0) anySample = true;
    // A loop, not Math.max(...): a million arguments overflow the call stack.
    samples = Math.max(samples, v.sample[i]! + 1);
  }
  return {
    variant: v.variant,
    model: v.model,
    template: v.template,
    kind: v.length && isBaseline(v.variant) ? 'baseline' : 'llm',
    counts: {
      // Deduplicated rows with no sample above 0 are one per case.
      cases: anySample ? distinct(v.caseIndex, v.length, run.caseIds.size) : v.length,
      observations: v.length,
      users: distinct(v.userIndex, v.length, run.userIds.size),
      samples,
      success: countOutcome(v, 0),
      invalid: countOutcome(v, 1),
      error: countOutcome(v, 2),
    },
    invalidShare: e.shares.invalidShare,
    errorShare: e.shares.errorShare,
    headline: fs.headline,
    metrics: metrics.map((m) => ({
      key: m.key,
      label: m.label,
      higherIsBetter: m.higherIsBetter,
      // A valid-only figure (bias) is the same in both columns: imputed non-answers say nothing about it.
      all: m.validOnly ? val[m.key] : all[m.key],
      valid: val[m.key],
    })),
    ...(probabilistic ? { probabilities } : {}),
    ...(probabilities ? { calibration: calibrationBins(v) } : {}),
    ...(form.candidates ? { positionBias: positionBias(v, ctx) } : {}),
    ...agreementOf(run, v, boot),
    reasons: topReasons(run, v),
    reasonCodes: reasonCodes(run, v),
    ...(form.flags ? { flags: flagCounts(run, v) } : {}),
    usage: usageSummary(v),
  };
}

/** Distinct values among the first n of `ids` (each below `size`). */
export function distinct(ids: Int32Array, n: number, size: number, rows?: ArrayLike<number>): number {
  const seen = new Uint8Array(size);
  let count = 0;
  const m = rows ? rows.length : n;
  for (let k = 0; k < m; k++) {
    const id = ids[rows ? rows[k]! : k]!;
    if (!seen[id]) {
      seen[id] = 1;
      count++;
    }
  }
  return count;
}

/** Reliability diagram data over valid answers with a stated probability. */
export function calibrationBins(v: VariantColumns): CalibrationBin[] {
  const bins = Array.from({ length: ECE_BINS }, (_, i) => ({ n: 0, p: 0, y: 0, i }));
  const prob = v.prob!;
  const truth = v.truth!;
  for (let i = 0; i < v.length; i++) {
    if (v.outcome[i] !== 0 || Number.isNaN(prob[i]!)) continue;
    const p = prob[i]!;
    const w = v.weight[i]!;
    const b = bins[Math.min(ECE_BINS - 1, Math.floor(p * ECE_BINS))]!;
    b.n += w;
    b.p += w * p;
    b.y += w * truth[i]!;
  }
  return bins.map((b) => ({
    from: b.i / ECE_BINS,
    to: (b.i + 1) / ECE_BINS,
    n: b.n,
    meanProbability: b.n > 0 ? b.p / b.n : NaN,
    observedRate: b.n > 0 ? b.y / b.n : NaN,
  }));
}

/** Accuracy by the true item's position and the distribution of chosen labels. */
export function positionBias(v: VariantColumns, ctx: ScoringContext): PositionBias {
  let k = ctx.candidates ?? 0;
  const trueLabel = v.trueLabel!;
  const chosenLabel = v.chosenLabel!;
  for (let i = 0; i < v.length; i++) k = Math.max(k, trueLabel[i]! + 1);
  const n = new Array<number>(k).fill(0);
  const hits = new Array<number>(k).fill(0);
  const head = new Array<number>(k).fill(0);
  const chosen = new Array<number>(k).fill(0);
  let validTotal = 0;
  for (let i = 0; i < v.length; i++) {
    const t = trueLabel[i]!;
    if (t < 0) continue;
    const w = v.weight[i]!;
    n[t] += w;
    hits[t] += w * v.hit![i]!;
    head[t] += w * v.head![i]!;
    const ci = chosenLabel[i]!;
    if (ci >= 0 && ci < k) {
      chosen[ci] += w;
      validTotal += w;
    }
  }
  return {
    positions: n.map((count, i) => ({
      label: candidateLabel(i),
      n: count,
      accuracy: count > 0 ? hits[i] / count : NaN,
      headline: count > 0 ? head[i] / count : NaN,
      chosen: chosen[i],
      chosenShare: validTotal > 0 ? chosen[i] / validTotal : NaN,
    })),
    test: chiSquareTest(chosen, new Array<number>(k).fill(1)),
  };
}

/** `{ agreement }` when some case has two valid answers (never for a variant whose answers all failed). */
function agreementOf(
  run: RunColumns,
  v: VariantColumns,
  options: BootstrapOptions,
): { agreement?: Agreement } {
  if (!v.sample.some((s) => s > 0)) return {};
  const a = agreement(run, v, options);
  return a.cases > 0 ? { agreement: a } : {};
}

/** Agreement between the valid answers of each case (cases with at least two of them). */
export function agreement(run: RunColumns, v: VariantColumns, options: BootstrapOptions = {}): Agreement {
  // The valid rows grouped by case, cases in order of their first valid row, rows in order within a case.
  const group = new Int32Array(run.caseIds.size).fill(-1);
  const sizes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (v.outcome[i] !== 0) continue;
    const c = v.caseIndex[i]!;
    if (group[c]! < 0) {
      group[c] = sizes.length;
      sizes.push(0);
    }
    sizes[group[c]!]++;
  }
  const start = new Int32Array(sizes.length + 1);
  for (let g = 0; g < sizes.length; g++) start[g + 1] = start[g]! + sizes[g]!;
  const members = new Int32Array(start[sizes.length]!);
  const fillAt = start.slice(0, sizes.length);
  for (let i = 0; i < v.length; i++) if (v.outcome[i] === 0) members[fillAt[group[v.caseIndex[i]!]!]!++] = i;
  const rowUsers: number[] = [];
  const values: number[] = [];
  const sds: number[] = [];
  const numeric = Boolean(getForm(run.ctx.form).numericAnswer);
  for (let g = 0; g < sizes.length; g++) {
    const m = sizes[g]!;
    if (m < 2) continue;
    const counts = new Map<number, number>();
    for (let q = start[g]!; q < start[g + 1]!; q++) {
      const key = v.answerKey[members[q]!]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let same = 0;
    for (const c of counts.values()) same += c * (c - 1);
    rowUsers.push(v.userIndex[members[start[g]!]!]!);
    values.push(same / (m * (m - 1)));
    if (numeric) {
      const vals: number[] = [];
      for (let q = start[g]!; q < start[g + 1]!; q++) {
        const x = v.numeric[members[q]!]!;
        if (!Number.isNaN(x)) vals.push(x);
      }
      if (vals.length >= 2) {
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        sds.push(Math.sqrt(vals.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (vals.length - 1)));
      }
    }
  }
  const { index, count } = rowClusters(run, Int32Array.from(rowUsers));
  const sums = new ClusterSums(count, 2);
  values.forEach((value, i) => {
    sums.add(index[i]!, 0, 1);
    sums.add(index[i]!, 1, value);
  });
  const [pairwise] = bootstrapStatistics(
    sums,
    [(t, o) => (t[o] > 0 ? t[o + 1] / t[o] : NaN)],
    values.length,
    options,
  );
  return {
    cases: values.length,
    pairwise,
    ...(numeric && sds.length ? { ratingSd: sds.reduce((a, b) => a + b, 0) / sds.length } : {}),
  };
}

/** Invalid and error outcomes counted by reason code. */
export function reasonCodes(run: RunColumns, v: VariantColumns): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < v.length; i++) {
    if (v.outcome[i] === 0) continue;
    const code = run.reasonCodes.values[v.reasonCode[i]!]!;
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}

function flagCounts(run: RunColumns, v: VariantColumns): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < v.length; i++) {
    const f = v.flags[i]!;
    if (f < 0) continue;
    for (const flag of run.flagLists.values[f]!.split('\u0000')) out[flag] = (out[flag] ?? 0) + 1;
  }
  return out;
}

function topReasons(run: RunColumns, v: VariantColumns, limit = 5): VariantSummary['reasons'] {
  const counts = new Map<number, { outcome: Outcome; reason: string; count: number }>();
  for (let i = 0; i < v.length; i++) {
    const o = v.outcome[i]!;
    if (o === 0) continue;
    const key = v.reason[i]! * 3 + o;
    const e = counts.get(key);
    if (e) e.count++;
    else counts.set(key, { outcome: OUTCOMES[o]!, reason: run.reasons.values[v.reason[i]!]!, count: 1 });
  }
  return [...counts.values()].sort((a, b) => b.count - a.count).slice(0, limit);
}

/**
 * A model answered (it has usage) and was not served from the cache, yet the line has no cost: the model has no
 * price. Baselines have no usage; a priced or cached answer has a cost (0 for the cache).
 */
export function isUnpriced(r: CaseResult): boolean {
  return r.costUsd === undefined && r.usage !== undefined && !r.cached;
}

/** Token, cost and latency totals of a variant's rows. */
export function usageSummary(v: VariantColumns): UsageSummary {
  let promptTokens = 0;
  let completionTokens = 0;
  let reasoningTokens = 0;
  let costUsd = 0;
  let unpriced = 0;
  let cached = 0;
  let attempts = 0;
  const lat: number[] = [];
  for (let i = 0; i < v.length; i++) {
    promptTokens += v.promptTokens[i]!;
    completionTokens += v.completionTokens[i]!;
    reasoningTokens += v.reasoningTokens[i]!;
    costUsd += v.costUsd[i]!;
    if (v.usageFlags[i]! & 2) unpriced++;
    if (v.usageFlags[i]! & 1) cached++;
    attempts += v.attempts[i]!;
    if (Number.isFinite(v.latencyMs[i])) lat.push(v.latencyMs[i]!);
  }
  lat.sort((a, b) => a - b);
  return {
    promptTokens,
    completionTokens,
    reasoningTokens,
    costUsd: unpriced ? null : costUsd,
    unpriced,
    cached,
    attempts,
    latencyMs: {
      mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
      p50: quantileSorted(lat, 0.5),
      p95: quantileSorted(lat, 0.95),
      max: lat.length ? lat[lat.length - 1] : NaN,
    },
  };
}
