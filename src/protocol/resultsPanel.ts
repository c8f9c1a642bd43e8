// The results panel's messages (host ⇄ webview). The host reads the run, computes the report and posts a
// view model made of plain JSON values: messages travel as JSON, so NaN and infinities are sent as null.
import type { Protocol } from './channel';

/** A number that may be undefined (NaN on the host). */
export type Num = number | null;

/** A task form id (the engine's forms registry knows them; the panel treats it as a name). */
export type Form = string;

/** A point estimate with its interval. */
export interface EstimateView {
  value: Num;
  lo: Num;
  hi: Num;
  /** Cases (sample-weighted) it rests on. */
  n: number;
}

export interface MetricDefView {
  key: string;
  label: string;
  /** null: a signed figure with no better direction (bias). */
  higherIsBetter: boolean | null;
  description?: string;
}

export interface RunHeaderView {
  /** Absolute run folder: what the serializer stores to restore the panel. */
  dir: string;
  runId: string;
  name: string;
  dataset: string;
  form: Form;
  /** Knowledge-probe run (titles replaced by opaque ids). */
  probe: boolean;
  /** Split, K, negatives and probe in one line (the report's run.protocol). */
  protocol?: string;
  users: number;
  cases: number;
  models: string[];
  templates: string[];
  variants: number;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** USD; null when some model has no price (unknown, never $0). */
  costUsd: number | null;
  /** Units with a result / units asked for. */
  done: number;
  total: number;
}

export interface VariantView {
  id: string;
  model: string;
  template: string | null;
  kind: 'llm' | 'baseline';
  counts: {
    cases: number;
    observations: number;
    users: number;
    success: number;
    invalid: number;
    error: number;
  };
  /** metric key → interval over all cases (invalid and errors scored as wrong) and over valid answers only. */
  metrics: Record<string, { all: EstimateView; valid: EstimateView }>;
  invalidShare: EstimateView;
  errorShare: EstimateView;
  /** USD; null when some model has no price (unknown, never $0). */
  costUsd: number | null;
  latencyP50: Num;
}

/** One breakdown bucket (history length, popularity) of one variant: the headline metric there. */
export interface BucketView {
  label: string;
  values: { variant: string; estimate: EstimateView }[];
}

export interface ChartsView {
  /** Headline metric by history-length bucket. */
  history: BucketView[];
  /** Headline metric by item popularity (head, torso, tail). */
  popularity: BucketView[];
  /** Rating form: per variant, counts[true][predicted] over star buckets (`stars` labels). */
  confusion?: { stars: number[]; byVariant: { variant: string; counts: number[][] }[] };
  /** Choice and ranking: accuracy by the true item's label position, per variant. */
  position?: {
    labels: string[];
    byVariant: { variant: string; accuracy: Num[]; chosenShare: Num[]; p: Num }[];
  };
  /** Knowledge probe beside the titled run (when a sibling run of the other kind exists), on shared cases. */
  probe?: {
    titledRun: string;
    probeRun: string;
    values: { variant: string; titled: Num; probe: Num; drop: EstimateView; p: Num }[];
  };
}

export interface ResultsView {
  header: RunHeaderView;
  headline: string;
  metrics: MetricDefView[];
  variants: VariantView[];
  charts: ChartsView;
  /** The run is still being written: updates follow. */
  live: boolean;
  /**
   * False while only point estimates are known (the first view of a large run: the bootstrap intervals follow
   * in a later view, computed off the extension host's thread).
   */
  intervals: boolean;
  /** Things a reader must know (partial run, skipped lines, clustering), from the report. */
  notes: string[];
  /** Host-side time to read and score, ms. */
  computeMs: number;
  /** Milliseconds since epoch when the host started opening the panel (the UI test's clock origin). */
  openedAt: number;
  /**
   * A big run (more results than the host keeps in memory): the failures table pages through the host, and
   * what the panel cannot compute at this size says why.
   */
  compact?: { results: number; threshold: number };
  /**
   * Each LLM model's recall rate from a recall run over the same data set in the same runs folder (the report's
   * `memorisation`), shown beside its behaviour scores; absent when there is no such run.
   */
  memorisation?: MemorisationView[];
}

/** A model's memorisation of the data set (the engine's MemorisationRow, as JSON values). */
export interface MemorisationView {
  model: string;
  /** The recall run it comes from. */
  run: string;
  dataset: string;
  items: number;
  /** Share of item titles named exactly from their ids. */
  exact: EstimateView;
  /** Mean token F1 of the named titles. */
  partial?: EstimateView;
  /** Share of recall answers that were invalid or failed. */
  failShare: Num;
  /** The report's plain-language sentence. */
  note: string;
}

/** Formats of the paper table (`ubp table`) the panel exports. */
export type PaperTableFormat = 'md' | 'csv' | 'latex';

export type FailureOutcome = 'wrong' | 'invalid' | 'error';
/** Compare mode lists cases whose outcome changed between the runs in the same table. */
export type ChangeKind = 'regressed' | 'improved';

/** One failed prediction. Every string is untrusted model or dataset text: the webview shows it as text. */
export interface FailureRow {
  /** Host-side handle of the result (opens the case). */
  ref: number;
  caseId: string;
  variant: string;
  sample: number;
  user: string;
  outcome: FailureOutcome | ChangeKind;
  /** Size of the error (rating: |pred − truth|; ranking: rank − 1; others 1); invalid and errors rank first. */
  error: number;
  expected: string;
  predicted: string;
  /** The raw answer, cut to a few hundred characters. */
  answer: string;
  reason: string;
  /** The target item's title when the result carries it. */
  title: string;
}

export interface FailuresBatch {
  /** True: replace the rows; false: append them (live updates). */
  reset: boolean;
  rows: FailureRow[];
  /**
   * Set for a big run: the rows are the first page of `query`'s failures, filtered and sorted by the host; more
   * pages come through the `failuresPage` request.
   */
  page?: FailuresPageInfo & { query: FailureQuery };
}

export type FailureSort = 'error-desc' | 'error-asc' | 'case' | 'variant';

/** The failures table's filters and order (a big run's host applies them). */
export interface FailureQuery {
  variant: string;
  outcome: '' | FailureOutcome;
  user: string;
  /** Lower-cased text searched in the case, user, variant, title, answer, reason, expected and predicted. */
  search: string;
  sort: FailureSort;
}

export interface FailuresPageInfo {
  /** Failures the query picks. */
  total: number;
  /** Failures of the run (no filter). */
  all: number;
}

export interface FailuresPage extends FailuresPageInfo {
  offset: number;
  rows: FailureRow[];
  /** Asked with an anchor: the anchor row's index in the query's order now (-1: it is no longer a failure). */
  anchor?: number;
}

/** Paired comparison of each variant against a reference variant (same run) or of run B against run A. */
export interface DeltaView {
  variant: string;
  metric: string;
  /** Other minus reference (B − A in compare mode). */
  delta: EstimateView;
  p: Num;
  /** p < 0.05 and the difference points in a direction (better or worse for this metric). */
  significant: boolean;
  better: boolean;
}

export interface ReferenceComparison {
  reference: string;
  /** Bootstrap resamples used (fewer than the report's for very large runs, to stay responsive). */
  resamples: number;
  deltas: DeltaView[];
}

export interface CompareView {
  a: RunHeaderView;
  b: RunHeaderView;
  /** The runs' cases differ (dataset, seed, split…): only shared case ids are paired. */
  warnings: string[];
  headline: string;
  metrics: MetricDefView[];
  rows: {
    variant: string;
    metric: string;
    a: EstimateView | null;
    b: EstimateView | null;
    delta: EstimateView | null;
    p: Num;
    /** Cases both runs answered (paired). */
    paired: number;
    significant: boolean;
    better: boolean;
  }[];
  /**
   * Cases whose per-case correctness (or outcome) changed from A to B, per shared variant: `expected` holds A's
   * answer, `predicted` B's, `reason` the outcomes. Opening one shows run B's case.
   */
  changed: FailureRow[];
  computeMs: number;
  openedAt: number;
}

export interface ExportRequest {
  suggestedName: string;
  format: 'csv' | 'json';
  columns: string[];
  rows: (string | number | null)[][];
}

export interface ResultsPanelProtocol extends Protocol {
  requests: {
    openCase: { params: { ref: number }; result: void };
    compareWith: { params: { reference: string }; result: ReferenceComparison };
    exportTable: { params: ExportRequest; result: { saved: string | null } };
    exportChart: { params: { suggestedName: string; dataUrl: string }; result: { saved: string | null } };
    /** Saves the run's paper table (`ubp table`) through a save dialog. */
    exportPaperTable: { params: { format: PaperTableFormat }; result: { saved: string | null } };
    /**
     * A big run: rows [offset, offset + limit) of the failures `query` picks. With `anchor` (a live update: the
     * row `ref` was at `index`), the window moves by as many rows as that row moved since.
     */
    failuresPage: {
      params: {
        query: FailureQuery;
        offset: number;
        limit: number;
        anchor?: { ref: number; index: number };
      };
      result: FailuresPage;
    };
    /** A big run: every failure `query` picks, written by the host to a file chosen in a save dialog. */
    exportFailures: {
      params: { query: FailureQuery; format: 'csv' | 'json' };
      result: { saved: string | null; rows: number };
    };
  };
  toWebview: {
    loading: { title: string; openedAt: number };
    /** The run's header from its manifest alone, before the results are read (large runs take a moment). */
    header: { header: RunHeaderView; openedAt: number };
    show: ResultsView;
    compare: CompareView;
    failures: FailuresBatch;
    /**
     * A big live run's failures changed (`all`: how many it has now): the table asks again for the rows in
     * view, anchored on the first one, instead of being sent a first page that would lose the user's place.
     */
    failuresChanged: { all: number };
    /** Shows the Failures tab filtered to one variant ("+N more" in the Test Explorer, the CodeLens). */
    showFailures: { variant: string };
    error: { message: string };
  };
  toHost: {
    rendered: { phase: 'header' | 'metrics' | 'charts' | 'failures' | 'compare'; at: number; rows?: number };
  };
}

/** What the webview keeps in its state, so the serializer can restore the panel after a reload. */
export interface ResultsPanelState {
  runDir?: string;
  compare?: [string, string];
  reference?: string;
}

/** Turns NaN and infinities into null (messages are JSON). */
export function num(x: number | undefined | null): Num {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** The lower-cased text the failures table's search box looks in (the same on both sides). */
export function failureSearchText(r: FailureRow): string {
  return [r.caseId, r.user, r.variant, r.title, r.answer, r.reason, r.expected, r.predicted]
    .join('\u0001')
    .toLowerCase();
}

/** The columns of an exported failures table (the webview's export and a big run's host-side export). */
export const FAILURE_EXPORT_COLUMNS: { key: string; value: (r: FailureRow) => string | number | null }[] = [
  { key: 'variant', value: (r) => r.variant },
  { key: 'caseId', value: (r) => r.caseId },
  { key: 'sample', value: (r) => r.sample },
  { key: 'user', value: (r) => r.user },
  { key: 'outcome', value: (r) => r.outcome },
  { key: 'error', value: (r) => (Number.isFinite(r.error) ? r.error : null) },
  { key: 'title', value: (r) => r.title },
  { key: 'expected', value: (r) => r.expected },
  { key: 'predicted', value: (r) => r.predicted },
  { key: 'answer', value: (r) => r.answer },
  { key: 'reason', value: (r) => r.reason },
];
