// Paired comparison of two sets of results (two variants of one run, or two variants of two runs) on the CASES
// they share, matched by case id. With several samples a case enters each side once, as the mean of its samples
// (the bootstrap) or their majority vote (McNemar, a tie counted wrong): samples are not independent cases.
//
// Differences are B − A ("the change from A to B"). Intervals and p-values come from a paired cluster bootstrap:
// one resample of users drives both sides, so what the two sides share cancels out. Binary and choice
// correctness also get McNemar's exact test (and its mid-p) on the discordant pairs. Observations present on one
// side only are counted and reported, never mixed in.
import { getForm } from '../forms';
import type { CaseResult, Outcome, TaskForm } from '../types';
import {
  bootstrapDetailed,
  bootstrapGeneral,
  bootstrapPValue,
  ClusterSums,
  DEFAULT_BOOTSTRAP,
  type Estimate,
} from './bootstrap';
import { latestResults, type ScoringContext } from './aggregate';
import { formScoring, type MetricDef } from './metrics';
import {
  mergeCases,
  outcomeName,
  PairTables,
  pairRunOf,
  pairVariantsOf,
  type MergedCases,
  type PairRun,
  type VariantInfo,
} from './pairing';
import { aucMannWhitney, mcnemar, sortedOrder, type McNemarResult } from './stats';

export interface PairedMetricRow {
  key: string;
  label: string;
  higherIsBetter: boolean | null;
  /** The metric on the shared cases, each side (invalid and error counted as wrong). */
  a: number;
  b: number;
  /** The same with each side's own bootstrap interval (absent where none is computed). */
  aCI?: Estimate;
  bCI?: Estimate;
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
  /** Shared cases and users; observations = A's answers (case × sample) to them. */
  shared: { observations: number; cases: number; users: number };
  /** Cases answered on one side only: left out of every figure here. */
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

export { answerText } from './pairing';

/** A case's majority vote on a 0/1 per-case value averaged over samples: a tie counts as 0 (wrong). */
const majority = (mean: number | undefined): number => (mean !== undefined && mean > 0.5 ? 1 : 0);

/**
 * Compares the results of two sides (each ONE variant's results) on their shared cases (see the file comment).
 * Labels `a` and `b` name the sides in the output.
 */
export function comparePaired(
  a: { label: string; results: CaseResult[] },
  b: { label: string; results: CaseResult[] },
  ctx: ScoringContext,
  options: CompareOptions = {},
): PairedComparison {
  const tables = new PairTables();
  const ra = pairRunOf(latestResults(a.results), ctx, tables);
  const rb = pairRunOf(latestResults(b.results), ctx, tables);
  return compareCases(
    { label: a.label, cases: mergeCases(ra, a.results[0]?.variant ?? '', ctx) },
    { label: b.label, cases: mergeCases(rb, b.results[0]?.variant ?? '', ctx) },
    ctx,
    options,
  );
}

/**
 * Dense cluster (user) numbers of cases, in user-id order (as clustersOf numbers them): the same answers give
 * the same intervals whatever order the lines were written in.
 */
function caseClusters(cases: MergedCases, rows: Int32Array): { index: Int32Array; count: number } {
  const names = cases.tables.userIds.values;
  const number = new Int32Array(names.length).fill(-1);
  const present: number[] = [];
  for (const r of rows) {
    const u = cases.user[r]!;
    if (number[u] === -1) {
      number[u] = 0;
      present.push(u);
    }
  }
  present.sort((x, y) => (names[x]! < names[y]! ? -1 : names[x]! > names[y]! ? 1 : 0));
  present.forEach((u, c) => (number[u] = c));
  const index = new Int32Array(rows.length);
  rows.forEach((r, i) => (index[i] = number[cases.user[r]!]!));
  return { index, count: present.length };
}

/**
 * comparePaired over two sides' merged cases (mergeCases of one variant each, from PairRuns sharing their
 * tables): the cases of A that B has, in A's order.
 */
export function compareCases(
  a: { label: string; cases: MergedCases },
  b: { label: string; cases: MergedCases },
  ctx: ScoringContext,
  options: CompareOptions = {},
): PairedComparison {
  const alpha = options.alpha ?? 0.05;
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
  const form = getForm(ctx.form);
  const A = a.cases;
  const B = b.cases;
  const pa: number[] = [];
  const pb: number[] = [];
  for (let j = 0; j < A.length; j++) {
    const c = A.caseIndex[j]!;
    const p = c < B.position.length ? B.position[c]! : -1;
    if (p >= 0) {
      pa.push(j);
      pb.push(p);
    }
  }
  const ia = Int32Array.from(pa);
  const ib = Int32Array.from(pb);
  pa.length = 0;
  pb.length = 0;
  const shared = ia.length;
  const onlyA = A.length - shared;
  const onlyB = B.length - shared;

  const { index, count } = caseClusters(A, ia);
  const w = fs.components.length;
  const sums = new ClusterSums(count, 2 * w);
  let probabilities = false;
  for (let s = 0; s < shared; s++) {
    const c = index[s]!;
    for (let j = 0; j < w; j++) sums.add(c, j, A.components[j]![ia[s]!]!);
    for (let j = 0; j < w; j++) sums.add(c, w + j, B.components[j]![ib[s]!]!);
  }
  for (let s = 0; s < shared && !probabilities; s++)
    probabilities = A.outcome[ia[s]!] === 0 && A.hasProb[ia[s]!] === 1;
  for (let s = 0; s < shared && !probabilities; s++)
    probabilities = B.outcome[ib[s]!] === 0 && B.hasProb[ib[s]!] === 1;
  // Valid-only figures (bias) are left out: on paired observations they would mix imputed non-answers in.
  const defs: MetricDef[] = fs.metrics.filter(
    (m) => (probabilities || !m.needsProbabilities) && !m.validOnly,
  );
  const linear = defs.filter((m) => m.stat);
  const n = shared;
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
    sides?: [Estimate, Estimate],
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
      ...(sides ? { aCI: plain(sides[0]), bCI: plain(sides[1]) } : {}),
      diff: plain(diff),
      p,
      verdict,
    };
  };
  const sides = { A, B, ia, ib, index, count };
  const rows: PairedMetricRow[] = [];
  for (const m of defs) {
    const i = linear.indexOf(m);
    if (i >= 0) {
      rows.push(
        row(m, est[3 * i].value, est[3 * i + 1].value, est[3 * i + 2], est[3 * i + 2].boots, [
          est[3 * i],
          est[3 * i + 1],
        ]),
      );
    } else if (m.general === 'auc') {
      rows.push(aucRow(m, sides, boot, row));
    }
  }
  rows.push(shareRow(sides, boot, row));

  let mc: McNemarResult | undefined;
  if (form.pairedHits) {
    let bc = 0;
    let cb = 0;
    for (let s = 0; s < shared; s++) {
      const ha = majority(A.hitShare[ia[s]!]);
      const hb = majority(B.hitShare[ib[s]!]);
      if (ha === 1 && hb === 0) bc++;
      if (ha === 0 && hb === 1) cb++;
    }
    mc = mcnemar(bc, cb);
  }

  // Changed cases, regressions first (each direction in A's order); with maxChanged only that many are kept.
  const max = options.maxChanged ?? Infinity;
  const regressedList: ChangedCase[] = [];
  const improvedList: ChangedCase[] = [];
  let improved = 0;
  let regressed = 0;
  let unchanged = 0;
  const t = A.tables;
  for (let s = 0; s < shared; s++) {
    const x = ia[s]!;
    const y = ib[s]!;
    const hitA = A.hit[x]!;
    const hitB = B.hit[y]!;
    if (hitA === hitB && A.outcome[x] === B.outcome[y]) {
      unchanged++;
      continue;
    }
    const va = A.value[x]!;
    const vb = B.value[y]!;
    const up = hitB !== hitA ? hitB > hitA : vb !== va ? vb > va : B.outcome[y] === 0;
    if (up) improved++;
    else regressed++;
    const list = up ? improvedList : regressedList;
    if (list.length >= max) continue;
    list.push({
      caseId: t.caseIds.values[A.caseIndex[x]!]!,
      sample: 0,
      user: t.userIds.values[A.user[x]!]!,
      a: { outcome: outcomeName(A.outcome[x]!), value: hitA, answer: t.answers.values[A.answer[x]!]! },
      b: { outcome: outcomeName(B.outcome[y]!), value: hitB, answer: t.answers.values[B.answer[y]!]! },
      change: up ? 'improved' : 'regressed',
    });
  }
  const changed = regressedList.concat(improvedList);
  let observations = 0;
  for (let s = 0; s < shared; s++) observations += A.samples[ia[s]!]!;
  return {
    a: a.label,
    b: b.label,
    form: ctx.form,
    headline: fs.headline,
    shared: { observations, cases: shared, users: count },
    onlyA,
    onlyB,
    metrics: rows,
    ...(mc ? { mcnemar: mc } : {}),
    changed: options.maxChanged !== undefined ? changed.slice(0, options.maxChanged) : changed,
    changes: { improved, regressed, unchanged },
  };
}

interface Sides {
  A: MergedCases;
  B: MergedCases;
  ia: Int32Array;
  ib: Int32Array;
  index: Int32Array;
  count: number;
}

type RowMaker = (
  m: MetricDef,
  a: number,
  b: number,
  diff: Estimate,
  boots: Float64Array,
  sides?: [Estimate, Estimate],
) => PairedMetricRow;

/** An estimate without its resamples (rows are JSON). */
function plain(e: Estimate): Estimate {
  return { value: e.value, lo: e.lo, hi: e.hi, n: e.n };
}

function aucRow(
  m: MetricDef,
  { A, B, ia, ib, index: cluster, count: clusters }: Sides,
  boot: typeof DEFAULT_BOOTSTRAP,
  row: RowMaker,
): PairedMetricRow {
  const side = (cases: MergedCases, rows: Int32Array) => {
    const score = Float64Array.from(rows, (r) => cases.binary[r]!);
    const positive = Uint8Array.from(rows, (r) => cases.positive[r]!);
    return { score, positive, order: sortedOrder(score) };
  };
  const SA = side(A, ia);
  const SB = side(B, ib);
  const w = new Float64Array(ia.length);
  const auc = (cw: Int32Array, s: typeof SA) => {
    for (let i = 0; i < ia.length; i++) w[i] = cw[cluster[i]!]!;
    return aucMannWhitney(s.score, s.positive, w, s.order);
  };
  const ones = new Int32Array(clusters).fill(1);
  const n = ia.length;
  const diff = bootstrapGeneral(clusters, (cw) => auc(cw, SB) - auc(cw, SA), n, boot);
  return row(m, auc(ones, SA), auc(ones, SB), diff, diff.boots);
}

/** The invalid-or-error share, compared like a metric (lower is better). */
function shareRow(
  { A, B, ia, ib, index: cluster, count: clusters }: Sides,
  boot: typeof DEFAULT_BOOTSTRAP,
  row: RowMaker,
): PairedMetricRow {
  const sums = new ClusterSums(clusters, 3);
  for (let s = 0; s < ia.length; s++) {
    sums.add(cluster[s]!, 0, 1);
    sums.add(cluster[s]!, 1, A.failShare[ia[s]!]!);
    sums.add(cluster[s]!, 2, B.failShare[ib[s]!]!);
  }
  const n = ia.length;
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
  return row(def, ea.value, eb.value, d, d.boots, [ea, eb]);
}

export interface RunComparison {
  a: string;
  b: string;
  /** Paired variants: `a` and `b` are the variant ids of each pair (equal when the same variant is in both). */
  variants: PairedComparison[];
  /** Variants of one run that no variant of the other was paired with. */
  onlyA: string[];
  onlyB: string[];
  /** Things a reader must know: the runs' cases differ (dataset, seed, split…), ambiguous pairings. */
  warnings: string[];
  /** Set when the two runs are the titled and the knowledge-probe version of the same cases. */
  probe?: { titled: 'a' | 'b' };
}

export type { VariantInfo } from './pairing';

/** The variants of a set of results, in order of first appearance. */
export function variantsOf(results: CaseResult[]): VariantInfo[] {
  const seen = new Map<string, VariantInfo>();
  for (const r of results)
    if (!seen.has(r.variant))
      seen.set(r.variant, {
        id: r.variant,
        model: r.model,
        template: r.template,
        kind: r.template === null || r.variant.startsWith('baseline:') ? 'baseline' : 'llm',
      });
  return [...seen.values()];
}

/**
 * The variant a user means by `spec` in one run: a variant id (`x` accepted for `×`), a model id (when that
 * model has one variant there), or a baseline name without its `baseline:` prefix. Throws, listing the choices.
 */
export function resolveVariant(spec: string, variants: VariantInfo[], run: string): string {
  const s = spec.trim();
  const exact = variants.find((v) => v.id === s);
  if (exact) return exact.id;
  const loose = (x: string) => x.replace(/×/g, 'x').toLowerCase();
  const byId = variants.filter((v) => loose(v.id) === loose(s) || v.id === `baseline:${s}`);
  if (byId.length === 1) return byId[0].id;
  const byModel = variants.filter((v) => v.kind === 'llm' && v.model === s);
  if (byModel.length === 1) return byModel[0].id;
  const known = variants.map((v) => v.id).join(', ');
  if (byModel.length > 1)
    throw new Error(
      `model "${s}" has ${byModel.length} variants in ${run} (${byModel.map((v) => v.id).join(', ')}): name one`,
    );
  throw new Error(`no variant or model "${s}" in ${run} (it has: ${known})`);
}

/**
 * Which variant of A goes with which of B. With `pairs`: those, plus (two runs) the same id on both sides for
 * the variants they do not name. Without `pairs`: the same variant id on both sides (baselines, the
 * same model and template); then the LLM variants left, per template when each side has exactly one for it
 * (two models run through the same prompt); then, when exactly one LLM variant is left on each side, those two.
 */
export function pairVariants(
  va: VariantInfo[],
  vb: VariantInfo[],
  pairs?: { a: string; b: string }[],
  names: { a: string; b: string } = { a: 'A', b: 'B' },
): { pairs: { a: string; b: string }[]; onlyA: string[]; onlyB: string[] } {
  if (pairs?.length) {
    const out = pairs.map((p) => ({
      a: resolveVariant(p.a, va, names.a),
      b: resolveVariant(p.b, vb, names.b),
    }));
    // Two runs: the variants not named keep their same-id partner (the baselines stay compared).
    if (names.a !== names.b) {
      const idsB = new Set(vb.map((v) => v.id));
      for (const v of va)
        if (idsB.has(v.id) && !out.some((p) => p.a === v.id || p.b === v.id)) out.push({ a: v.id, b: v.id });
    }
    // One run: a variant named on either side is compared; the ones left out are listed once, under A.
    if (names.a === names.b) {
      const named = new Set(out.flatMap((p) => [p.a, p.b]));
      return { pairs: out, onlyA: va.map((v) => v.id).filter((id) => !named.has(id)), onlyB: [] };
    }
    return {
      pairs: out,
      onlyA: va.map((v) => v.id).filter((id) => !out.some((p) => p.a === id)),
      onlyB: vb.map((v) => v.id).filter((id) => !out.some((p) => p.b === id)),
    };
  }
  const idsB = new Set(vb.map((v) => v.id));
  const out = va.filter((v) => idsB.has(v.id)).map((v) => ({ a: v.id, b: v.id }));
  const taken = new Set(out.map((p) => p.a));
  let restA = va.filter((v) => v.kind === 'llm' && !taken.has(v.id));
  let restB = vb.filter((v) => v.kind === 'llm' && !taken.has(v.id));
  for (const t of new Set(restA.map((v) => v.template))) {
    const x = restA.filter((v) => v.template === t);
    const y = restB.filter((v) => v.template === t);
    if (x.length === 1 && y.length === 1) out.push({ a: x[0].id, b: y[0].id });
  }
  restA = restA.filter((v) => !out.some((p) => p.a === v.id));
  restB = restB.filter((v) => !out.some((p) => p.b === v.id));
  if (restA.length === 1 && restB.length === 1) out.push({ a: restA[0].id, b: restB[0].id });
  const order = va.map((v) => v.id);
  out.sort((x, y) => order.indexOf(x.a) - order.indexOf(y.a));
  return {
    pairs: out,
    onlyA: va.map((v) => v.id).filter((id) => !out.some((p) => p.a === id)),
    onlyB: vb.map((v) => v.id).filter((id) => !out.some((p) => p.b === id)),
  };
}

/** compareRuns' options: which variants to pair (default: pairVariants), and warnings to carry. */
export type RunCompareOptions = CompareOptions & {
  pair?: { a: string; b: string };
  pairs?: { a: string; b: string }[];
  warnings?: string[];
};

/**
 * Compares the paired variants of two runs (pairVariants), or with `pairs` the named ones (two models of one
 * run: pass the same results twice). `warnings` (e.g. caseDifferences of the manifests) are carried into the
 * result. An unknown variant throws.
 */
export function compareRuns(
  a: { label: string; results: CaseResult[] },
  b: { label: string; results: CaseResult[] },
  ctx: ScoringContext,
  options: RunCompareOptions = {},
): RunComparison {
  const tables = new PairTables();
  const ra = pairRunOf(a.results, ctx, tables);
  const rb = b.results === a.results ? ra : pairRunOf(b.results, ctx, tables);
  return comparePairRuns({ label: a.label, run: ra }, { label: b.label, run: rb }, ctx, options);
}

/**
 * compareRuns over two runs read for pairing (PairRuns sharing their tables: `readPairRuns`, or the same run
 * twice to compare two of its variants).
 */
export function comparePairRuns(
  a: { label: string; run: PairRun },
  b: { label: string; run: PairRun },
  ctx: ScoringContext,
  options: RunCompareOptions = {},
): RunComparison {
  const requested = options.pairs ?? (options.pair ? [options.pair] : undefined);
  const paired = pairVariants(pairVariantsOf(a.run), pairVariantsOf(b.run), requested, {
    a: a.label,
    b: b.label,
  });
  const warnings = [...(options.warnings ?? [])];
  const variants = paired.pairs.map((p) => {
    const cmp = compareCases(
      { label: p.a, cases: mergeCases(a.run, p.a, ctx) },
      { label: p.b, cases: mergeCases(b.run, p.b, ctx) },
      ctx,
      options,
    );
    if (cmp.shared.cases === 0)
      warnings.push(`${pairName(cmp)}: no case id is in both runs, so nothing could be paired`);
    return cmp;
  });
  return { a: a.label, b: b.label, variants, onlyA: paired.onlyA, onlyB: paired.onlyB, warnings };
}

/** "v" when both sides are the same variant, else "a → b". */
export function pairName(v: { a: string; b: string }): string {
  return v.a === v.b ? v.a : `${v.a} → ${v.b}`;
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
  const known = [...new Set(cmp.variants.flatMap((v) => v.metrics.map((m) => m.key)))];
  const lower = new Map(known.map((k) => [k.toLowerCase(), k]));
  // The metrics asked for, as the rows name them (HR@1 is a choice's accuracy); an unknown one throws, so a
  // regression gate never passes for want of a metric to look at.
  const wanted = (metrics ?? []).map((m) => {
    const key =
      lower.get(m.toLowerCase()) ?? (m.toLowerCase() === 'hr@1' ? lower.get('accuracy') : undefined);
    if (!key && cmp.variants.length)
      throw new Error(`unknown metric "${m}" for these runs (known: ${known.join(', ')})`);
    return key ?? m;
  });
  for (const v of cmp.variants) {
    const keys = wanted.length ? wanted : [v.headline];
    for (const row of v.metrics) {
      if (!keys.includes(row.key) || row.verdict !== 'worse') continue;
      const variant = pairName(v);
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
