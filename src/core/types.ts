// The engine's shared vocabulary: the shapes that flow between its stages (see docs/architecture.md).
// Every stage module imports its inputs and outputs from here, so the contracts live in one place.
import type { AttemptGate } from './models/retry';

/** How a dataset's values are to be read. */
export type FeedbackKind = 'explicit' | 'implicit';

/** The dataset layouts the loaders understand. */
export type DatasetFormat =
  'movielens-csv' | 'movielens-dat' | 'movielens-100k' | 'lastfm-hetrec' | 'generic';

/** A rating scale, e.g. MovieLens' 0.5..5 in half stars. Implicit data (play counts) has none. */
export interface ValueScale {
  min: number;
  max: number;
  step: number;
}

/** What the product knows of an item besides its id. */
export interface ItemMeta {
  title: string;
  /** Genres (MovieLens) or the most common tags (Last.fm); may be empty. */
  genres: string[];
  /** Release year when the title carries one. */
  year?: number;
  /** Any other text fields a generic item file maps in. */
  extra?: Record<string, string>;
}

/**
 * A dataset in its compact in-memory form: one row per interaction, columns as typed arrays, users and items
 * interned to dense indices (0..users-1, 0..items-1). Rows keep the order of the file, which breaks timestamp
 * ties deterministically.
 */
export interface Interactions {
  /** A short name, e.g. "ml-latest-small". */
  name: string;
  format: DatasetFormat;
  kind: FeedbackKind;
  /** The explicit rating scale; null for implicit feedback. */
  scale: ValueScale | null;
  /** External user id by dense user index. */
  userIds: string[];
  /** External item id by dense item index. */
  itemIds: string[];
  /** Item metadata by dense item index (same length as itemIds). */
  items: ItemMeta[];
  /** Number of rows. */
  n: number;
  /** Dense user index per row. */
  user: Int32Array;
  /** Dense item index per row. */
  item: Int32Array;
  /** Rating or play count per row, as float64 (never float32: 3.7 must stay 3.7). */
  value: Float64Array;
  /** Unix seconds per row, or null when the dataset has no timestamps. */
  time: Float64Array | null;
}

/** A problem found while loading, reported as file:line:column: reason. */
export interface DataIssue {
  file: string;
  line: number;
  column: number;
  reason: string;
}

/** A task form's id: the forms registry (src/core/forms) knows them and what they mean. */
export type TaskForm = string;

/** One past interaction shown to the model, oldest first. */
export interface HistoryEntry {
  item: string;
  title: string;
  genres: string[];
  value: number;
  /** Unix seconds, or null without timestamps. */
  time: number | null;
}

/** An item the model is asked about (the held-out item, or the true one among the candidates). */
export interface TargetItem {
  item: string;
  title: string;
  genres: string[];
}

/** One labelled candidate (forms with candidates). */
export interface Candidate extends TargetItem {
  /** "A", "B", … */
  label: string;
}

/** What the correct answer is: the form's id and its own fields (see the form's module in src/core/forms). */
export interface Expected {
  form: TaskForm;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fields are the form's own (JSON from results files)
  [field: string]: any;
}

/** A model's parsed answer: the form's id and its own fields (see the form's module in src/core/forms). */
export interface Prediction {
  form: TaskForm;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fields are the form's own (JSON from results files)
  [field: string]: any;
}

/** One prediction task built from one user's real history. */
export interface TestCase {
  /** Stable id: the same for the titled and the knowledge-probe variant of a case. */
  id: string;
  form: TaskForm;
  /** External user id. */
  user: string;
  /** The user's full history length before the target (the shown history may be shorter). */
  historyLength: number;
  /** The most recent interactions before the target, oldest first. */
  history: HistoryEntry[];
  /** The held-out item, or the true item among the candidates. */
  target: TargetItem;
  /** Labelled candidates (forms with candidates); absent otherwise. */
  candidates?: Candidate[];
  expected: Expected;
  /** Number of training interactions of the target item: drives the head/torso/tail breakdown. */
  targetPopularity: number;
}

/**
 * Cases by position: an array, or a compact list that builds each case when asked (tasks/caseList.ts), so a
 * million cases need not be held as objects. `at` may build a new object on every call.
 */
export interface CaseList extends Iterable<TestCase> {
  readonly length: number;
  at(index: number): TestCase | undefined;
}

/** A chat message as sent to an OpenAI-compatible endpoint. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenUsage {
  prompt: number;
  completion: number;
  /** Reasoning tokens (already counted inside completion by OpenAI's accounting). */
  reasoning?: number;
}

/** What a predictor is asked for one case. */
export interface PredictRequest {
  testCase: TestCase;
  /** The rendered prompt; baselines ignore it. */
  messages: ChatMessage[];
  /** Sample index, 0..samples-1. */
  sample: number;
  signal: AbortSignal;
  /** What every attempt of an LLM request passes through: the runner's per-origin circuit breaker. */
  gate?: AttemptGate;
}

/** What a predictor returns: its raw text, and a structured prediction when it has one already (baselines). */
export interface PredictResponse {
  raw: string;
  prediction?: Prediction;
  usage?: TokenUsage;
  /** True when the answer came from the response cache. */
  cached?: boolean;
  /** Number of requests actually sent (retries included). */
  attempts?: number;
  /**
   * Why the model stopped, normalised across providers: 'stop' (a complete answer), 'length' (cut at the token
   * limit), 'refusal', 'tool_calls', 'content_filter', or the provider's own word when it has another.
   */
  finishReason?: string;
  /** True when the reply held only reasoning content and no answer text. */
  reasoningOnly?: boolean;
}

/** Anything that answers a test case: an LLM endpoint or a built-in baseline. */
export interface Predictor {
  /** Unique within a run, e.g. "gpt-4o-mini" or "baseline:popularity". */
  readonly id: string;
  readonly kind: 'llm' | 'baseline';
  predict(request: PredictRequest): Promise<PredictResponse>;
}

export type Outcome = 'success' | 'invalid' | 'error';

/**
 * Why an answer was invalid or a request failed, as a stable code a report can count (docs/scoring.md):
 * `http-<status>` for HTTP failures, `network`, `timeout`, `aborted`, `batch-error` (a batch engine's failed line without an HTTP status), `fatal` (the model was stopped after a
 * fatal error of another case) among the rest.
 */
export type ReasonCode =
  | 'no-answer'
  | 'off-scale'
  | 'unknown-label'
  | 'cut'
  | 'ambiguous'
  | 'refusal'
  | 'reasoning-only'
  | 'tool-call'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'bad-response'
  | 'batch-error'
  | 'fatal'
  | `http-${number}`;

/** One line of a run's results.jsonl: one finished case for one variant and sample. */
export interface CaseResult {
  caseId: string;
  /** "<template>×<model>" or the baseline id. */
  variant: string;
  model: string;
  template: string | null;
  sample: number;
  user: string;
  form: TaskForm;
  outcome: Outcome;
  /** Why the answer was invalid or the request failed. */
  reason?: string;
  /** The same as a stable code (see ReasonCode). */
  reasonCode?: ReasonCode;
  /** The provider's finish reason, normalised (see PredictResponse.finishReason). */
  finishReason?: string;
  messages?: ChatMessage[];
  raw?: string;
  prediction?: Prediction;
  expected: Expected;
  /** The held-out (or true) item as the model saw it: lets a reader name the item without the cases file. */
  target?: TargetItem;
  /** Per-case metric values, e.g. { correct: 1 } or { absError: 0.5, sqError: 0.25 } or { ndcg10: 0.63 }. */
  score?: Record<string, number>;
  historyLength: number;
  targetPopularity: number;
  latencyMs: number;
  usage?: TokenUsage;
  costUsd?: number;
  cached?: boolean;
  attempts?: number;
  /** ISO time the case finished. */
  finishedAt: string;
}
