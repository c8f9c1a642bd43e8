// A run's report: one JSON-able object with everything the CLI tables and the extension's results panel show
// (header, per-variant metrics with intervals, breakdowns, position bias, calibration, cost, tokens, time).
import { forms, getForm, hasForm } from '../forms';
import { candidatesOf } from '../config';
import type { CaseResult, TaskForm, ValueScale } from '../types';
import { skippedRowsLine, type SkippedRows } from '../dataset/errors';
import type { RunManifest, ScanResult } from '../run/store';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions, type Estimate } from './bootstrap';
import {
  estimateColumnParts,
  groupByVariant,
  latestResults,
  summariseColumns,
  summaryParts,
  type ScoringContext,
  type VariantSummary,
} from './aggregate';
import { resultColumns, type RunColumns } from './columns';
import {
  breakdownParts,
  breakdowns,
  popularityThresholdsOf,
  probeComparison,
  type ProbeComparison,
  type VariantBreakdowns,
} from './breakdown';
import { compareCases } from './compare';
import { mergeCases, PairTables, pairRunOf, type MergedCases } from './pairing';
import type { MemorisationRow } from './memorisation';
import { normaliseMetricKey } from './metrics';
import { runProtocol, type ReportSplit, type SampledMetrics } from './protocol';

export const REPORT_SCHEMA = 'ubp-report/1';

export interface MetricInfo {
  key: string;
  label: string;
  /** null: a signed figure with no better direction (bias). */
  higherIsBetter: boolean | null;
  description: string;
}

export interface VariantReport extends VariantSummary {
  breakdowns: VariantBreakdowns;
  /**
   * LLM variants: the headline against the best baseline (by headline) on their shared cases, paired: B − A
   * with A the baseline, so a positive difference means the model beats it when higher is better.
   */
  vsBestBaseline?: { baseline: string; diff: Estimate; p: number; verdict: 'better' | 'worse' | 'same' };
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  generatedAt: string;
  run: {
    id: string;
    name: string;
    dir?: string;
    status: string;
    form: TaskForm;
    dataset: {
      name: string;
      path: string;
      scale: ValueScale | null;
      /** Malformed rows the load skipped (count and first few); absent when none. */
      skippedRows?: SkippedRows;
    };
    /** Cut-off of HR@k / NDCG@k. */
    k: number;
    candidates?: number;
    /** Samples per case asked for (largest over variants). */
    samples: number;
    seed?: number;
    /** True when titles were replaced by opaque ids (knowledge probe run). */
    probe: boolean;
    /** How the cases were split ('auto' only for runs made before the split was recorded). */
    split: ReportSplit;
    /** Global split: the cut (ISO time); null otherwise. */
    cutoff: string | null;
    /** How negative candidates were drawn (choice, ranking); null otherwise. */
    negatives: string | null;
    /** Choice and ranking: the metrics are sampled over K candidates. */
    sampledMetrics?: SampledMetrics;
    /** One line stating split, K, negatives and probe (report headers, the panel). */
    protocol: string;
    /** Cases in the run and units (case × variant × sample) asked for and finished. */
    cases: number;
    units: number;
    finishedUnits: number;
    /** Fewer units finished than asked for (running, cancelled, failed or stopped by the budget). */
    partial: boolean;
    startedAt?: string;
    finishedAt?: string;
    durationMs?: number;
    resumes?: number;
    engineVersion?: string;
    configFile?: string;
  };
  bootstrap: Required<BootstrapOptions> & { method: 'percentile'; cluster: 'user' };
  headline: MetricInfo;
  /** Metrics shown beside the headline where reported (binary: AUC when probabilities are given). */
  besideHeadline?: string[];
  /** Every metric reported for this form, in display order. */
  metrics: MetricInfo[];
  variants: VariantReport[];
  totals: {
    /** USD; null when some model has no price (then `unpricedModels` names them). */
    costUsd: number | null;
    /** Models that answered without a known price: their cost is unknown, never counted as $0. */
    unpricedModels: string[];
    promptTokens: number;
    completionTokens: number;
    reasoningTokens: number;
    cached: number;
    attempts: number;
  };
  /** Side by side with the probe run when one was given. */
  probe?: ProbeComparison & { probeRun: string };
  /** Each model's recall rate from recall runs over the same data set (memorisation.ts), when there are any. */
  memorisation?: MemorisationRow[];
  /** Things a reader must know (partial run, skipped lines, clustering). */
  notes: string[];
}

export interface ReportOptions {
  bootstrap?: BootstrapOptions;
  /** Override the run's k. */
  k?: number;
  /** The run folder, shown in the header. */
  dir?: string;
  /** What reading results.jsonl found (torn tail, corrupt lines). */
  scan?: ScanResult;
  /** Best/worst users listed per variant (default 5). */
  users?: number;
  /** The knowledge-probe twin of this run. */
  probe?: { manifest: RunManifest; results: CaseResult[] };
  /** The models' recall rates over the same data set (memorisationBeside), shown beside their scores. */
  memorisation?: MemorisationRow[];
}

interface TaskLike {
  k?: number;
  candidates?: number;
  seed?: number;
  probe?: boolean;
}

function taskOf(manifest: RunManifest): TaskLike {
  return (manifest.config?.task as TaskLike | undefined) ?? {};
}

/** The scoring context a run's manifest implies. */
export function scoringContext(manifest: RunManifest, options: ReportOptions = {}): ScoringContext {
  const task = taskOf(manifest);
  const form = manifest.dataset.form;
  // Manifests record the effective config (candidates filled); candidatesOf covers runs recorded before that.
  const candidates = candidatesOf({
    form,
    ...(task.candidates !== undefined ? { candidates: task.candidates } : {}),
  });
  return {
    form,
    k: options.k ?? task.k ?? 10,
    scale: manifest.dataset.scale,
    ...(candidates !== undefined ? { candidates } : {}),
    bootstrap: { ...DEFAULT_BOOTSTRAP, ...options.bootstrap },
  };
}

/**
 * Why a cut-off `k` asked for (`ubp report --k`) cannot score this run, or undefined when it can: HR@k with k at
 * or beyond the K candidates is 1 for every answer, and a form without a cut-off ignores k, so either would
 * print a metric that silently means something else than asked.
 */
export function cutoffProblem(manifest: RunManifest, k: number): string | undefined {
  const form = manifest.dataset.form;
  if (!hasForm(form) || !getForm(form).usesCutoff) {
    const withCutoff = forms()
      .filter((f) => f.usesCutoff)
      .map((f) => f.id)
      .join(', ');
    return `--k applies to ${withCutoff} runs (a cut-off k); run ${manifest.id} is a ${form} run`;
  }
  const K = scoringContext(manifest).candidates;
  if (K !== undefined && k >= K)
    return `--k ${k} is not below the ${K} candidates of run ${manifest.id} (HR@k is 1 for every answer when k >= K): the largest k it allows is ${K - 1}`;
  return undefined;
}

/** What every reader says of the results lines it skipped (unreadable, or a line scoring cannot take). */
export function unreadableText(n: number): string {
  return `${n} unreadable line(s) in results.jsonl were skipped`;
}

/** Builds the report of a run from its manifest and results (any line order; duplicates resolved). */
export function buildReport(
  manifest: RunManifest,
  results: CaseResult[],
  options: ReportOptions = {},
): Report {
  const ctx = scoringContext(manifest, options);
  const latest = latestResults(results).filter((r) => r.expected?.form === ctx.form);
  const report = reportFromColumns(manifest, resultColumns(latest, ctx), options);
  const pairs = bestBaselinePairs(report);
  if (pairs) {
    const groups = groupByVariant(latest);
    addBestBaseline(report, pairs, ctx, (id) => groups.get(id)!);
  }
  if (options.probe) {
    const probeResults = latestResults(options.probe.results);
    report.probe = {
      ...(taskOf(manifest).probe
        ? probeComparison(probeResults, latest, ctx) // this run is the probe; the other is titled
        : probeComparison(latest, probeResults, ctx)),
      probeRun: taskOf(manifest).probe ? manifest.id : options.probe.manifest.id,
    };
  }
  return report;
}

/** The best baseline (by headline) and the LLM variants to compare with it, or null (no baseline or no LLM). */
export function bestBaselinePairs(report: Report): { best: string; llms: string[] } | null {
  const key = report.headline.key;
  const headlineOf = (v: VariantReport) => v.metrics.find((m) => m.key === key)?.all.value ?? NaN;
  const higher = report.headline.higherIsBetter;
  const best = report.variants
    .filter((v) => v.kind === 'baseline' && Number.isFinite(headlineOf(v)))
    .sort((x, y) => (higher ? headlineOf(y) - headlineOf(x) : headlineOf(x) - headlineOf(y)))[0];
  const llms = report.variants.filter((v) => v.kind === 'llm').map((v) => v.variant);
  return best && llms.length ? { best: best.variant, llms } : null;
}

/**
 * Sets each LLM variant's `vsBestBaseline`: a paired comparison of the two variants' results (`resultsOf`:
 * deduplicated, of the run's form) on their shared cases. addBestBaselineCases over results in memory.
 */
export function addBestBaseline(
  report: Report,
  pairs: { best: string; llms: string[] },
  ctx: ScoringContext,
  resultsOf: (variant: string) => CaseResult[],
): void {
  const tables = new PairTables();
  const merged = new Map<string, MergedCases>();
  addBestBaselineCases(report, pairs, ctx, (id) => {
    let cases = merged.get(id);
    if (!cases) merged.set(id, (cases = mergeCases(pairRunOf(resultsOf(id), ctx, tables), id, ctx)));
    return cases;
  });
}

/** addBestBaseline over merged cases (`casesOf`: mergeCases of a variant, units of the run's form). */
export function addBestBaselineCases(
  report: Report,
  pairs: { best: string; llms: string[] },
  ctx: ScoringContext,
  casesOf: (variant: string) => MergedCases,
): void {
  const key = report.headline.key;
  const best = casesOf(pairs.best);
  for (const v of report.variants) {
    if (v.kind !== 'llm') continue;
    const cmp = compareCases(
      { label: pairs.best, cases: best },
      { label: v.variant, cases: casesOf(v.variant) },
      ctx,
      { maxChanged: 0 },
    );
    const row = cmp.metrics.find((m) => m.key === key)!;
    v.vsBestBaseline = { baseline: pairs.best, diff: row.diff, p: row.p, verdict: row.verdict };
  }
}

/**
 * The report of a run from its results as columns (resultColumns, or readRunColumns: one streaming pass over
 * results.jsonl), without what reads results themselves: the comparison with the best baseline
 * (bestBaselinePairs, addBestBaseline) and the knowledge probe.
 */
export function reportFromColumns(
  manifest: RunManifest,
  columns: RunColumns,
  options: ReportOptions = {},
): Report {
  const ctx = columns.ctx;
  const fs = columns.scoring;
  const thresholds = popularityThresholdsOf(columns);
  const byId = new Map(columns.variants.map((v) => [v.variant, v]));
  // Manifest order first (LLMs then baselines as the run lists them), then any variant only the results know.
  const order = [...manifest.variants.map((v) => v.id), ...byId.keys()].filter(
    (v, i, all) => all.indexOf(v) === i && byId.has(v),
  );
  const boot = { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap };
  const variants: VariantReport[] = order.map((id) => {
    const v = byId.get(id)!;
    // One bootstrap pass (one set of resamples of the users) for the summary and the breakdown buckets.
    const est = estimateColumnParts(
      columns,
      v,
      [...summaryParts(columns, v), ...breakdownParts(columns, v, thresholds)],
      boot,
    );
    const summary = summariseColumns(columns, v, est);
    const declared = manifest.variants.find((d) => d.id === id);
    if (declared) summary.kind = declared.kind;
    return { ...summary, breakdowns: breakdowns(columns, v, thresholds, { users: options.users }, est) };
  });
  let finished = 0;
  let lastLine = 0;
  for (const v of columns.variants) {
    finished += v.length;
    for (let i = 0; i < v.length; i++) lastLine = Math.max(lastLine, v.finishedMs[i]!);
  }

  const task = taskOf(manifest);
  const beside = (getForm(ctx.form).scoring({ k: ctx.k, candidates: ctx.candidates }).beside ?? []).filter(
    (key) => variants.some((v) => v.metrics.some((m) => m.key === key)),
  );
  const units = runUnits(manifest);
  const started = manifest.startedAt ? Date.parse(manifest.startedAt) : NaN;
  // A run whose process is gone has no finishedAt: its last heartbeat (updatedAt) or last line dates it.
  const ended = manifest.finishedAt
    ? Date.parse(manifest.finishedAt)
    : Math.max(lastLine, Date.parse(manifest.updatedAt ?? '') || 0) || NaN;
  const info = (key: string) => {
    const m = fs.metrics.find((d) => d.key === key)!;
    return { key: m.key, label: m.label, higherIsBetter: m.higherIsBetter, description: m.description };
  };
  const protocol = runProtocol(manifest, ctx.form);
  const notes: string[] = [...protocol.notes];
  if (finished < units) {
    notes.push(
      `Partial run (${manifest.status}): ${finished} of ${units} answers finished; figures cover those.`,
    );
  }
  if (manifest.skippedRows?.count) notes.push(skippedRowsLine(manifest.skippedRows));
  if (options.scan?.corrupt) notes.push(`${unreadableText(options.scan.corrupt)}.`);
  if (options.scan?.tornTail) notes.push('The last line of results.jsonl was incomplete and was ignored.');
  const fewest = Math.min(...variants.map((v) => v.counts.users));
  if (variants.length && fewest < 30) {
    notes.push(
      `Only ${fewest} user(s) in some variant: bootstrap intervals over so few users are approximate (too narrow).`,
    );
  }
  if (variants.some((v) => v.counts.cases > v.counts.users)) {
    notes.push('Some users have several cases: intervals resample users, not cases.');
  }
  const unpricedModels = [...new Set(variants.filter((v) => v.usage.unpriced).map((v) => v.model))];
  if (unpricedModels.length)
    notes.push(
      `Cost unknown for ${unpricedModels.join(', ')}: no price (set "price" on the model; 0 for a free local server).`,
    );
  const totals = variants.reduce(
    (t, v) => ({
      costUsd: t.costUsd === null || v.usage.costUsd === null ? null : t.costUsd + v.usage.costUsd,
      unpricedModels,
      promptTokens: t.promptTokens + v.usage.promptTokens,
      completionTokens: t.completionTokens + v.usage.completionTokens,
      reasoningTokens: t.reasoningTokens + v.usage.reasoningTokens,
      cached: t.cached + v.usage.cached,
      attempts: t.attempts + v.usage.attempts,
    }),
    {
      costUsd: 0 as number | null,
      unpricedModels,
      promptTokens: 0,
      completionTokens: 0,
      reasoningTokens: 0,
      cached: 0,
      attempts: 0,
    },
  );

  const report: Report = {
    schema: REPORT_SCHEMA,
    generatedAt: new Date().toISOString(),
    run: {
      id: manifest.id,
      name: manifest.name,
      ...(options.dir ? { dir: options.dir } : {}),
      status: manifest.status,
      form: ctx.form,
      dataset: {
        name: manifest.dataset.name,
        path: manifest.dataset.path,
        scale: manifest.dataset.scale,
        ...(manifest.skippedRows?.count ? { skippedRows: manifest.skippedRows } : {}),
      },
      k: ctx.k,
      ...(ctx.candidates !== undefined && getForm(ctx.form).candidates ? { candidates: ctx.candidates } : {}),
      samples: Math.max(1, ...manifest.variants.map((v) => v.samples)),
      ...(task.seed !== undefined ? { seed: task.seed } : {}),
      probe: protocol.probe,
      split: protocol.split,
      cutoff: protocol.cutoff,
      negatives: protocol.negatives,
      ...(protocol.sampledMetrics ? { sampledMetrics: protocol.sampledMetrics } : {}),
      protocol: protocol.summary,
      cases: manifest.cases,
      units,
      finishedUnits: finished,
      partial: finished < units,
      ...(manifest.startedAt ? { startedAt: manifest.startedAt } : {}),
      ...(manifest.finishedAt ? { finishedAt: manifest.finishedAt } : {}),
      // The time the run actually ran (sessions summed, gaps between them left out) when recorded.
      ...(manifest.activeMs !== undefined
        ? { durationMs: activeDuration(manifest, lastLine) }
        : Number.isFinite(ended - started) && ended >= started
          ? { durationMs: ended - started }
          : {}),
      ...(manifest.resumes !== undefined ? { resumes: manifest.resumes } : {}),
      ...(manifest.engineVersion ? { engineVersion: manifest.engineVersion } : {}),
      ...(manifest.configFile ? { configFile: manifest.configFile } : {}),
    },
    bootstrap: { ...DEFAULT_BOOTSTRAP, ...ctx.bootstrap, method: 'percentile', cluster: 'user' },
    headline: info(fs.headline),
    ...(beside.length ? { besideHeadline: beside } : {}),
    metrics: fs.metrics.map((m) => info(m.key)),
    variants,
    totals,
    notes,
  };
  if (options.memorisation?.length) {
    report.memorisation = options.memorisation;
    report.notes.push(...options.memorisation.map((m) => m.note));
  }
  return report;
}

/**
 * All the run's units (cases × samples of every variant): a session with --limit counts only its own in the
 * totals, and such a run must not read as complete.
 */
export function runUnits(manifest: RunManifest): number {
  return Math.max(
    manifest.totals?.units ?? 0,
    manifest.cases * manifest.variants.reduce((s, v) => s + v.samples, 0),
  );
}

/**
 * The recorded active time. A run without finishedAt (killed, or still going) was stamped at most at its last
 * manifest update (updatedAt, or the session's start): lines finished after that stamp add their time.
 */
function activeDuration(manifest: RunManifest, lastLine: number): number {
  const active = manifest.activeMs ?? 0;
  if (manifest.finishedAt || !(lastLine > 0)) return active;
  const stamp = Math.max(
    Date.parse(manifest.updatedAt ?? '') || 0,
    Date.parse(manifest.sessionStartedAt ?? '') || 0,
  );
  return stamp > 0 && lastLine > stamp ? active + (lastLine - stamp) : active;
}

/** One variant's estimate of a metric key as a user writes it (`ndcg@10`, `rmse`, `invalid`). */
export function variantEstimate(v: VariantSummary, name: string): Estimate | undefined {
  const key = normaliseMetricKey(name);
  if (key === 'invalidShare') return v.invalidShare;
  if (key === 'errorShare') return v.errorShare;
  return metricRow(v, key)?.all;
}

/** The metric row for a normalised key; HR@1 is the choice form's accuracy. */
function metricRow(v: VariantSummary, key: string): VariantSummary['metrics'][number] | undefined {
  const row = v.metrics.find((m) => m.key.toLowerCase() === key.toLowerCase());
  return row ?? (key === 'hr@1' ? v.metrics.find((m) => m.key === 'accuracy') : undefined);
}

export interface ThresholdCheck {
  variant: string;
  metric: string;
  op: string;
  threshold: number;
  value: number;
  ok: boolean;
  message: string;
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
};

/** Parses "ndcg@10>=0.3", "rmse<=1.0" or "ndcg@10=0.3" (= means "at least" or, for error-like metrics, "at most"). */
export function parseThreshold(spec: string): { metric: string; op: string | null; value: number } {
  const m = /^\s*([A-Za-z][\w@.]*)\s*(>=|<=|>|<|=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(spec);
  if (!m) throw new Error(`bad threshold "${spec}": expected <metric><op><number>, e.g. ndcg@10>=0.3`);
  return { metric: m[1], op: m[2] === '=' ? null : m[2], value: Number(m[3]) };
}

/**
 * Throws for a threshold whose metric a run of this task has not (checked before a run, so a typo costs no
 * requests): the form's metrics at the task's k and K, HR@1 for a choice's accuracy, invalid and error.
 */
export function checkThresholdMetrics(
  task: { form: TaskForm; k: number; candidates?: number },
  specs: string[],
): void {
  const candidates = candidatesOf(task);
  const keys = getForm(task.form)
    .scoring({ k: task.k, ...(candidates !== undefined ? { candidates } : {}) })
    .metrics.map((m) => m.key);
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  for (const spec of specs) {
    const { metric } = parseThreshold(spec);
    const key = normaliseMetricKey(metric);
    if (key === 'invalidShare' || key === 'errorShare' || lower.has(key.toLowerCase())) continue;
    if (key === 'hr@1' && lower.has('accuracy')) continue;
    throw new Error(
      `unknown metric "${metric}" for a ${task.form} run (known: ${[...keys, 'invalid', 'error'].join(', ')})`,
    );
  }
}

/**
 * Checks thresholds against every LLM variant (all variants when the run has no LLM): the point estimate of
 * the headline-style figure (invalid and error counted as wrong). Unknown metrics throw.
 */
export function checkThresholds(
  report: Report,
  specs: string[],
): { ok: boolean; checks: ThresholdCheck[]; failures: ThresholdCheck[] } {
  const llms = report.variants.filter((v) => v.kind === 'llm');
  const targets = llms.length ? llms : report.variants;
  const checks: ThresholdCheck[] = [];
  for (const spec of specs) {
    const t = parseThreshold(spec);
    for (const v of targets) {
      const est = variantEstimate(v, t.metric);
      if (!est) {
        const known = [...v.metrics.map((m) => m.key), 'invalid', 'error'].join(', ');
        throw new Error(`unknown metric "${t.metric}" for a ${report.run.form} run (known: ${known})`);
      }
      const key = normaliseMetricKey(t.metric);
      const row = metricRow(v, key);
      const higher = row ? row.higherIsBetter : false;
      const op = t.op ?? (higher ? '>=' : '<=');
      const ok = Number.isFinite(est.value) && OPS[op](est.value, t.value);
      checks.push({
        variant: v.variant,
        metric: row?.key ?? key,
        op,
        threshold: t.value,
        value: est.value,
        ok,
        message: `${v.variant}: ${row?.label ?? key} = ${Number.isFinite(est.value) ? est.value.toFixed(4) : 'n/a'} ${
          ok ? 'meets' : 'fails'
        } ${op} ${t.value}`,
      });
    }
  }
  const failures = checks.filter((c) => !c.ok);
  return { ok: failures.length === 0, checks, failures };
}
