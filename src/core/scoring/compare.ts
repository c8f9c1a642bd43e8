// Paired comparison of two sets of results (two variants of one run, or the same variant in two runs) on the
// observations they share, matched by (case id, sample).
//
// Differences are B − A ("the change from A to B"). Intervals and p-values come from a paired cluster bootstrap:
// one resample of users drives both sides, so what the two sides share cancels out. Binary and choice
// correctness also get McNemar's exact test (and its mid-p) on the discordant pairs. Observations present on one
// side only are counted and reported, never mixed in.
import { getForm, predictionText } from '../forms';
import type { CaseResult, Outcome, TaskForm } from '../types';
import {
  bootstrapDetailed,
  bootstrapGeneral,
  bootstrapPValue,
  ClusterSums,
  DEFAULT_BOOTSTRAP,
  type Estimate,
} from './bootstrap';
import {
  clustersOf,
  latestResults,
  toObservations,
  type Observation,
  type ScoringContext,
} from './aggregate';
import { binaryScore, formScoring, type MetricDef } from './metrics';
import { aucMannWhitney, mcnemar, sortedOrder, type McNemarResult } from './stats';

export interface PairedMetricRow {
  key: string;
  label: string;
  higherIsBetter: boolean | null;
  /** The metric on the shared observations, each side (invalid and error counted as wrong). */
  a: number;
  b: number;
  /** b − a with its paired-bootstrap interval. */
  diff: Estimate;
  /** Two-sided paired-bootstrap p-value for "no difference". */
  p: number;
  /** Whether B is better, worse or indistinguishable (p >= alpha or the interval holds 0). */
  verdict: 'better' | 'worse' | 'same';
}

export interface ChangedCase {
  caseId: string;
  sample: number;
  user: string;
  a: { outcome: Outcome; value: number; answer: string };
  b: { outcome: Outcome; value: number; answer: string };
  /** Per-case headline value went up (better) or down (worse) from A to B. */
  change: 'improved' | 'regressed';
}

export interface PairedComparison {
  a: string;
  b: string;
  form: TaskForm;
  headline: string;
  shared: { observations: number; cases: number; users: number };
  /** Observations (case × sample) present on one side only: left out of every figure here. */
  onlyA: number;
  onlyB: number;
  metrics: PairedMetricRow[];
  /** McNemar's test on per-case correctness (binary, choice): b = A right & B wrong, c = A wrong & B right. */
  mcnemar?: McNemarResult;
  /** Observations whose outcome or per-case correctness changed, regressions first. */
  changed: ChangedCase[];
  /** Counts of changed observations by direction. */
  changes: { improved: number; regressed: number; unchanged: number };
}

export interface CompareOptions {
  /** Significance level of the verdicts; default 0.05. */
  alpha?: number;
  /** Keep at most this many changed cases; default all. */
  maxChanged?: number;
}

/** A short text of what an observation answered, for change lists and exports. */
export function answerText(r: CaseResult): string {
  if (r.outcome !== 'success' || !r.prediction) return r.outcome;
  return predictionText(r.prediction);
}

/**
 * Compares the results of two sides (each ONE variant's results) on their shared (case, sample) pairs.
 * Labels `a` and `b` name the sides in the output.
 */
export function comparePaired(
  a: { label: string; results: CaseResult[] },
  b: { label: string; results: CaseResult[] },
  ctx: ScoringContext,
  options: CompareOptions = {},
): PairedComparison {
  const alpha = options.alpha ?? 0.05;
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
  const form = getForm(ctx.form);
  const key = (r: CaseResult) => `${r.caseId}\u0000${r.sample}`;
  const ra = latestResults(a.results);
  const rb = latestResults(b.results);
  const mapB = new Map(rb.map((r) => [key(r), r]));
  const keysA = new Set(ra.map(key));
  const sharedA = ra.filter((r) => mapB.has(key(r)));
  const sharedB = sharedA.map((r) => mapB.get(key(r))!);
  const onlyA = ra.length - sharedA.length;
  const onlyB = rb.filter((r) => !keysA.has(key(r))).length;
  // Weights come from the shared set on both sides (1 / shared samples of the case), so they match.
  const oa = toObservations(sharedA, ctx);
  const ob = toObservations(sharedB, ctx).map((o, i) => ({ ...o, user: oa[i].user }));

  const { index, count } = clustersOf(oa);
  const w = fs.components.length;
  const sums = new ClusterSums(count, 2 * w);
  oa.forEach((o, i) => {
    const c = index[i];
    fs.fill(o.score, (j, v) => sums.add(c, j, o.weight * v));
    fs.fill(ob[i].score, (j, v) => sums.add(c, w + j, ob[i].weight * v));
  });
  const probabilities = [...oa, ...ob].some(
    (o) => o.outcome === 'success' && typeof o.score.prob === 'number',
  );
  // Valid-only figures (bias) are left out: on paired observations they would mix imputed non-answers in.
  const defs: MetricDef[] = fs.metrics.filter(
    (m) => (probabilities || !m.needsProbabilities) && !m.validOnly,
  );
  const linear = defs.filter((m) => m.stat);
  const n = oa.reduce((s, o) => s + o.weight, 0);
  const stats = linear.flatMap((m) => [
    (t: Float64Array, off: number) => m.stat!(t, off),
    (t: Float64Array, off: number) => m.stat!(t, off + w),
    (t: Float64Array, off: number) => m.stat!(t, off + w) - m.stat!(t, off),
  ]);
  const est = bootstrapDetailed(sums, stats, n, boot);
  const row = (
    m: MetricDef,
    va: number,
    vb: number,
    diff: Estimate,
    boots: Float64Array,
  ): PairedMetricRow => {
    const p = bootstrapPValue(diff.value, boots);
    const significant = p < alpha && !(diff.lo <= 0 && diff.hi >= 0);
    const up = diff.value > 0 === m.higherIsBetter;
    // A figure with no better direction (bias) differs or not; it is never "better".
    const verdict = !significant || m.higherIsBetter === null ? 'same' : up ? 'better' : 'worse';
    return {
      key: m.key,
      label: m.label,
      higherIsBetter: m.higherIsBetter,
      a: va,
      b: vb,
      diff: { value: diff.value, lo: diff.lo, hi: diff.hi, n: diff.n },
      p,
      verdict,
    };
  };
  const rows: PairedMetricRow[] = [];
  for (const m of defs) {
    const i = linear.indexOf(m);
    if (i >= 0) {
      rows.push(row(m, est[3 * i].value, est[3 * i + 1].value, est[3 * i + 2], est[3 * i + 2].boots));
    } else if (m.general === 'auc') {
      rows.push(aucRow(m, oa, ob, index, count, boot, row));
    }
  }
  rows.push(shareRow(oa, ob, index, count, boot, row));

  let mc: McNemarResult | undefined;
  if (form.pairedHits) {
    let bc = 0;
    let cb = 0;
    oa.forEach((o, i) => {
      const ha = form.caseOutcome(o.score, ctx.k).hit;
      const hb = form.caseOutcome(ob[i]!.score, ctx.k).hit;
      if (ha === 1 && hb === 0) bc++;
      if (ha === 0 && hb === 1) cb++;
    });
    mc = mcnemar(bc, cb);
  }

  const changed: ChangedCase[] = [];
  let unchanged = 0;
  oa.forEach((o, i) => {
    const p = ob[i];
    const ca = form.caseOutcome(o.score, ctx.k);
    const cb = form.caseOutcome(p.score, ctx.k);
    const ia = ca.hit;
    const ib = cb.hit;
    if (ia === ib && o.outcome === p.outcome) {
      unchanged++;
      return;
    }
    const ha = ca.value;
    const hb = cb.value;
    const improved = ib !== ia ? ib > ia : hb !== ha ? hb > ha : p.outcome === 'success';
    changed.push({
      caseId: o.caseId,
      sample: o.sample,
      user: o.user,
      a: { outcome: o.outcome, value: ia, answer: answerText(o.result) },
      b: { outcome: p.outcome, value: ib, answer: answerText(p.result) },
      change: improved ? 'improved' : 'regressed',
    });
  });
  changed.sort((x, y) => (x.change === y.change ? 0 : x.change === 'regressed' ? -1 : 1));
  const improved = changed.filter((c) => c.change === 'improved').length;
  return {
    a: a.label,
    b: b.label,
    form: ctx.form,
    headline: fs.headline,
    shared: { observations: oa.length, cases: new Set(oa.map((o) => o.caseId)).size, users: count },
    onlyA,
    onlyB,
    metrics: rows,
    ...(mc ? { mcnemar: mc } : {}),
    changed: options.maxChanged !== undefined ? changed.slice(0, options.maxChanged) : changed,
    changes: { improved, regressed: changed.length - improved, unchanged },
  };
}

type RowMaker = (m: MetricDef, a: number, b: number, diff: Estimate, boots: Float64Array) => PairedMetricRow;

function aucRow(
  m: MetricDef,
  oa: Observation[],
  ob: Observation[],
  cluster: Int32Array,
  clusters: number,
  boot: typeof DEFAULT_BOOTSTRAP,
  row: RowMaker,
): PairedMetricRow {
  const side = (obs: Observation[]) => {
    const score = Float64Array.from(obs, (o) => binaryScore(o.score));
    const positive = Uint8Array.from(obs, (o) => (o.score.truth === 1 ? 1 : 0));
    return { score, positive, order: sortedOrder(score) };
  };
  const A = side(oa);
  const B = side(ob);
  const w = new Float64Array(oa.length);
  const auc = (cw: Int32Array, s: typeof A) => {
    for (let i = 0; i < oa.length; i++) w[i] = cw[cluster[i]] * oa[i].weight;
    return aucMannWhitney(s.score, s.positive, w, s.order);
  };
  const ones = new Int32Array(clusters).fill(1);
  const n = oa.reduce((s, o) => s + o.weight, 0);
  const diff = bootstrapGeneral(clusters, (cw) => auc(cw, B) - auc(cw, A), n, boot);
  return row(m, auc(ones, A), auc(ones, B), diff, diff.boots);
}

/** The invalid-or-error share, compared like a metric (lower is better). */
function shareRow(
  oa: Observation[],
  ob: Observation[],
  cluster: Int32Array,
  clusters: number,
  boot: typeof DEFAULT_BOOTSTRAP,
  row: RowMaker,
): PairedMetricRow {
  const sums = new ClusterSums(clusters, 3);
  oa.forEach((o, i) => {
    sums.add(cluster[i], 0, o.weight);
    if (o.outcome !== 'success') sums.add(cluster[i], 1, o.weight);
    if (ob[i].outcome !== 'success') sums.add(cluster[i], 2, ob[i].weight);
  });
  const n = oa.reduce((s, o) => s + o.weight, 0);
  const [ea, eb, d] = bootstrapDetailed(
    sums,
    [
      (t, o) => (t[o] > 0 ? t[o + 1] / t[o] : NaN),
      (t, o) => (t[o] > 0 ? t[o + 2] / t[o] : NaN),
      (t, o) => (t[o] > 0 ? (t[o + 2] - t[o + 1]) / t[o] : NaN),
    ],
    n,
    boot,
  );
  const def: MetricDef = {
    key: 'failShare',
    label: 'Invalid + error',
    higherIsBetter: false,
    description: 'Share of answers that were invalid or failed',
  };
  return row(def, ea.value, eb.value, d, d.boots);
}

export interface RunComparison {
  a: string;
  b: string;
  /** Variants in both runs, compared pairwise. */
  variants: PairedComparison[];
  /** Variants present in one run only. */
  onlyA: string[];
  onlyB: string[];
  /** Set when the two runs are the titled and the knowledge-probe version of the same cases. */
  probe?: { titled: 'a' | 'b' };
}

/**
 * Compares every variant present in both runs' results (matched by variant id), or with `pair` one variant of
 * A against one of B (two models of one run: pass the same results twice). An unknown variant throws.
 */
export function compareRuns(
  a: { label: string; results: CaseResult[] },
  b: { label: string; results: CaseResult[] },
  ctx: ScoringContext,
  options: CompareOptions & { pair?: { a: string; b: string } } = {},
): RunComparison {
  const variants = (rs: CaseResult[]) => [...new Set(rs.map((r) => r.variant))];
  const va = variants(a.results);
  const vb = new Set(variants(b.results));
  if (options.pair) {
    const { pair } = options;
    if (!va.includes(pair.a))
      throw new Error(`no variant "${pair.a}" in ${a.label} (it has: ${va.join(', ')})`);
    if (!vb.has(pair.b))
      throw new Error(`no variant "${pair.b}" in ${b.label} (it has: ${[...vb].join(', ')})`);
    return {
      a: a.label,
      b: b.label,
      variants: [
        comparePaired(
          { label: `${a.label}:${pair.a}`, results: a.results.filter((r) => r.variant === pair.a) },
          { label: `${b.label}:${pair.b}`, results: b.results.filter((r) => r.variant === pair.b) },
          ctx,
          options,
        ),
      ],
      onlyA: [],
      onlyB: [],
    };
  }
  const both = va.filter((v) => vb.has(v));
  return {
    a: a.label,
    b: b.label,
    variants: both.map((v) =>
      comparePaired(
        { label: `${a.label}:${v}`, results: a.results.filter((r) => r.variant === v) },
        { label: `${b.label}:${v}`, results: b.results.filter((r) => r.variant === v) },
        ctx,
        options,
      ),
    ),
    onlyA: va.filter((v) => !vb.has(v)),
    onlyB: [...vb].filter((v) => !va.includes(v)),
  };
}

export interface Regression {
  variant: string;
  metric: string;
  a: number;
  b: number;
  diff: Estimate;
  p: number;
  message: string;
}

/**
 * Significant regressions from A to B: the headline metric (or `metrics`) worse in B with p < alpha and an
 * interval that excludes 0 (the verdict computed by comparePaired).
 */
export function findRegressions(cmp: RunComparison, metrics?: string[]): Regression[] {
  const out: Regression[] = [];
  for (const v of cmp.variants) {
    const keys = metrics?.length ? metrics : [v.headline];
    for (const row of v.metrics) {
      if (!keys.includes(row.key) || row.verdict !== 'worse') continue;
      const variant = v.a.slice(cmp.a.length + 1);
      out.push({
        variant,
        metric: row.key,
        a: row.a,
        b: row.b,
        diff: row.diff,
        p: row.p,
        message:
          `${variant}: ${row.label} ${fmt(row.a)} → ${fmt(row.b)} ` +
          `(Δ ${fmt(row.diff.value)}, 95% CI [${fmt(row.diff.lo)}, ${fmt(row.diff.hi)}], p = ${fmtP(row.p)})`,
      });
    }
  }
  return out;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const fmtP = (p: number) => (p < 0.001 ? '< 0.001' : p.toFixed(3));
