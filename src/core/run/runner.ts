// The runner: sends every (case, variant, sample) unit that has no final line yet through its predictor, parses,
// scores and appends the result, with bounded concurrency per endpoint, optional rpm/tpm limits, a budget cap,
// and cancellation that aborts in-flight requests. Every unit it starts ends as success, invalid or error in the
// store, except those cut short by cancel (left pending, so a resume picks them up). See docs/runner.md.
import { setMaxListeners } from 'node:events';
import { parseAnswer } from '../scoring/parse';
import { scoreCase } from '../scoring/caseScore';
import type {
  CaseResult,
  ChatMessage,
  Outcome,
  Prediction,
  Predictor,
  TestCase,
  TokenUsage,
  ValueScale,
} from '../types';
import {
  RunEvents,
  type RunEvent,
  type RunEventOf,
  type RunEventType,
  type RunProgress,
  type RunSummary,
} from './events';
import { RateLimiter, delay } from './limits';
import { emptyTotals, unitKey, type RunStatus, type RunStore, type RunTotals } from './store';

/** One column of the results: a (template, model) pair, or a baseline. */
export interface RunVariant {
  /** "<template>×<model>" or the baseline id. */
  id: string;
  kind: 'llm' | 'baseline';
  predictor: Predictor;
  /** The model entry's id or the baseline's id. */
  model: string;
  /** Template name; null for baselines. */
  template: string | null;
  /** Answers per case (baselines: 1). */
  samples: number;
  /** Renders a case's messages; absent for baselines (they get none). */
  render?: (testCase: TestCase) => ChatMessage[];
  /** Variants with the same pool share its concurrency (LLMs: the endpoint origin). */
  pool: string;
  /** At most this many of this variant's requests in flight (besides the pool's bound). */
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  /** USD for a usage; absent or undefined when no price is known. */
  cost?: (usage: TokenUsage) => number | undefined;
  /** Token count of messages (for tpm and the budget projection); default chars / 4. */
  countTokens?: (messages: ChatMessage[]) => number;
  /** Completion tokens expected per answer before any is seen (budget projection). Default 64. */
  expectedOutputTokens?: number;
}

export interface RunEvalOptions {
  /** An opened store (it holds the lock); the runner closes it when the run ends. */
  store: RunStore;
  /** The cases to run (possibly a --limit subset of the run's cases). */
  cases: readonly TestCase[];
  variants: readonly RunVariant[];
  /** Scoring settings: the rating scale, the ranking cut-off, the number of candidates. */
  scoring: { scale: ValueScale | null; k: number; candidates?: number };
  /** Requests in flight per pool unless `poolConcurrency` names it. Default 8. */
  concurrency?: number;
  poolConcurrency?: Record<string, number>;
  /** Stops the run (status "budget") before a request would take the spend past this. */
  budgetUsd?: number;
  /** Aborting it cancels the run. */
  signal?: AbortSignal;
  /** Minimum interval between progress events, ms. Default 100. */
  progressIntervalMs?: number;
  /** Unit keys (store.unitKey) not to run now, e.g. those in an open provider batch (src/core/batch). */
  skip?: ReadonlySet<string>;
  /** The run's status when it ends with only skipped units left. Default "batch". */
  skippedStatus?: RunStatus;
}

export interface RunHandle {
  readonly runId: string;
  on<T extends RunEventType>(type: T, fn: (e: RunEventOf<T>) => void): () => void;
  /** Events from the moment of the call; ends after run-finished. */
  [Symbol.asyncIterator](): AsyncIterator<RunEvent>;
  /** Stops new requests at once and aborts those in flight; the run ends with status "cancelled". */
  cancel(): void;
  /** Settles when the run has ended and its store is closed. Never rejects: failures end as status "failed". */
  readonly done: Promise<RunSummary>;
}

/** Pool used by baselines: local compute, no endpoint. */
export const LOCAL_POOL = 'local';
const EMPTY: ChatMessage[] = [];

interface Unit {
  caseIndex: number;
  sample: number;
}

interface ModelGate {
  inFlight: number;
  cap: number;
  limiter: RateLimiter;
}

interface VariantQueue {
  v: RunVariant;
  index: number;
  /** Pending units, as caseIndex * samples + sample. */
  pending: Int32Array;
  next: number;
  /** Shared by every variant of the same model (its templates): the model's concurrency cap and rate limits. */
  model: ModelGate;
  /** Running mean of completion tokens, for the budget projection. */
  outTokens: number;
  outSeen: number;
}

/** Starts a run. Listeners may be attached until the next event-loop turn; the run starts then. */
export function runEval(options: RunEvalOptions): RunHandle {
  const events = new RunEvents();
  const store = options.store;
  const ac = new AbortController();
  // Every request in flight listens on this one signal (the runner's guard and the HTTP client's).
  setMaxListeners(0, ac.signal);
  let cancelled = false;
  const cancel = (): void => {
    if (cancelled) return;
    cancelled = true;
    ac.abort(new Error('run cancelled'));
  };
  if (options.signal) {
    if (options.signal.aborted) cancel();
    else options.signal.addEventListener('abort', cancel, { once: true });
  }
  const done = new Promise<RunSummary>((resolve) => {
    setImmediate(() => {
      execute(options, events, ac.signal, () => cancelled).then(resolve, (e: unknown) => {
        // execute() handles its own failures; this is the last line of defence.
        const error = e instanceof Error ? e.message : String(e);
        try {
          store.close({ status: 'failed', error });
        } catch {
          /* already closed */
        }
        const summary: RunSummary = {
          runId: store.id,
          dir: store.dir,
          status: 'failed',
          totals: store.manifest().totals,
          manifest: store.manifest(),
          error,
        };
        events.emit({ type: 'run-finished', summary });
        resolve(summary);
      });
    });
  });
  return {
    runId: store.id,
    on: (type, fn) => events.on(type, fn),
    [Symbol.asyncIterator]: () => events.iterate(),
    cancel,
    done,
  };
}

async function execute(
  o: RunEvalOptions,
  events: RunEvents,
  signal: AbortSignal,
  isCancelled: () => boolean,
): Promise<RunSummary> {
  const store = o.store;
  const cases = o.cases;
  const t0 = performance.now();
  const progressEvery = o.progressIntervalMs ?? 100;

  // Outcome counts describe the final state (last line per unit); tokens and cost add up every line ever
  // written, since superseded errors were paid for too.
  const totals: RunTotals = { ...emptyTotals(0), ...store.spent };
  // Units whose last line is an error: their retry supersedes it (the only outcome that is not final).
  const earlierErrors = new Set<string>();
  const queues: VariantQueue[] = [];
  let alreadyDone = 0;
  let skipped = 0;
  const gates = new Map<string, ModelGate>();
  const gateOf = (v: RunVariant): ModelGate => {
    const key = `${v.pool}\u0000${v.model}`;
    let g = gates.get(key);
    if (!g)
      gates.set(
        key,
        (g = { inFlight: 0, cap: v.concurrency ?? Infinity, limiter: new RateLimiter(v.rpm, v.tpm) }),
      );
    return g;
  };
  for (const [index, v] of o.variants.entries()) {
    const samples = v.kind === 'baseline' ? 1 : Math.max(1, v.samples);
    const pending: number[] = [];
    for (let c = 0; c < cases.length; c++) {
      for (let s = 0; s < samples; s++) {
        const prev = store.previous.size ? store.previous.get(unitKey(cases[c]!.id, v.id, s)) : undefined;
        if (prev) totals[prev]++;
        if (prev === 'error') earlierErrors.add(unitKey(cases[c]!.id, v.id, s));
        if (prev && prev !== 'error') alreadyDone++;
        else if (o.skip?.has(unitKey(cases[c]!.id, v.id, s))) skipped++;
        else pending.push(c * samples + s);
      }
    }
    totals.units += cases.length * samples;
    queues.push({
      v: { ...v, samples },
      index,
      pending: Int32Array.from(pending),
      next: 0,
      model: gateOf(v),
      outTokens: v.expectedOutputTokens ?? 64,
      outSeen: 0,
    });
  }

  events.emit({
    type: 'run-started',
    runId: store.id,
    dir: store.dir,
    total: totals.units,
    alreadyDone,
    resumed: store.resumed,
  });

  let status: RunStatus = 'running';
  let failure: string | undefined;
  let finishedThisSession = 0;
  let inFlight = 0;
  let reservedUsd = 0;
  let lastProgress = 0;
  let lastManifest = performance.now();

  const pendingAtStart = queues.reduce((n, q) => n + q.pending.length, 0);
  const progress = (): RunProgress => {
    const elapsedMs = performance.now() - t0;
    const remaining = pendingAtStart - finishedThisSession;
    return {
      done: totals.units - remaining,
      total: totals.units,
      success: totals.success,
      invalid: totals.invalid,
      error: totals.error,
      inFlight,
      finishedThisSession,
      elapsedMs,
      etaMs: finishedThisSession > 0 ? (remaining * elapsedMs) / finishedThisSession : null,
      promptTokens: totals.promptTokens,
      completionTokens: totals.completionTokens,
      costUsd: totals.costUsd,
    };
  };
  const maybeProgress = (force = false): void => {
    const t = performance.now();
    if (!force && t - lastProgress < progressEvery) return;
    lastProgress = t;
    if (events.wants('progress')) events.emit({ type: 'progress', progress: progress() });
    // The manifest carries live totals for readers such as a runs view (cheap: a small atomic rewrite).
    if (t - lastManifest >= 2000) {
      lastManifest = t;
      store.updateManifest({ totals: { ...totals } });
    }
  };
  maybeProgress(true);

  const stopping = (): boolean => status !== 'running' || isCancelled();

  // Budget: project the cost of a request before sending it; stop when spent + in flight + it would exceed.
  const projectCost = (q: VariantQueue, promptTokens: number): number => {
    if (!q.v.cost) return 0;
    return q.v.cost({ prompt: promptTokens, completion: Math.ceil(q.outTokens) }) ?? 0;
  };

  async function runUnit(q: VariantQueue, unit: Unit): Promise<void> {
    const v = q.v;
    const tc = cases[unit.caseIndex]!;
    let messages = EMPTY;
    let renderError: string | undefined;
    if (v.render) {
      try {
        messages = v.render(tc);
      } catch (e) {
        renderError = `template failed to render: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    let reserved = 0;
    let reservedTokens = 0;
    // Counting tokens costs time: only when a limit or the budget needs the number before the request.
    const needTokens =
      v.kind === 'llm' && (q.model.limiter.active || (o.budgetUsd !== undefined && v.cost !== undefined));
    const promptTokens = needTokens ? (v.countTokens ?? roughTokens)(messages) : 0;
    if (v.kind === 'llm' && !renderError) {
      if (o.budgetUsd !== undefined && v.cost) {
        reserved = projectCost(q, promptTokens);
        if (totals.costUsd + reservedUsd + reserved > o.budgetUsd) {
          status = 'budget';
          return;
        }
        reservedUsd += reserved;
      }
      reservedTokens = promptTokens + Math.ceil(q.outTokens);
      const wait = q.model.limiter.reserve(reservedTokens);
      if (wait > 0) {
        try {
          await delay(wait, signal);
        } catch {
          reservedUsd -= reserved;
          return; // cancelled while waiting: the unit stays pending
        }
      }
    }
    if (events.wants('case-started'))
      events.emit({ type: 'case-started', caseId: tc.id, variant: v.id, sample: unit.sample });

    const started = performance.now();
    let outcome: Outcome;
    let reason: string | undefined;
    let raw: string | undefined;
    let prediction: Prediction | undefined;
    let usage: TokenUsage | undefined;
    let cached: boolean | undefined;
    let attempts: number | undefined;
    if (renderError) {
      outcome = 'error';
      reason = renderError;
    } else {
      try {
        const resp = await abortable(
          v.predictor.predict({ testCase: tc, messages, sample: unit.sample, signal }),
          signal,
        );
        raw = resp.raw;
        usage = resp.usage;
        cached = resp.cached;
        attempts = resp.attempts;
        if (resp.prediction) {
          if (resp.prediction.form === tc.form) {
            outcome = 'success';
            prediction = resp.prediction;
          } else {
            outcome = 'invalid';
            reason = `predictor answered the ${resp.prediction.form} form for a ${tc.form} case`;
          }
        } else {
          const parsed = parseAnswer(resp.raw, tc.form, {
            scale: o.scoring.scale,
            labels: tc.candidates?.map((c) => c.label),
          });
          if (parsed.ok) {
            outcome = 'success';
            prediction = parsed.prediction;
          } else {
            outcome = 'invalid';
            reason = parsed.reason;
          }
        }
      } catch (e) {
        if (signal.aborted) {
          reservedUsd -= reserved;
          return; // cancelled in flight: not an outcome; the unit stays pending
        }
        outcome = 'error';
        reason = errorReason(e);
        const a = (e as { attempts?: unknown }).attempts;
        if (typeof a === 'number') attempts = a;
      }
    }
    const latencyMs = performance.now() - started;
    reservedUsd -= reserved;

    let score: Record<string, number> | undefined;
    try {
      score = scoreCase(tc.expected, prediction, {
        scale: o.scoring.scale,
        k: o.scoring.k,
        candidates: o.scoring.candidates ?? tc.candidates?.length,
      });
    } catch (e) {
      // A scoring bug must not lose the answer: keep the line, unscored, and say why.
      reason = `${reason ? `${reason}; ` : ''}scoring failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    let costUsd: number | undefined;
    try {
      // A cached answer cost nothing this time: its usage is kept, its price is not spent again.
      costUsd = usage && v.cost ? (cached ? 0 : v.cost(usage)) : undefined;
    } catch {
      costUsd = undefined;
    }
    const result: CaseResult = {
      caseId: tc.id,
      variant: v.id,
      model: v.model,
      template: v.template,
      sample: unit.sample,
      user: tc.user,
      form: tc.form,
      outcome,
      expected: tc.expected,
      target: tc.target,
      historyLength: tc.historyLength,
      targetPopularity: tc.targetPopularity,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      finishedAt: new Date().toISOString(),
    };
    if (reason !== undefined) result.reason = reason;
    if (v.kind === 'llm') result.messages = messages;
    if (raw !== undefined) result.raw = raw;
    if (prediction) result.prediction = prediction;
    if (score) result.score = score;
    if (usage) result.usage = usage;
    if (costUsd !== undefined) result.costUsd = costUsd;
    if (cached !== undefined) result.cached = cached;
    if (attempts !== undefined) result.attempts = attempts;

    store.append(result);

    // Bookkeeping after the line is queued: counts, spend, rate-limit correction, pace.
    if (earlierErrors.size && earlierErrors.delete(unitKey(tc.id, v.id, unit.sample))) totals.error--;
    totals[outcome]++;
    finishedThisSession++;
    if (usage) {
      totals.promptTokens += usage.prompt;
      totals.completionTokens += usage.completion;
      totals.reasoningTokens += usage.reasoning ?? 0;
      q.outSeen++;
      q.outTokens += (usage.completion - q.outTokens) / q.outSeen;
      if (needTokens) q.model.limiter.adjustTokens(usage.prompt + usage.completion - reservedTokens);
    }
    if (costUsd) totals.costUsd += costUsd;
    if (v.kind === 'llm') {
      if (cached) totals.cached++;
      else totals.requests += attempts ?? 1;
    }
    if (events.wants('case-finished')) events.emit({ type: 'case-finished', result });
    maybeProgress();
  }

  // Workers per pool pull the next unit from the pool's variants in turn, respecting each model's cap.
  const pools = new Map<string, VariantQueue[]>();
  for (const q of queues) {
    const list = pools.get(q.v.pool);
    if (list) list.push(q);
    else pools.set(q.v.pool, [q]);
  }
  const workers: Promise<void>[] = [];
  for (const [pool, list] of pools) {
    const size = o.poolConcurrency?.[pool] ?? (pool === LOCAL_POOL ? 1 : Math.max(1, o.concurrency ?? 8));
    let turn = 0;
    let waiters: (() => void)[] = [];
    const wakeAll = (): void => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    const pick = (): VariantQueue | null | 'wait' => {
      let blocked = false;
      for (let i = 0; i < list.length; i++) {
        const q = list[(turn + i) % list.length]!;
        if (q.next >= q.pending.length) continue;
        if (q.model.inFlight >= q.model.cap) {
          blocked = true;
          continue;
        }
        turn = (turn + i + 1) % list.length;
        return q;
      }
      return blocked ? 'wait' : null;
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        if (stopping()) return;
        const q = pick();
        if (q === null) return;
        if (q === 'wait') {
          await new Promise<void>((r) => waiters.push(r));
          continue;
        }
        const code = q.pending[q.next++]!;
        const unit: Unit = { caseIndex: Math.floor(code / q.v.samples), sample: code % q.v.samples };
        q.model.inFlight++;
        inFlight++;
        try {
          await runUnit(q, unit);
        } catch (e) {
          // Only the store can throw here (a write failed): nothing more can be recorded.
          status = 'failed';
          failure = `cannot record results: ${e instanceof Error ? e.message : String(e)}`;
        } finally {
          q.model.inFlight--;
          inFlight--;
          wakeAll();
        }
      }
    };
    const n = Math.min(
      size,
      list.reduce((s, q) => s + q.pending.length, 0),
    );
    for (let i = 0; i < n; i++) workers.push(worker());
    // A cancelled run must not leave workers parked on a cap.
    signal.addEventListener('abort', wakeAll, { once: true });
  }
  await Promise.all(workers);

  if (status === 'running') status = isCancelled() ? 'cancelled' : 'done';
  if (status === 'done' && totals.success + totals.invalid + totals.error < totals.units)
    status = skipped && finishedThisSession === pendingAtStart ? (o.skippedStatus ?? 'batch') : 'cancelled';
  maybeProgress(true);
  try {
    store.close({ status, totals, ...(failure ? { error: failure } : {}) });
  } catch (e) {
    status = 'failed';
    failure = `cannot close the run: ${e instanceof Error ? e.message : String(e)}`;
  }
  const summary: RunSummary = {
    runId: store.id,
    dir: store.dir,
    status,
    totals,
    manifest: store.manifest(),
    ...(failure ? { error: failure } : {}),
  };
  events.emit({ type: 'run-finished', summary });
  return summary;
}

function roughTokens(messages: ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += m.content.length;
  return Math.ceil(n / 4) + 4 * messages.length;
}

function errorReason(e: unknown): string {
  if (e instanceof Error) {
    const status = (e as { status?: unknown }).status;
    return typeof status === 'number' && !e.message.includes(String(status))
      ? `${status} ${e.message}`
      : e.message;
  }
  return String(e);
}

/** Settles with `p`, or rejects as soon as `signal` aborts (a predictor that ignores the signal cannot stall). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
