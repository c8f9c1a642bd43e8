// The one interface every task form implements (docs/architecture.md, "The form registry"). A form is one module
// in this folder (or anywhere: a test registers a toy form from its own folder); the rest of the engine asks the
// registry, never spells out the list of forms.
import type { BaselineName, TaskConfig } from '../config';
import type {
  Candidate,
  Expected,
  Interactions,
  Prediction,
  ReasonCode,
  TargetItem,
  TestCase,
  ValueScale,
} from '../types';

/** Per-case metric values, e.g. { correct: 1 } or { absError: 0.5, sqError: 0.25 }. */
export type CaseScore = Record<string, number>;

/** What scoring knows of a run besides the answers. */
export interface FormScoreContext {
  /** The dataset's rating scale; null for implicit data. */
  scale: ValueScale | null;
  /** The cut-off of ranking-style metrics (task.k). */
  k: number;
  /** Candidates per case (forms with candidates). */
  candidates?: number;
}

/**
 * An aggregate metric, declared by name: `value` reads the case-weighted sums of the per-case values it names in
 * `sums` (and `n`, the summed case weight), so the bootstrap can resample users over sums alone.
 */
export interface FormMetric {
  /** Stable key used in reports, thresholds (`ndcg@10>=0.3`) and exports. */
  key: string;
  label: string;
  /** null: a signed figure with no better direction (e.g. bias). */
  higherIsBetter: boolean | null;
  /** One line: what it measures. */
  description: string;
  /** The per-case sums `value` reads (names from FormScoringSpec.sums). */
  sums?: readonly string[];
  /** The metric from the weighted sums; absent for `general` metrics. */
  value?: (t: Readonly<Record<string, number>>) => number;
  /** A metric that is not a function of sums, computed by scoring/aggregate.ts. */
  general?: 'auc';
  /** Reported only when some valid answer stated a probability (per-case value `prob`). */
  needsProbabilities?: boolean;
  /** Computed on valid answers only, also in the headline ("all") column (e.g. bias). */
  validOnly?: boolean;
}

export interface FormScoringSpec {
  /** Named per-case sums: each is summed (case-weighted) over the observations. */
  sums: Record<string, (score: CaseScore) => number>;
  metrics: FormMetric[];
  /** The key of the headline metric. */
  headline: string;
  /** Metrics shown beside the headline when they are reported (binary: AUC). */
  beside?: string[];
}

/** What the runner hands a parser besides the raw text. */
export interface AnswerContext {
  /** The rating scale (rating-like forms); null or absent accepts any finite non-negative number. */
  scale?: ValueScale | null;
  /** The candidate labels in order, e.g. ["A", "B", "C"]. */
  labels?: readonly string[];
  /** The candidates' titles, in label order: a title alone names its candidate. */
  titles?: readonly string[];
  /** The provider's finish reason ('stop', 'length', 'refusal', …). */
  finishReason?: string;
  /** The reply held only reasoning content. */
  reasoningOnly?: boolean;
}

export type ParseResult<P extends Prediction = Prediction> =
  | {
      ok: true;
      prediction: P;
      via: 'json' | 'text';
      /** Something a report should flag although the answer counts (e.g. like with probability < 0.5). */
      flag?: string;
    }
  | { ok: false; reason: string; reasonCode: ReasonCode };

/** How a form reads its answer: the generic driver (scoring/parse.ts) finds JSON objects and lines. */
export interface AnswerReader<P extends Prediction = Prediction> {
  /** The JSON key that carries the answer, e.g. "rating". */
  key: string;
  /** What a bare answer looks like, for error messages ("a number"). */
  hint: string;
  /** An object that has `key` (keys lower-cased). */
  fromObject(obj: Record<string, unknown>, ctx: AnswerContext): ParseResult<P>;
  /** A whole line (or the text of an "answer: X" phrase) that is the answer alone, else undefined. */
  bare(line: string, ctx: AnswerContext): ParseResult<P> | undefined;
  /** Form-specific readings of the whole text's lines (a numbered list, a leading "Yes,"), else undefined. */
  lines?(lines: string[], ctx: AnswerContext): ParseResult<P> | undefined;
  /** Two answers that say the same (for "several JSON answers in one reply"); default: equal JSON. */
  same?(a: P, b: P): boolean;
}

/** A held-out interaction, as the case builder hands it to a form to build the expected answer. */
export interface HeldOut {
  data: Interactions;
  task: TaskConfig;
  /** The held-out row. */
  row: number;
  /** The user's rows, oldest first. */
  userRows: Int32Array;
  /** The true item's label among the candidates (forms with candidates). */
  label?: string;
}

/** What a baseline can say about a case; a form takes what it needs (each is computed on demand). */
export interface BaselineAnswers {
  /** The predicted value of the target item, in the dataset's unit, clipped to the scale. */
  value(): number;
  /** Like or not, with a probability. */
  like(): { like: boolean; probability: number };
  /** The candidates' labels, most likely first. */
  order(): string[];
}

/** Whether and how a form shows candidates (1 true item + K−1 negatives, labelled A, B, …). */
export interface CandidateSpec<E extends Expected = Expected, P extends Prediction = Prediction> {
  /** K when the config does not say. */
  default: number;
  /** The most K the form allows. */
  max: number;
  /** The true item's label. */
  trueLabel(expected: E): string;
  /** The label a valid answer put first (position bias), if any. */
  firstLabel(prediction: P): string | undefined;
}

/** The cases of a form that builds them itself (see TaskFormDef.buildCases). */
export interface OwnCases {
  cases: TestCase[];
  /** How the cases were drawn, for summaries: sampled items, or user prefixes in file order. */
  split: 'items' | 'file order';
  eligibleUsers: number;
  sampledUsers: number;
}

/** What human text may use beside the answer: the candidates, the target, the rating scale. */
export interface TextContext {
  candidates?: readonly Candidate[];
  target?: TargetItem;
  scale?: ValueScale | null;
}

/** A problem with a task config, at a field of `task`. */
export interface ConfigIssue {
  field: string;
  message: string;
}

export interface TaskFormDef<E extends Expected = Expected, P extends Prediction = Prediction> {
  /** The form's id as configs, templates and results spell it. */
  id: string;
  /** One line for help texts: what the model predicts. */
  summary: string;
  /** Its metrics in a few words, for pickers ("RMSE, MAE"). */
  metricsSummary: string;

  // ── config and cases ──
  /** Present when the form shows candidates. */
  candidates?: CandidateSpec<E, P>;
  /** The task config fields the form reads besides the common ones (docs and help). */
  configFields: readonly string[];
  /** Extra checks of a task config for this form. */
  checkConfig?(task: TaskConfig): ConfigIssue[];
  /** Why the form cannot be built on this dataset, or undefined. */
  checkData?(data: Interactions, task: TaskConfig): string | undefined;
  /**
   * Forms whose cases are not held-out interactions (memorisation probes: items, file prefixes) build them
   * here; the others leave it out and get the held-out protocol of tasks/build.ts.
   */
  buildCases?(data: Interactions, task: TaskConfig): OwnCases;
  /** The expected answer of a held-out interaction. */
  expected(held: HeldOut): E;
  /** The expected answer of the fixed preview case (samples.ts), whose true item is labelled `label`. */
  example(label: string): E;
  /** Whether the form reports the cut-off k in headers. */
  usesCutoff?: boolean;

  // ── requests and answers ──
  /** The JSON schema of a case's answer, for response_format json_schema (strict: every field required). */
  answerSchema(testCase: TestCase): { name: string; schema: Record<string, unknown> };
  /** A planning guess of the completion tokens of one answer in the built-in template's JSON. */
  answerTokens(candidates: number): number;
  answer: AnswerReader<P>;
  /** The built-in template ("builtin:<id>"): front matter, system and user sections. */
  template: string;

  // ── scoring ──
  /**
   * One case's per-case values. `prediction` undefined: a non-answer (invalid or error), scored as the valid
   * prediction with the largest loss for this case, so it never beats a real answer (docs/scoring.md).
   */
  score(expected: E, prediction: P | undefined, ctx: FormScoreContext): CaseScore;
  /** The named sums and metrics, and the headline. */
  scoring(ctx: Pick<FormScoreContext, 'k' | 'candidates'>): FormScoringSpec;
  /**
   * One case's outcome for change lists and failure views: `hit` 1/0 (correct, within ½, hit@k), `value` the
   * headline per-case value with higher = better, `error` how far off, `right` whether the answer counts as
   * right in failure lists (exact rating, correct label, true item first).
   */
  caseOutcome(score: CaseScore, k: number): { hit: number; value: number; error: number; right: boolean };
  /** Whether the per-case `hit` is a plain right/wrong (McNemar applies). */
  pairedHits?: boolean;
  /** A short key of an answer: samples agree when their keys are equal. */
  answerKey(prediction: P): string;
  /** A numeric answer (its spread across samples is reported), when the form has one. */
  numericAnswer?(prediction: P): number;
  /** Things a report counts about a valid answer although it is scored (e.g. "contradictory"). */
  flags?(prediction: P): string[];

  // ── human text ──
  /** The expected answer for people: "4.5 stars", "likes it (rated 4 stars)", "C · Heat (1995)". */
  expectedText(expected: E, ctx?: TextContext): string;
  /** A prediction for people: "4 stars", "likes it (probability 0.7)", "C · Heat (1995)", a numbered order. */
  predictionText(prediction: P, ctx?: TextContext): string;
  /**
   * The expected side of a failure's diff, written like `predictionText` when that reads better (a ranking: the
   * answer's own order with the true item moved first, so the diff shows only that move). Default: `expectedText`.
   */
  diffExpectedText?(expected: E, prediction: P, ctx?: TextContext): string;
  /** What was wrong, after "wrong: " (a ranking: "B · Heat (1995) ranked 3 of 5"). Default: answered … expected …. */
  wrongText?(expected: E, prediction: P, ctx?: TextContext): string;

  // ── baselines ──
  /** Baselines that give a meaningful answer (the config's default list; empty: none fits). */
  baselines: readonly BaselineName[];
  /** What kNN and MF fit for this form: values (ratings) or interactions (which items). */
  baselineObjective: 'value' | 'interaction';
  /** A baseline's prediction from what it can say about the case; absent when no baseline answers the form. */
  baselinePrediction?(testCase: TestCase, answers: BaselineAnswers): P;
}
