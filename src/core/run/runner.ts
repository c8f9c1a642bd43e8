// The runner: sends every (case, variant, sample) unit that has no final line yet through its predictor, parses,
// scores and appends the result, with bounded concurrency per endpoint, optional rpm/tpm limits, a budget cap,
// and cancellation that aborts in-flight requests. Every unit it starts ends as success, invalid or error in the
// store, except those cut short by cancel (left pending, so a resume picks them up). A model's first fatal error
// (a refused key, an unknown model, a dead endpoint) stops it: nothing more is sent to it, requests in flight
// finish, its remaining units are recorded as errors with reasonCode "fatal" (a resume asks them again), and the
// run ends "failed" while the other models go on. The steps live apart: plan.ts (queues), record.ts (one line),
// progress.ts (pace and ETA), breaker.ts (per-origin circuit breaker). See docs/runner.md.
import { setMaxListeners } from 'node:events';
import type { AttemptGate } from '../models/retry';
import type {
  CaseList,
  ChatMessage,
  Predictor,
  PredictResponse,
  TestCase,
  TokenUsage,
  ValueScale,
} from '../types';
import { CircuitBreaker, type BreakerOptions } from './breaker';
import {
  RunEvents,
  type RunEvent,
  type RunEventOf,
  type RunEventType,
  type RunSummary,
  type StoppedModel,
} from './events';
import { delay } from './limits';
import { planRun, pickQueue, poolsOf, unitAt, type Unit, type VariantQueue } from './plan';
import { ProgressTracker } from './progress';
import {
  buildResult,
  interpretError,
  interpretResponse,
  notSentResult,
  scoreOf,
  type Interpreted,
} from './record';
import { unitKey, type RunStatus, type RunStore, type RunTotals } from './store';

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
  cases: CaseList;
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
  /** Minimum interval between progress events, ms. Default 100. A progress event also fires every second. */
  progressIntervalMs?: number;
  /** Per-origin circuit breaker settings (threshold, pause); `false` turns it off. */
  breaker?: BreakerOptions | false;
  /** Unit keys (store.unitKey) not to run now, e.g. those in an open provider batch (src/core/batch). */
  skip?: ReadonlySet<string>;
  /** Variants (ids) none of whose units run now (e.g. every LLM unit of a batch export). */
  skipVariants?: ReadonlySet<string>;
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

/** The run's state shared by its steps. */
interface RunState {
  status: RunStatus;
  failure?: string;
  inFlight: number;
  retrying: number;
  reservedUsd: number;
  totals: RunTotals;
  stopped: StoppedModel[];
}

async function execute(
  o: RunEvalOptions,
  events: RunEvents,
  signal: AbortSignal,
  isCancelled: () => boolean,
): Promise<RunSummary> {
  const store = o.store;
  const cases = o.cases;
  const progressEvery = o.progressIntervalMs ?? 100;
  const abortable = abortableOn(signal);

  // Outcome counts describe the final state (last line per unit); tokens and cost add up every line ever
  // written, since superseded errors were paid for too.
  const plan = planRun(store.previous, store.spent, cases, o.variants, o.skip, o.skipVariants);
  const { queues, earlierErrors } = plan;
  const st: RunState = {
    status: 'running',
    inFlight: 0,
    retrying: 0,
    reservedUsd: 0,
    totals: plan.totals,
    stopped: [],
  };
  const totals = st.totals;
  const tracker = new ProgressTracker(plan.units, plan.pending, undefined, plan.skipped);

  events.emit({
    type: 'run-started',
    runId: store.id,
    dir: store.dir,
    total: totals.units,
    alreadyDone: plan.alreadyDone,
    resumed: store.resumed,
  });

  // One circuit breaker per endpoint origin (baselines have none).
  const breakers = new Map<string, CircuitBreaker>();
  if (o.breaker !== false) {
    for (const q of queues) {
      if (q.v.kind !== 'llm' || breakers.has(q.v.pool)) continue;
      const b = new CircuitBreaker(q.v.pool, o.breaker || {});
      b.onChange((c) => {
        events.emit({ type: 'endpoint', ...c });
        maybeProgress(true);
      });
      breakers.set(q.v.pool, b);
    }
  }

  let lastProgress = 0;
  let lastManifest = performance.now();
  // When each unit waiting to retry sends again: the ETA is never shorter than the longest wait.
  const retryWaits = new Map<AttemptGate, number>();
  const longestRetryWait = (now: number): number => {
    let longest = 0;
    for (const at of retryWaits.values()) longest = Math.max(longest, at - now);
    return longest;
  };
  const maybeProgress = (force = false): void => {
    const t = performance.now();
    if (!force && t - lastProgress < progressEvery) return;
    lastProgress = t;
    if (events.wants('progress')) {
      const paused = [...breakers.values()].filter((b) => b.current !== 'closed').map((b) => b.origin);
      events.emit({
        type: 'progress',
        progress: tracker.snapshot(
          totals,
          st.inFlight,
          { retrying: st.retrying, ...(paused.length ? { paused } : {}) },
          longestRetryWait(t),
        ),
      });
    }
    // The manifest carries live totals for readers such as a runs view (cheap: a small atomic rewrite).
    if (t - lastManifest >= 2000) {
      lastManifest = t;
      store.updateManifest({ totals: { ...totals }, updatedAt: new Date().toISOString() });
    }
  };
  maybeProgress(true);
  // A heartbeat: waits and retries produce no finished unit, and readers must still see the run move.
  const heartbeat = setInterval(() => maybeProgress(true), Math.max(progressEvery, 1000));

  const stopping = (): boolean => st.status !== 'running' || isCancelled();

  const stopModel = (q: VariantQueue, reason: string): void => {
    if (q.model.stopped !== undefined) return;
    q.model.stopped = reason;
    events.emit({ type: 'model-stopped', model: q.model.model, reason });
  };

  async function runUnit(q: VariantQueue, unit: Unit): Promise<void> {
    const v = q.v;
    const tc = cases.at(unit.caseIndex)!;
    let messages = EMPTY;
    let renderError: string | undefined;
    if (v.render) {
      try {
        messages = v.render(tc);
      } catch (e) {
        renderError = `template failed to render: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const admitted = await admit(q, messages, renderError !== undefined);
    if (!admitted) return;
    const { reserved, reservedTokens, needTokens } = admitted;
    if (events.wants('case-started'))
      events.emit({ type: 'case-started', caseId: tc.id, variant: v.id, sample: unit.sample });

    const started = performance.now();
    let got: Interpreted;
    let resp: PredictResponse | undefined;
    let attempts: number | undefined;
    if (renderError) got = { outcome: 'error', reason: renderError };
    else {
      try {
        resp = await abortable(predictThroughGate(q, tc, messages, unit.sample));
        attempts = resp.attempts;
        got = interpretResponse(resp, tc, o.scoring.scale);
      } catch (e) {
        if (signal.aborted) {
          st.reservedUsd -= reserved;
          return; // cancelled in flight: not an outcome; the unit stays pending
        }
        const err = interpretError(e);
        got = { outcome: 'error', reason: err.reason, reasonCode: err.reasonCode };
        attempts = err.attempts;
        if (err.fatal) stopModel(q, err.reason);
      }
    }
    const latencyMs = performance.now() - started;
    st.reservedUsd -= reserved;

    const scored = scoreOf(tc, got.prediction, o.scoring);
    if (scored.error) got.reason = `${got.reason ? `${got.reason}; ` : ''}${scored.error}`;
    const usage = resp?.usage;
    const cached = resp?.cached;
    let costUsd: number | undefined;
    try {
      // A cached answer cost nothing this time: its usage is kept, its price is not spent again.
      costUsd = usage && v.cost ? (cached ? 0 : v.cost(usage)) : undefined;
    } catch {
      costUsd = undefined;
    }
    const result = buildResult(tc, v, unit.sample, {
      ...got,
      ...(v.kind === 'llm' ? { messages } : {}),
      ...(resp ? { raw: resp.raw } : {}),
      ...(scored.score ? { score: scored.score } : {}),
      ...(usage ? { usage } : {}),
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(cached !== undefined ? { cached } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
      latencyMs,
    });
    store.append(result);
    account(
      q,
      result.outcome,
      usage,
      costUsd,
      cached,
      attempts,
      needTokens,
      reservedTokens,
      unitKey(tc.id, v.id, unit.sample),
    );
    if (events.wants('case-finished')) events.emit({ type: 'case-finished', result });
    maybeProgress();
  }

  /** Budget and rate limits before a request; null when the unit is not to be sent now (budget, cancel). */
  async function admit(
    q: VariantQueue,
    messages: ChatMessage[],
    renderFailed: boolean,
  ): Promise<{ reserved: number; reservedTokens: number; needTokens: boolean } | null> {
    const v = q.v;
    // Counting tokens costs time: only when a limit or the budget needs the number before the request.
    const needTokens =
      v.kind === 'llm' && (q.model.limiter.active || (o.budgetUsd !== undefined && v.cost !== undefined));
    if (v.kind !== 'llm' || renderFailed) return { reserved: 0, reservedTokens: 0, needTokens };
    const promptTokens = needTokens ? (v.countTokens ?? roughTokens)(messages) : 0;
    let reserved = 0;
    if (o.budgetUsd !== undefined && v.cost) {
      // Budget: project the cost before sending; stop when spent + in flight + this would exceed it.
      reserved = v.cost({ prompt: promptTokens, completion: Math.ceil(q.outTokens) }) ?? 0;
      if (totals.costUsd + st.reservedUsd + reserved > o.budgetUsd) {
        st.status = 'budget';
        return null;
      }
      st.reservedUsd += reserved;
    }
    const reservedTokens = promptTokens + Math.ceil(q.outTokens);
    const wait = q.model.limiter.reserve(reservedTokens);
    if (wait > 0) {
      try {
        await delay(wait, signal);
      } catch {
        st.reservedUsd -= reserved;
        return null; // cancelled while waiting: the unit stays pending
      }
    }
    return { reserved, reservedTokens, needTokens };
  }

  /** Sends with the endpoint's breaker as the gate of every attempt (the retry loop passes it) and reports retries. */
  function predictThroughGate(
    q: VariantQueue,
    tc: TestCase,
    messages: ChatMessage[],
    sample: number,
  ): Promise<PredictResponse> {
    const v = q.v;
    if (v.kind !== 'llm') return v.predictor.predict({ testCase: tc, messages, sample, signal });
    const breaker = breakers.get(v.pool);
    let waiting = false;
    const gate: AttemptGate = {
      admit: (s) => {
        if (waiting) {
          waiting = false;
          st.retrying--;
          retryWaits.delete(gate);
        }
        return breaker ? breaker.admit(s) : Promise.resolve();
      },
      settle: (f) => breaker?.settle(f),
      retrying: (record, index, policy) => {
        if (!waiting) {
          waiting = true;
          st.retrying++;
        }
        retryWaits.set(gate, performance.now() + (record.waitMs ?? 0));
        events.emit({
          type: 'retry',
          caseId: tc.id,
          variant: v.id,
          model: v.model,
          retry: index + 1,
          maxRetries: policy.maxRetries,
          waitMs: record.waitMs ?? 0,
          reason: record.failure?.reason ?? 'failed',
        });
      },
    };
    const done = (): void => {
      if (waiting) st.retrying--;
      retryWaits.delete(gate);
    };
    const p = v.predictor.predict({ testCase: tc, messages, sample, signal, gate });
    p.then(done, done);
    return p;
  }

  /** Counts, spend, rate-limit correction and pace after a line is queued. */
  function account(
    q: VariantQueue,
    outcome: CaseOutcome,
    usage: TokenUsage | undefined,
    costUsd: number | undefined,
    cached: boolean | undefined,
    attempts: number | undefined,
    needTokens: boolean,
    reservedTokens: number,
    key: string,
  ): void {
    if (earlierErrors.size && earlierErrors.delete(key)) totals.error--;
    totals[outcome]++;
    tracker.done(q.v.kind);
    if (usage) {
      totals.promptTokens += usage.prompt;
      totals.completionTokens += usage.completion;
      totals.reasoningTokens += usage.reasoning ?? 0;
      q.outSeen++;
      q.outTokens += (usage.completion - q.outTokens) / q.outSeen;
      if (needTokens) q.model.limiter.adjustTokens(usage.prompt + usage.completion - reservedTokens);
    }
    if (costUsd) totals.costUsd += costUsd;
    if (q.v.kind === 'llm') {
      if (cached) totals.cached++;
      else totals.requests += attempts ?? 1;
    }
  }

  // Workers per pool pull the next unit from the pool's variants in turn, respecting each model's cap.
  const workers: Promise<void>[] = [];
  for (const [pool, list] of poolsOf(queues)) {
    const size = o.poolConcurrency?.[pool] ?? (pool === LOCAL_POOL ? 1 : Math.max(1, o.concurrency ?? 8));
    const turn = { at: 0 };
    let waiters: (() => void)[] = [];
    const wakeAll = (): void => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        if (stopping()) return;
        const q = pickQueue(list, turn);
        if (q === null) return;
        if (q === 'wait') {
          await new Promise<void>((r) => waiters.push(r));
          continue;
        }
        const unit = unitAt(q, q.next++);
        q.model.inFlight++;
        st.inFlight++;
        try {
          await runUnit(q, unit);
        } catch (e) {
          // Only the store can throw here (a write failed): nothing more can be recorded.
          st.status = 'failed';
          st.failure = `cannot record results: ${e instanceof Error ? e.message : String(e)}`;
        } finally {
          q.model.inFlight--;
          st.inFlight--;
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
  try {
    await Promise.all(workers);
  } finally {
    clearInterval(heartbeat);
    for (const b of breakers.values()) b.dispose();
  }

  // Stopped models: their units never sent are recorded as errors (reasonCode "fatal") that a resume asks again.
  if (st.status === 'running' && !isCancelled()) recordNotSent();

  if (st.status === 'running') st.status = isCancelled() ? 'cancelled' : 'done';
  if (st.status === 'done' && st.stopped.length) {
    st.status = 'failed';
    st.failure = st.stopped
      .map(
        (m) =>
          `${m.model} stopped after a fatal error: ${m.reason}${m.notSent ? ` (${m.notSent} not sent)` : ''}`,
      )
      .join('; ');
  }
  if (st.status === 'done' && totals.success + totals.invalid + totals.error < totals.units)
    st.status = plan.skipped ? (o.skippedStatus ?? 'batch') : 'cancelled';
  maybeProgress(true);
  try {
    store.close({
      status: st.status,
      totals,
      ...(st.failure ? { error: st.failure } : {}),
      ...(st.stopped.length ? { stoppedModels: st.stopped } : {}),
    });
  } catch (e) {
    st.status = 'failed';
    st.failure = `cannot close the run: ${e instanceof Error ? e.message : String(e)}`;
  }
  const summary: RunSummary = {
    runId: store.id,
    dir: store.dir,
    status: st.status,
    totals,
    manifest: store.manifest(),
    ...(st.failure ? { error: st.failure } : {}),
    ...(st.stopped.length ? { stoppedModels: st.stopped } : {}),
  };
  events.emit({ type: 'run-finished', summary });
  return summary;

  function recordNotSent(): void {
    const byModel = new Map<string, StoppedModel>();
    for (const q of queues) {
      const reason = q.model.stopped;
      if (reason === undefined) continue;
      let entry = byModel.get(q.model.model);
      if (!entry) byModel.set(q.model.model, (entry = { model: q.model.model, reason, notSent: 0 }));
      for (; q.next < q.pending.length; q.next++) {
        const unit = unitAt(q, q.next);
        const tc = cases.at(unit.caseIndex)!;
        const line = notSentResult(tc, q.v, unit.sample, reason);
        const scored = scoreOf(tc, undefined, o.scoring);
        if (scored.score) line.score = scored.score;
        store.append(line);
        account(
          q,
          'error',
          undefined,
          undefined,
          undefined,
          0,
          false,
          0,
          unitKey(tc.id, q.v.id, unit.sample),
        );
        entry.notSent++;
      }
    }
    st.stopped.push(...byModel.values());
  }
}

type CaseOutcome = 'success' | 'invalid' | 'error';

function roughTokens(messages: ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += m.content.length;
  return Math.ceil(n / 4) + 4 * messages.length;
}

/**
 * `abortable(p)` settles with `p`, or rejects as soon as `signal` aborts (a predictor that ignores the signal
 * cannot stall). One listener on the signal for the whole run: a unit only joins and leaves a set.
 */
function abortableOn(signal: AbortSignal): <T>(p: Promise<T>) => Promise<T> {
  const waiting = new Set<(reason: unknown) => void>();
  signal.addEventListener(
    'abort',
    () => {
      for (const reject of waiting) reject(signal.reason);
      waiting.clear();
    },
    { once: true },
  );
  return <T>(p: Promise<T>): Promise<T> => {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      p.then(
        (v) => {
          waiting.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          waiting.delete(reject);
          reject(e);
        },
      );
    });
  };
}
