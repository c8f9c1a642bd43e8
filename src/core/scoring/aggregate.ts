// Aggregation of per-case results into per-variant metrics with bootstrap intervals.
//
// Unit of analysis: the CASE. With several samples per case, each (case, sample) is one observation weighing
// 1 / (samples present for that case), so every metric is the mean over cases of the per-case mean over samples,
// and a case with three samples counts as much as a case with one. Intervals resample USERS (clusters).
//
// Invalid and error outcomes: in `all` they are scored as wrong (scoreCase); `valid` is the same metric over
// the successful observations only. Their shares are reported beside the metrics.
import { candidateLabel, getForm, labelIndex } from '../forms';
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
  binaryScore,
  ECE_BINS,
  formScoring,
  outcomeScoring,
  type FormScoring,
  type MetricDef,
} from './metrics';
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

function weightSum(obs: Observation[]): number {
  let n = 0;
  for (const o of obs) n += o.weight;
  return n;
}

/**
 * One block of a single bootstrap pass: a form's metrics (or a subset) over the observations `filter` keeps.
 * Several parts share one set of resamples of the users, so a variant's metrics, valid-only figures, shares and
 * breakdown buckets cost one pass (see estimateParts).
 */
export interface EstimatePart {
  name: string;
  fs: FormScoring;
  metrics: MetricDef[];
  filter?: (o: Observation) => boolean;
}

/** Estimates several parts over `obs` in one cluster-bootstrap pass. Result: part name -> metric key -> estimate. */
export function estimateParts(
  obs: Observation[],
  parts: EstimatePart[],
  options: BootstrapOptions = {},
): Record<string, Record<string, Estimate>> {
  const { index, count } = clustersOf(obs);
  const offsets: number[] = [];
  let width = 0;
  for (const p of parts) {
    offsets.push(width);
    width += p.fs.components.length;
  }
  const sums = new ClusterSums(count, width);
  const n = parts.map(() => 0);
  const members = parts.map(() => [] as number[]);
  obs.forEach((o, i) => {
    const c = index[i];
    parts.forEach((p, pi) => {
      if (p.filter && !p.filter(o)) return;
      const off = offsets[pi];
      n[pi] += o.weight;
      members[pi].push(i);
      p.fs.fill(o.score, (j, v) => sums.add(c, off + j, o.weight * v), o);
    });
  });
  const stats: TotalsStatistic[] = [];
  const where: [number, string][] = [];
  parts.forEach((p, pi) => {
    const off = offsets[pi];
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
    const [pi, key] = where[i];
    out[parts[pi].name][key] = { ...e, n: n[pi] };
  });
  parts.forEach((p, pi) => {
    for (const m of p.metrics) {
      if (m.general !== 'auc') continue;
      const sub = members[pi].map((i) => obs[i]);
      const cl = Int32Array.from(members[pi], (i) => index[i]);
      out[p.name][m.key] = estimateAuc(sub, cl, count, options);
    }
  });
  return out;
}

/**
 * Estimates `metrics` (default: all of the form's) over `obs`, with cluster-bootstrap intervals. Every metric
 * uses the same resamples.
 */
export function estimateMetrics(
  obs: Observation[],
  fs: FormScoring,
  options: BootstrapOptions = {},
  metrics: MetricDef[] = fs.metrics,
): Record<string, Estimate> {
  return estimateParts(obs, [{ name: 'all', fs, metrics }], options).all;
}

/** AUC over observations, resampling users; case weights multiply the cluster multiplicities. */
function estimateAuc(
  obs: Observation[],
  cluster: Int32Array,
  clusters: number,
  options: BootstrapOptions,
): Estimate {
  const score = Float64Array.from(obs, (o) => binaryScore(o.score));
  const positive = Uint8Array.from(obs, (o) => (o.score.truth === 1 ? 1 : 0));
  const order = sortedOrder(score);
  const w = new Float64Array(obs.length);
  const { value, lo, hi, n } = bootstrapGeneral(
    clusters,
    (cw) => {
      for (let i = 0; i < obs.length; i++) w[i] = cw[cluster[i]] * obs[i].weight;
      return aucMannWhitney(score, positive, w, order);
    },
    weightSum(obs),
    options,
  );
  return { value, lo, hi, n };
}

/** The share of observations with a given outcome, with its interval. */
export function estimateShare(
  obs: Observation[],
  outcome: Outcome,
  options: BootstrapOptions = {},
): Estimate {
  const key = outcome === 'invalid' ? 'invalidShare' : outcome === 'error' ? 'errorShare' : 'successShare';
  const fs = outcomeScoring();
  return estimateParts(obs, [{ name: 's', fs, metrics: fs.metrics.filter((m) => m.key === key) }], options).s[
    key
  ];
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
export function summariseVariant(
  results: CaseResult[],
  ctx: ScoringContext,
  /** The variant's observations when the caller has them (a report reuses them for its breakdowns). */
  observations?: Observation[],
): VariantSummary {
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
  const form = getForm(ctx.form);
  const obs = observations ?? toObservations(results, ctx);
  const valid = obs.filter((o) => o.outcome === 'success');
  const probabilistic = fs.metrics.some((m) => m.needsProbabilities);
  const probabilities = probabilistic && valid.some((o) => typeof o.score.prob === 'number');
  const metrics = fs.metrics.filter((m) => probabilities || !m.needsProbabilities);
  // One bootstrap pass: every metric, the valid-only figures (the same as `all` when nothing failed) and the
  // outcome shares share their resamples of the users.
  const failures = valid.length < obs.length;
  const shares = outcomeScoring();
  const parts: EstimatePart[] = [
    { name: 'all', fs, metrics },
    { name: 'shares', fs: shares, metrics: shares.metrics.filter((m) => m.key !== 'successShare') },
  ];
  if (failures) parts.push({ name: 'valid', fs, metrics, filter: (o) => o.outcome === 'success' });
  const est = estimateParts(obs, parts, boot);
  const all = est.all;
  const val = failures ? est.valid : all;
  const first = results[0];
  // Deduplicated results with no sample above 0 are one per case.
  const cases = results.some((r) => r.sample !== 0)
    ? new Set(results.map((r) => r.caseId)).size
    : results.length;
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return {
    variant: first?.variant ?? '',
    model: first?.model ?? '',
    template: first?.template ?? null,
    kind: first && isBaseline(first.variant) ? 'baseline' : 'llm',
    counts: {
      cases,
      observations: results.length,
      users: new Set(results.map((r) => r.user)).size,
      // A loop, not Math.max(...): a million arguments overflow the call stack.
      samples: results.reduce((m, r) => Math.max(m, r.sample + 1), 0),
      success: count('success'),
      invalid: count('invalid'),
      error: count('error'),
    },
    invalidShare: est.shares.invalidShare,
    errorShare: est.shares.errorShare,
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
    ...(probabilities ? { calibration: calibrationBins(valid) } : {}),
    ...(form.candidates ? { positionBias: positionBias(obs, ctx) } : {}),
    ...agreementOf(obs, ctx.form, boot),
    reasons: topReasons(results),
    reasonCodes: reasonCodes(results),
    ...(form.flags ? { flags: flagCounts(results, form.flags) } : {}),
    usage: usageSummary(results),
  };
}

/** Reliability diagram data over valid answers with a stated probability. */
export function calibrationBins(valid: Observation[]): CalibrationBin[] {
  const bins = Array.from({ length: ECE_BINS }, (_, i) => ({ n: 0, p: 0, y: 0, i }));
  for (const o of valid) {
    if (typeof o.score.prob !== 'number') continue;
    const b = bins[Math.min(ECE_BINS - 1, Math.floor(o.score.prob * ECE_BINS))];
    b.n += o.weight;
    b.p += o.weight * o.score.prob;
    b.y += o.weight * o.score.truth;
  }
  return bins.map((b) => ({
    from: b.i / ECE_BINS,
    to: (b.i + 1) / ECE_BINS,
    n: b.n,
    meanProbability: b.n > 0 ? b.p / b.n : NaN,
    observedRate: b.n > 0 ? b.y / b.n : NaN,
  }));
}

/** The label a valid answer of a form with candidates put first, or undefined. */
function chosenLabel(o: Observation): string | undefined {
  const p = o.result.prediction;
  if (o.outcome !== 'success' || !p) return undefined;
  return getForm(p.form).candidates?.firstLabel(p);
}

/** The true item's label of a result of a form with candidates, or undefined. */
function trueLabel(r: CaseResult): string | undefined {
  return getForm(r.expected.form).candidates?.trueLabel(r.expected);
}

/** Accuracy by the true item's position and the distribution of chosen labels. */
export function positionBias(obs: Observation[], ctx: ScoringContext): PositionBias {
  let k = ctx.candidates ?? 0;
  for (const o of obs) {
    const t = trueLabel(o.result);
    if (t !== undefined) k = Math.max(k, labelIndex(t) + 1);
  }
  const n = new Array<number>(k).fill(0);
  const hits = new Array<number>(k).fill(0);
  const head = new Array<number>(k).fill(0);
  const outcome = getForm(ctx.form).caseOutcome;
  const chosen = new Array<number>(k).fill(0);
  let validTotal = 0;
  for (const o of obs) {
    const label = trueLabel(o.result);
    const t = label === undefined ? -1 : labelIndex(label);
    if (t < 0) continue;
    n[t] += o.weight;
    hits[t] += o.weight * (o.score.correct ?? o.score.hr1 ?? 0);
    head[t] += o.weight * outcome(o.score, ctx.k).value;
    const c = chosenLabel(o);
    const ci = c === undefined ? -1 : labelIndex(c);
    if (ci >= 0 && ci < k) {
      chosen[ci] += o.weight;
      validTotal += o.weight;
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

function answerKey(o: Observation, form: TaskForm): string {
  const p = o.result.prediction;
  if (o.outcome !== 'success' || !p || p.form !== form) return '\u2205';
  return getForm(form).answerKey(p);
}

/** `{ agreement }` when some case has two valid answers (never for a variant whose answers all failed). */
function agreementOf(
  obs: Observation[],
  form: TaskForm,
  options: BootstrapOptions,
): { agreement?: Agreement } {
  if (!obs.some((o) => o.sample > 0)) return {};
  const a = agreement(obs, form, options);
  return a.cases > 0 ? { agreement: a } : {};
}

/** Agreement between the valid answers of each case (cases with at least two of them). */
export function agreement(obs: Observation[], form: TaskForm, options: BootstrapOptions = {}): Agreement {
  const byCase = new Map<string, Observation[]>();
  for (const o of obs) {
    if (o.outcome !== 'success') continue;
    const list = byCase.get(o.caseId);
    if (list) list.push(o);
    else byCase.set(o.caseId, [o]);
  }
  const rows: { user: string; value: number }[] = [];
  const sds: number[] = [];
  const numeric = getForm(form).numericAnswer;
  for (const list of byCase.values()) {
    const m = list.length;
    if (m < 2) continue;
    const counts = new Map<string, number>();
    for (const o of list) {
      const key = answerKey(o, form);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let same = 0;
    for (const c of counts.values()) same += c * (c - 1);
    rows.push({ user: list[0].user, value: same / (m * (m - 1)) });
    if (numeric) {
      const vals = list.flatMap((o) =>
        o.outcome === 'success' && o.result.prediction?.form === form ? [numeric(o.result.prediction)] : [],
      );
      if (vals.length >= 2) {
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        sds.push(Math.sqrt(vals.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (vals.length - 1)));
      }
    }
  }
  const { index, count } = clustersOf(rows);
  const sums = new ClusterSums(count, 2);
  rows.forEach((r, i) => {
    sums.add(index[i], 0, 1);
    sums.add(index[i], 1, r.value);
  });
  const [pairwise] = bootstrapStatistics(
    sums,
    [(t, o) => (t[o] > 0 ? t[o + 1] / t[o] : NaN)],
    rows.length,
    options,
  );
  return {
    cases: rows.length,
    pairwise,
    ...(numeric && sds.length ? { ratingSd: sds.reduce((a, b) => a + b, 0) / sds.length } : {}),
  };
}

/** Invalid and error outcomes counted by reason code. */
export function reasonCodes(results: CaseResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    if (r.outcome === 'success') continue;
    const code = r.reasonCode ?? 'unknown';
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}

function flagCounts(
  results: CaseResult[],
  flagsOf: (p: NonNullable<CaseResult['prediction']>) => string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    if (r.outcome !== 'success' || !r.prediction) continue;
    for (const f of flagsOf(r.prediction)) out[f] = (out[f] ?? 0) + 1;
  }
  return out;
}

function topReasons(results: CaseResult[], limit = 5): VariantSummary['reasons'] {
  const counts = new Map<string, { outcome: Outcome; reason: string; count: number }>();
  for (const r of results) {
    if (r.outcome === 'success') continue;
    const reason = (r.reason ?? '(no reason given)').slice(0, 200);
    const key = `${r.outcome}\u0000${reason}`;
    const e = counts.get(key);
    if (e) e.count++;
    else counts.set(key, { outcome: r.outcome, reason, count: 1 });
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

/** Token, cost and latency totals of results. */
export function usageSummary(results: CaseResult[]): UsageSummary {
  let promptTokens = 0;
  let completionTokens = 0;
  let reasoningTokens = 0;
  let costUsd = 0;
  let unpriced = 0;
  let cached = 0;
  let attempts = 0;
  const lat: number[] = [];
  for (const r of results) {
    promptTokens += r.usage?.prompt ?? 0;
    completionTokens += r.usage?.completion ?? 0;
    reasoningTokens += r.usage?.reasoning ?? 0;
    costUsd += r.costUsd ?? 0;
    if (isUnpriced(r)) unpriced++;
    if (r.cached) cached++;
    attempts += r.attempts ?? 0;
    if (Number.isFinite(r.latencyMs)) lat.push(r.latencyMs);
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
