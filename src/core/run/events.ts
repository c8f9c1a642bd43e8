// What a run reports while it goes: typed events, delivered to listeners (`on`) and to async iterators.
import type { CaseResult } from '../types';
import type { BreakerState } from './breaker';
import type { RunManifest, RunStatus, RunTotals } from './store';

export interface RunProgress {
  /** Units (case × variant × sample) with a line: earlier sessions' successes and invalids, and this session's. */
  done: number;
  total: number;
  success: number;
  invalid: number;
  error: number;
  inFlight: number;
  /** Units finished in this session. */
  finishedThisSession: number;
  elapsedMs: number;
  /**
   * Estimated time to finish: model units and baselines are paced apart, each from its recent rate; null until
   * every kind with work left has finished a unit.
   */
  etaMs: number | null;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Model units (case × model variant × sample) with a line, and all of them. */
  models?: { done: number; total: number };
  /** Baseline units with a line, and all of them. */
  baselines?: { done: number; total: number };
  /** Requests waiting before a retry now. */
  retrying?: number;
  /** Endpoints whose circuit breaker is open or probing (no request goes out but the probe). */
  paused?: string[];
}

/** A model the runner stopped sending to, after a fatal error (or a dead endpoint). */
export interface StoppedModel {
  model: string;
  /** The server's message (or the breaker's). */
  reason: string;
  /** Units of that model recorded as not sent (error lines with reasonCode "fatal"; a resume asks them). */
  notSent: number;
}

export interface RunSummary {
  runId: string;
  dir: string;
  status: RunStatus;
  totals: RunTotals;
  manifest: RunManifest;
  /** Why the run failed (status failed). */
  error?: string;
  /** Models stopped after a fatal error (the run's status is then "failed"). */
  stoppedModels?: StoppedModel[];
}

export type RunEvent =
  | { type: 'run-started'; runId: string; dir: string; total: number; alreadyDone: number; resumed: boolean }
  | { type: 'case-started'; caseId: string; variant: string; sample: number }
  | { type: 'case-finished'; result: CaseResult }
  | { type: 'progress'; progress: RunProgress }
  | {
      /** A request failed and will be sent again after `waitMs`. */
      type: 'retry';
      caseId: string;
      variant: string;
      model: string;
      /** The retry about to happen, 1-based, of `maxRetries`. */
      retry: number;
      maxRetries: number;
      waitMs: number;
      reason: string;
    }
  | {
      /** An endpoint's circuit breaker changed state (see breaker.ts). */
      type: 'endpoint';
      origin: string;
      state: BreakerState;
      failures: number;
      reason: string;
      pauseMs?: number;
    }
  | { type: 'model-stopped'; model: string; reason: string }
  | { type: 'run-finished'; summary: RunSummary };

export type RunEventType = RunEvent['type'];
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

/** A tiny synchronous emitter; listener errors are contained so one bad listener cannot break the run. */
export class RunEvents {
  private readonly byType = new Map<RunEventType, Set<(e: RunEvent) => void>>();
  private readonly all = new Set<(e: RunEvent) => void>();

  on<T extends RunEventType>(type: T, fn: (e: RunEventOf<T>) => void): () => void {
    let set = this.byType.get(type);
    if (!set) this.byType.set(type, (set = new Set()));
    const f = fn as (e: RunEvent) => void;
    set.add(f);
    return () => set.delete(f);
  }

  onAny(fn: (e: RunEvent) => void): () => void {
    this.all.add(fn);
    return () => this.all.delete(fn);
  }

  /** True when someone listens to `type`: lets the hot path skip building events nobody reads. */
  wants(type: RunEventType): boolean {
    return this.all.size > 0 || (this.byType.get(type)?.size ?? 0) > 0;
  }

  emit(e: RunEvent): void {
    const set = this.byType.get(e.type);
    if (set) for (const f of set) safe(f, e);
    for (const f of this.all) safe(f, e);
  }

  /** An async iterator over the events from now on; it ends after run-finished. */
  iterate(): AsyncIterableIterator<RunEvent> {
    const queue: RunEvent[] = [];
    let head = 0;
    let wake: (() => void) | null = null;
    let ended = false;
    const off = this.onAny((e) => {
      queue.push(e);
      if (e.type === 'run-finished') ended = true;
      wake?.();
      wake = null;
    });
    const it: AsyncIterableIterator<RunEvent> = {
      async next(): Promise<IteratorResult<RunEvent>> {
        while (head === queue.length) {
          if (ended) {
            off();
            return { done: true, value: undefined };
          }
          await new Promise<void>((r) => (wake = r));
        }
        const value = queue[head++]!;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head); // drop what was read, without an O(n) shift per event
          head = 0;
        }
        return { done: false, value };
      },
      async return(): Promise<IteratorResult<RunEvent>> {
        off();
        ended = true;
        queue.length = 0;
        head = 0;
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }
}

function safe(f: (e: RunEvent) => void, e: RunEvent): void {
  try {
    f(e);
  } catch {
    /* a listener's bug must not break the run */
  }
}
