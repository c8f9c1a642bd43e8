// The results panel's view models, computed on the host from a run's manifest and results with the engine's
// report (buildReport), paired comparisons (comparePaired, compareRuns) and probe comparison. Pure functions of
// their inputs: no 'vscode' here, so the integration test can compare what the panel got with buildReport's.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { expectedHuman, predictedHuman } from '../caseText';
import {
  buildReport,
  failureOf,
  caseDifferences,
  comparePaired,
  getForm,
  compareRuns,
  DEFAULT_BOOTSTRAP,
  latestResults,
  listRuns,
  buildPaperTable,
  manifestCostUsd,
  memorisationBeside,
  renderTableCsv,
  renderTableLatex,
  renderTableMarkdown,
  siblingRecallRuns,
  type MemorisationRow,
  pairName,
  parseSlimLine,
  probeComparison,
  readResults,
  readRunManifest,
  RUN_RESULTS_FILE,
  scoreResult,
  scoringContext,
  toCsv,
  unitKey,
  type CaseResult,
  type Estimate,
  type PairedMetricRow,
  type Report,
  type RunComparison,
  type RunListing,
  type RunManifest,
  type ScoringContext,
  type ValueScale,
} from '../../core';
import { runCli } from '../services/cliChild';
import {
  FAILURE_EXPORT_COLUMNS,
  num,
  type BucketView,
  type ChartsView,
  type CompareView,
  type DeltaView,
  type EstimateView,
  type FailureRow,
  type MemorisationView,
  type PaperTableFormat,
  type ReferenceComparison,
  type ResultsView,
  type RunHeaderView,
  type VariantView,
} from '../../protocol/resultsPanel';

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  results: CaseResult[];
}

/** Where a failure row's full result lives: enough to find its line again. */
export interface CaseRef {
  /** The run folder, when it is not the panel's own run (compare mode: run B). */
  dir?: string;
  caseId: string;
  variant: string;
  sample: number;
}

export function estimateView(e: Estimate | undefined): EstimateView {
  return e
    ? { value: num(e.value), lo: num(e.lo), hi: num(e.hi), n: e.n }
    : { value: null, lo: null, hi: null, n: 0 };
}

// The slim line parser moved to the engine (the compact results model reads lines back with it).
export { parseSlimLine, RAW_KEEP, slim } from '../../core';

/**
 * Reads a run folder like readRun (the last line per unit, in first-seen order; a torn last line ignored;
 * unreadable lines skipped), keeping slim results: see parseSlimLine.
 */
export async function readSlimRun(dir: string): Promise<LoadedRun & { bytes: number }> {
  const manifest = readRunManifest(dir);
  const byKey = new Map<string, CaseResult>();
  // The engine's one streaming reader, with the slim parser.
  const scan = await readResults(
    path.join(dir, RUN_RESULTS_FILE),
    (r) => byKey.set(unitKey(r.caseId, r.variant, r.sample), r),
    { parse: parseSlimLine },
  );
  const bytes = scan.validBytes;
  return { dir: path.resolve(dir), manifest, results: [...byKey.values()], bytes };
}

/** The run's report, as `ubp report --json` computes it (default bootstrap; memorisation from memorisationOf). */
export function reportOf(run: LoadedRun, memorisation: MemorisationRow[] = []): Report {
  return buildReport(run.manifest, run.results, {
    dir: run.dir,
    ...(memorisation.length ? { memorisation } : {}),
  });
}

/**
 * The same report's point estimates only (one bootstrap resample: the values are computed from the totals, so
 * they equal the full report's; the intervals are meaningless and dropped from the view).
 */
export function quickReportOf(run: LoadedRun, memorisation: MemorisationRow[] = []): Report {
  return buildReport(run.manifest, run.results, {
    dir: run.dir,
    bootstrap: { resamples: 1 },
    ...(memorisation.length ? { memorisation } : {}),
  });
}

/**
 * Each model's recall rate from the recall runs beside this run (same runs folder and data set), as
 * `ubp report` finds them; empty when there are none.
 */
export async function memorisationOf(run: Pick<LoadedRun, 'dir' | 'manifest'>): Promise<MemorisationRow[]> {
  return memorisationBeside(run.manifest, await siblingRecallRuns(run.dir, run.manifest));
}

function memorisationView(m: MemorisationRow): MemorisationView {
  return {
    model: m.model,
    run: m.run,
    dataset: m.dataset,
    items: m.items,
    exact: estimateView(m.exact),
    ...(m.partial ? { partial: estimateView(m.partial) } : {}),
    failShare: num(m.failShare),
    note: m.note,
  };
}

/** Runs above this many results get their full report from a child process (`ubp report --json`). */
export const OFF_THREAD_RESULTS = 4000;

/**
 * Every variant of a big run against `reference` from `ubp compare <dir> --pair <reference>=<variant>… --json` in
 * a child process (the same paired bootstrap as referenceComparison, with the CLI's 1,000 resamples).
 */
export async function cliReferenceComparison(
  cliPath: string,
  dir: string,
  reference: string,
  variants: readonly string[],
  signal?: AbortSignal,
): Promise<ReferenceComparison> {
  const others = variants.filter((v) => v !== reference);
  if (!variants.includes(reference)) throw new Error(`no variant "${reference}" in this run`);
  if (!others.length) return { reference, resamples: DEFAULT_BOOTSTRAP.resamples, deltas: [] };
  const args = referenceCompareArgs(dir, reference, variants);
  return referenceFromComparison(
    reference,
    JSON.parse(await runCli(cliPath, args, dir, signal)) as RunComparison,
  );
}

/** The reference comparison of `ubp compare <run> --pair <reference>=<variant>…`'s pairs (B − reference). */
export function referenceFromComparison(reference: string, cmp: RunComparison): ReferenceComparison {
  const deltas: DeltaView[] = [];
  for (const pc of cmp.variants) for (const row of pc.metrics) deltas.push(deltaOf(pc.b, row));
  return { reference, resamples: DEFAULT_BOOTSTRAP.resamples, deltas };
}

/** The arguments of `ubp compare` for every variant against `reference` in one run (no changed-case list). */
export function referenceCompareArgs(dir: string, reference: string, variants: readonly string[]): string[] {
  const others = variants.filter((v) => v !== reference);
  return [
    'compare',
    dir,
    ...others.flatMap((v) => ['--pair', `${reference}=${v}`]),
    '--max-changed',
    '0',
    '--json',
  ];
}

function taskOf(manifest: RunManifest): Record<string, unknown> {
  return ((manifest.config as { task?: Record<string, unknown> } | undefined)?.task ?? {}) as Record<
    string,
    unknown
  >;
}

/** What a view needs beyond the report: distinct users and (rating runs) the confusion matrix. */
export interface RunFacts {
  users: number;
  confusion?: ChartsView['confusion'];
}

/** Distinct users of some results. */
export function usersOf(results: readonly CaseResult[]): number {
  const users = new Set<string>();
  for (const r of results) users.add(r.user);
  return users.size;
}

/** The facts of a run held in memory (a big run's compact model counts them itself). */
export function factsOf(run: LoadedRun, report: Report): RunFacts {
  return {
    users: usersOf(run.results),
    ...(report.run.form === 'rating'
      ? {
          confusion: confusionOf(
            run.results,
            run.manifest.dataset.scale,
            report.variants.map((v) => v.variant),
          ),
        }
      : {}),
  };
}

export function headerView(
  run: Pick<LoadedRun, 'dir' | 'manifest'>,
  report: Report,
  users: number,
): RunHeaderView {
  const m = run.manifest;
  const llms = m.variants.filter((v) => v.kind === 'llm');
  return {
    dir: run.dir,
    runId: m.id,
    name: m.name,
    dataset: m.dataset.name,
    form: m.dataset.form,
    probe: report.run.probe,
    protocol: report.run.protocol,
    users,
    cases: m.cases,
    models: [...new Set(llms.map((v) => v.model))],
    templates: [...new Set(llms.map((v) => v.template).filter((t): t is string => t !== null))],
    variants: m.variants.length || report.variants.length,
    status: m.status,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt ?? null,
    durationMs: report.run.durationMs ?? null,
    promptTokens: report.totals.promptTokens,
    completionTokens: report.totals.completionTokens,
    reasoningTokens: report.totals.reasoningTokens,
    costUsd: report.totals.costUsd,
    done: report.run.finishedUnits,
    total: report.run.units,
  };
}

/** A header from the manifest alone (users as configured; tokens and cost as the runner counted them). */
export function manifestHeaderView(dir: string, m: RunManifest): RunHeaderView {
  const llms = m.variants.filter((v) => v.kind === 'llm');
  const task = taskOf(m);
  const t = m.totals;
  const ended = m.finishedAt ? Date.parse(m.finishedAt) : NaN;
  return {
    dir,
    runId: m.id,
    name: m.name,
    dataset: m.dataset.name,
    form: m.dataset.form,
    probe: Boolean(task.probe),
    users: typeof task.users === 'number' ? task.users : 0,
    cases: m.cases,
    models: [...new Set(llms.map((v) => v.model))],
    templates: [...new Set(llms.map((v) => v.template).filter((x): x is string => x !== null))],
    variants: m.variants.length,
    status: m.status,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt ?? null,
    durationMs: Number.isFinite(ended) ? ended - Date.parse(m.startedAt) : null,
    promptTokens: t?.promptTokens ?? 0,
    completionTokens: t?.completionTokens ?? 0,
    reasoningTokens: t?.reasoningTokens ?? 0,
    costUsd: t ? manifestCostUsd(m) : 0,
    done: t ? t.success + t.invalid + t.error : 0,
    total: t?.units ?? 0,
  };
}

function variantView(v: Report['variants'][number]): VariantView {
  const metrics: VariantView['metrics'] = {};
  for (const row of v.metrics)
    metrics[row.key] = { all: estimateView(row.all), valid: estimateView(row.valid) };
  return {
    id: v.variant,
    model: v.model,
    template: v.template,
    kind: v.kind,
    counts: {
      cases: v.counts.cases,
      observations: v.counts.observations,
      users: v.counts.users,
      success: v.counts.success,
      invalid: v.counts.invalid,
      error: v.counts.error,
    },
    metrics,
    invalidShare: estimateView(v.invalidShare),
    errorShare: estimateView(v.errorShare),
    costUsd: v.usage.costUsd,
    latencyP50: num(v.usage.latencyMs.p50),
  };
}

/** Breakdown buckets of every variant, aligned by bucket key in first-seen order. */
function buckets(report: Report, pick: 'historyLength' | 'popularity'): BucketView[] {
  const order: { key: string; label: string }[] = [];
  for (const v of report.variants) {
    for (const b of v.breakdowns[pick]) {
      // Popularity labels carry the variant's own range; the key (tail, torso, head) is what aligns.
      if (!order.some((o) => o.key === b.key))
        order.push({ key: b.key, label: pick === 'popularity' ? b.key.split(':')[1] : b.label });
    }
  }
  return order.map(({ key, label }) => ({
    label,
    values: report.variants.flatMap((v) => {
      const b = v.breakdowns[pick].find((x) => x.key === key);
      return b ? [{ variant: v.variant, estimate: estimateView(b.value) }] : [];
    }),
  }));
}

/** The rating scale's star values, e.g. 0.5, 1, …, 5. */
export function starsOf(scale: ValueScale | null, results: CaseResult[] = []): number[] {
  if (scale && scale.step > 0) {
    const out: number[] = [];
    for (let s = scale.min; s <= scale.max + 1e-9; s += scale.step) out.push(Math.round(s * 1000) / 1000);
    if (out.length <= 20) return out;
  }
  const seen = new Set<number>();
  for (const r of results) if (r.expected.form === 'rating') seen.add(r.expected.value);
  return [...seen].sort((a, b) => a - b);
}

function nearest(stars: number[], x: number): number {
  let best = 0;
  for (let i = 1; i < stars.length; i++) if (Math.abs(stars[i] - x) < Math.abs(stars[best] - x)) best = i;
  return best;
}

/** Counts of true against predicted stars (valid answers), per variant. */
export function confusionOf(
  results: CaseResult[],
  scale: ValueScale | null,
  variants: string[],
): ChartsView['confusion'] {
  const stars = starsOf(scale, results);
  if (!stars.length) return undefined;
  const byVariant = variants.map((variant) => ({ variant, counts: stars.map(() => stars.map(() => 0)) }));
  const index = new Map(byVariant.map((v, i) => [v.variant, i]));
  for (const r of results) {
    const i = index.get(r.variant);
    if (
      i === undefined ||
      r.outcome !== 'success' ||
      r.prediction?.form !== 'rating' ||
      r.expected.form !== 'rating'
    )
      continue;
    byVariant[i].counts[nearest(stars, r.expected.value)][nearest(stars, r.prediction.value)]++;
  }
  return { stars, byVariant };
}

export function chartsOf(report: Report, confusion?: ChartsView['confusion']): ChartsView {
  const charts: ChartsView = {
    history: buckets(report, 'historyLength'),
    popularity: buckets(report, 'popularity'),
  };
  if (report.run.form === 'rating' && confusion) {
    // The compact model counts variants in first-seen order: align with the report's.
    const byId = new Map(confusion.byVariant.map((v) => [v.variant, v]));
    charts.confusion = {
      stars: confusion.stars,
      byVariant: report.variants.map(
        (v) =>
          byId.get(v.variant) ?? {
            variant: v.variant,
            counts: confusion.stars.map(() => confusion.stars.map(() => 0)),
          },
      ),
    };
  }
  const withBias = report.variants.filter((v) => v.positionBias);
  if (withBias.length) {
    const labels = withBias[0].positionBias!.positions.map((p) => p.label);
    charts.position = {
      labels,
      byVariant: withBias.map((v) => ({
        variant: v.variant,
        accuracy: labels.map((l) => num(v.positionBias!.positions.find((p) => p.label === l)?.accuracy)),
        chosenShare: labels.map((l) =>
          num(v.positionBias!.positions.find((p) => p.label === l)?.chosenShare),
        ),
        p: num(v.positionBias!.test.p),
      })),
    };
  }
  return charts;
}

export function resultsView(
  run: LoadedRun | Pick<LoadedRun, 'dir' | 'manifest'>,
  report: Report,
  timing: { openedAt: number; computeMs: number },
  live: boolean,
  intervals = true,
  facts: RunFacts = factsOf(run as LoadedRun, report),
): ResultsView {
  const view: ResultsView = {
    header: headerView(run, report, facts.users),
    headline: report.headline.key,
    metrics: report.metrics.map((m) => ({
      key: m.key,
      label: m.label,
      higherIsBetter: m.higherIsBetter,
      description: m.description,
    })),
    variants: report.variants.map(variantView),
    charts: chartsOf(report, facts.confusion),
    live,
    intervals,
    notes: report.notes ?? [],
    computeMs: timing.computeMs,
    openedAt: timing.openedAt,
    ...(report.memorisation?.length ? { memorisation: report.memorisation.map(memorisationView) } : {}),
  };
  return intervals ? view : withoutIntervals(view);
}

/** Drops the bounds of every estimate (a quick report's intervals are meaningless). */
function withoutIntervals(view: ResultsView): ResultsView {
  const strip = (e: EstimateView): EstimateView => ({ ...e, lo: null, hi: null });
  for (const v of view.variants) {
    for (const m of Object.values(v.metrics)) {
      m.all = strip(m.all);
      m.valid = strip(m.valid);
    }
    v.invalidShare = strip(v.invalidShare);
    v.errorShare = strip(v.errorShare);
  }
  for (const b of [...view.charts.history, ...view.charts.popularity])
    for (const x of b.values) x.estimate = strip(x.estimate);
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// Failed predictions

/** The target's title when the result carries one (an optional field some runners add). */
function titleOf(r: CaseResult): string {
  const t =
    (r as CaseResult & { target?: { title?: unknown }; title?: unknown }).target?.title ??
    (r as { title?: unknown }).title;
  return typeof t === 'string' ? t : '';
}

/**
 * Every failed result (wrong by the form's per-case indicator, invalid or error: the engine's failureOf), with the
 * size of its error: rating |pred − truth|, binary |p − truth| with a stated probability (else 1), choice 1,
 * ranking rank − 1. Expected and predicted read in human terms; a baseline's answer is its prediction (its raw
 * text is internal). `refs` receives each row's handle.
 */
export function failureRows(
  results: readonly CaseResult[],
  ctx: ScoringContext,
  refs: CaseRef[],
  refOf?: (i: number) => number,
): FailureRow[] {
  const rows: FailureRow[] = [];
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const kind = failureOf(r, ctx);
    if (!kind) continue;
    const error = kind === 'wrong' ? getForm(ctx.form).caseOutcome(scoreResult(r, ctx), ctx.k).error : 1e9;
    const human = { target: r.target, scale: ctx.scale };
    const predicted =
      r.outcome === 'success' && r.prediction ? predictedHuman(r.prediction, human).replace(/\n/g, ' ') : '';
    const ref = refOf ? refOf(i) : refs.push({ caseId: r.caseId, variant: r.variant, sample: r.sample }) - 1;
    rows.push({
      ref,
      caseId: r.caseId,
      variant: r.variant,
      sample: r.sample,
      user: r.user,
      outcome: kind,
      error,
      expected: expectedHuman(r.expected, human),
      predicted,
      answer: r.template === null ? predicted : (r.raw ?? '').slice(0, 400),
      reason: (r.reason ?? '').slice(0, 300),
      title: titleOf(r).slice(0, 200),
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Comparisons

function deltaOf(variant: string, row: PairedMetricRow): DeltaView {
  return {
    variant,
    metric: row.key === 'failShare' ? 'failShare' : row.key,
    delta: estimateView(row.diff),
    p: num(row.p),
    significant: row.verdict !== 'same',
    better: row.verdict === 'better',
  };
}

/**
 * Resamples for in-process paired comparisons: the report's default up to about 10,000 observations, fewer above
 * (never under 200), so a comparison of a very large run blocks the host for about a second at most.
 */
export function comparisonResamples(observations: number): number {
  return Math.max(200, Math.min(DEFAULT_BOOTSTRAP.resamples, Math.floor(2e7 / Math.max(1, observations))));
}

/** Every variant against `reference` (same run), paired on their shared cases: B − reference. */
export function referenceComparison(run: LoadedRun, reference: string): ReferenceComparison {
  const resamples = comparisonResamples(run.results.length);
  const ctx = scoringContext(run.manifest, { bootstrap: { resamples } });
  const latest = latestResults(run.results);
  const byVariant = new Map<string, CaseResult[]>();
  for (const r of latest) {
    const list = byVariant.get(r.variant);
    if (list) list.push(r);
    else byVariant.set(r.variant, [r]);
  }
  const ref = byVariant.get(reference);
  if (!ref) throw new Error(`no variant "${reference}" in this run`);
  const deltas: DeltaView[] = [];
  for (const [variant, rs] of byVariant) {
    if (variant === reference) continue;
    const cmp = comparePaired({ label: reference, results: ref }, { label: variant, results: rs }, ctx, {
      maxChanged: 0,
    });
    for (const row of cmp.metrics) deltas.push(deltaOf(variant, row));
  }
  return { reference, resamples, deltas };
}

/** Run B against run A in process (small runs); large runs use cliCompare and compareViewOf. */
export function compareInProcess(a: LoadedRun, b: LoadedRun): RunComparison {
  if (a.manifest.dataset.form !== b.manifest.dataset.form) {
    throw new Error(`cannot compare a ${a.manifest.dataset.form} run with a ${b.manifest.dataset.form} run`);
  }
  return compareRuns(
    { label: a.manifest.id, results: a.results },
    { label: b.manifest.id, results: b.results },
    scoringContext(a.manifest),
    { warnings: caseDifferences(a.manifest, b.manifest) },
  );
}

/** The compare-mode view of a comparison labelled with the runs' ids (as `ubp compare` labels it). */
/** One side of a comparison: its results in memory, or (a big run) its distinct users counted elsewhere. */
export type RunSide = Pick<LoadedRun, 'dir' | 'manifest'> & ({ results: CaseResult[] } | { users: number });

function sideUsers(side: RunSide): number {
  return 'users' in side ? side.users : usersOf(side.results);
}

export function compareViewOf(
  cmp: RunComparison,
  a: RunSide,
  b: RunSide,
  reportA: Report,
  reportB: Report,
  timing: { openedAt: number; computeMs: number },
  refs: CaseRef[] = [],
): CompareView {
  const rows: CompareView['rows'] = [];
  const changed: FailureRow[] = [];
  for (const pc of cmp.variants) {
    // The pair's name ("v", or "a → b" for two models); a changed row opens run B's variant.
    const variant = pairName(pc);
    for (const c of pc.changed ?? []) {
      const ref = refs.push({ dir: b.dir, caseId: c.caseId, variant: pc.b, sample: c.sample }) - 1;
      changed.push({
        ref,
        caseId: c.caseId,
        variant,
        sample: c.sample,
        user: c.user,
        outcome: c.change,
        error: 0,
        expected: c.a.answer.slice(0, 300),
        predicted: c.b.answer.slice(0, 300),
        answer: '',
        reason: `${c.a.outcome} → ${c.b.outcome}`,
        title: '',
      });
    }
    for (const row of pc.metrics) {
      rows.push({
        variant,
        metric: row.key,
        // Each side's own interval when the comparison computed one; never a made-up ± 0.
        a: row.aCI ? estimateView(row.aCI) : { value: num(row.a), lo: null, hi: null, n: row.diff.n },
        b: row.bCI ? estimateView(row.bCI) : { value: num(row.b), lo: null, hi: null, n: row.diff.n },
        delta: estimateView(row.diff),
        p: num(row.p),
        paired: pc.shared.cases,
        significant: row.verdict !== 'same',
        better: row.verdict === 'better',
      });
    }
  }
  for (const variant of cmp.onlyA) rows.push(onlyRow(variant, reportA, 'a'));
  for (const variant of cmp.onlyB) rows.push(onlyRow(variant, reportB, 'b'));
  const metrics = reportA.metrics.map((m) => ({
    key: m.key,
    label: m.label,
    higherIsBetter: m.higherIsBetter,
    description: m.description,
  }));
  metrics.push({
    key: 'failShare',
    label: 'Invalid + error',
    higherIsBetter: false,
    description: 'Share of answers that were invalid or failed',
  });
  return {
    a: headerView(a, reportA, sideUsers(a)),
    b: headerView(b, reportB, sideUsers(b)),
    warnings: cmp.warnings ?? [],
    headline: reportA.headline.key,
    metrics,
    rows,
    changed,
    computeMs: timing.computeMs,
    openedAt: timing.openedAt,
  };
}

function onlyRow(variant: string, report: Report, side: 'a' | 'b'): CompareView['rows'][number] {
  const v = report.variants.find((x) => x.variant === variant);
  // The quick report has no real interval (one resample): show the value alone, not "± 0.000".
  const e = {
    ...estimateView(v?.metrics.find((m) => m.key === report.headline.key)?.all),
    lo: null,
    hi: null,
  };
  return {
    variant,
    metric: report.headline.key,
    a: side === 'a' ? e : null,
    b: side === 'b' ? e : null,
    delta: null,
    p: null,
    paired: 0,
    significant: false,
    better: false,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The knowledge-probe twin

/** The store root holding `runs/`, given a run folder (`<root>/runs/<id>`). */
export function storeRootOf(runDir: string): string {
  return path.dirname(path.dirname(runDir));
}

/**
 * The newest run of the same dataset, form and task settings with the other probe setting: the titled run of a
 * probe, or the probe of a titled run. Undefined when there is none.
 */
export function findProbeTwin(
  run: LoadedRun,
  listings: RunListing[] = listRuns(storeRootOf(run.dir)),
): RunListing | undefined {
  const task = taskOf(run.manifest);
  const strip = (t: Record<string, unknown>) => JSON.stringify({ ...t, probe: undefined });
  return listings.find(
    (l) =>
      path.resolve(l.dir) !== path.resolve(run.dir) &&
      l.manifest.dataset.fingerprint === run.manifest.dataset.fingerprint &&
      l.manifest.dataset.form === run.manifest.dataset.form &&
      Boolean(taskOf(l.manifest).probe) !== Boolean(task.probe) &&
      strip(taskOf(l.manifest)) === strip(task),
  );
}

/** The probe chart's data: headline titled against probe on the shared cases, per variant. */
export function probeChart(run: LoadedRun, twin: LoadedRun): ChartsView['probe'] {
  const ctx = scoringContext(run.manifest);
  const thisIsProbe = Boolean(taskOf(run.manifest).probe);
  const titled = thisIsProbe ? twin : run;
  const probe = thisIsProbe ? run : twin;
  const cmp = probeComparison(titled.results, probe.results, ctx);
  if (!cmp.rows.length) return undefined;
  return {
    titledRun: titled.manifest.id,
    probeRun: probe.manifest.id,
    values: cmp.rows.map((r) => ({
      variant: r.variant,
      titled: num(r.titled),
      probe: num(r.probe),
      drop: estimateView(r.drop),
      p: num(r.p),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Exports

export function toJsonRows(columns: string[], rows: (string | number | null)[][]): string {
  return (
    JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))),
      null,
      2,
    ) + '\n'
  );
}

/** File extension of each paper-table format. */
export const PAPER_TABLE_EXT: Record<PaperTableFormat, string> = { md: 'md', csv: 'csv', latex: 'tex' };

/** The run's paper table as `ubp table <run> --format <format>` writes it (the engine's table, same defaults). */
export function paperTableText(runs: LoadedRun[], format: PaperTableFormat): string {
  const table = buildPaperTable(runs.map((r) => ({ manifest: r.manifest, results: r.results })));
  return format === 'csv'
    ? renderTableCsv(table)
    : format === 'latex'
      ? renderTableLatex(table)
      : renderTableMarkdown(table);
}

/**
 * Writes `total` failure rows, read a page at a time, to `file` as CSV (the engine's `toCsv`, one header) or a
 * JSON array of objects keyed by column: the export of a big run's failures table, which never holds them all.
 * Returns the rows written.
 */
export async function writeFailureRows(
  file: string,
  format: 'csv' | 'json',
  total: number,
  page: (offset: number, limit: number) => Promise<FailureRow[]>,
  pageRows = 2000,
): Promise<number> {
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  const keys = FAILURE_EXPORT_COLUMNS.map((c) => c.key);
  let n = 0;
  try {
    if (format === 'json') await write('[');
    else await write(toCsv(keys, []));
    for (let offset = 0; offset < total; offset += pageRows) {
      const rows = await page(offset, pageRows);
      if (!rows.length) break;
      const cells = rows.map((r) => FAILURE_EXPORT_COLUMNS.map((c) => c.value(r)));
      if (format === 'csv') {
        const text = toCsv(keys, cells);
        await write(text.slice(text.indexOf('\r\n') + 2)); // the header is written once, above
      } else {
        const objects = cells.map((c) => JSON.stringify(Object.fromEntries(keys.map((k, i) => [k, c[i]]))));
        await write((n === 0 ? '\n' : ',\n') + objects.join(',\n'));
      }
      n += rows.length;
    }
    if (format === 'json') await write('\n]\n');
  } finally {
    out.end();
  }
  await done;
  return n;
}
