// The per-origin circuit breaker: every attempt to an endpoint passes through it (see `AttemptGate` in
// models/retry.ts). After `threshold` connection failures or timeouts in a row, across cases, it opens: no attempt
// starts for `pauseMs`, then one probe goes out while the others wait. A probe that gets any answer from the
// server closes it again; a probe that fails too marks the endpoint dead, and every waiting and later attempt is
// refused with a fatal error that names the origin, so the runner stops its models. Any HTTP answer (even an
// error status) proves the endpoint alive and resets the count.
import { PredictorError, type AttemptFailure, type AttemptGate } from '../models/retry';

export type BreakerState = 'closed' | 'open' | 'probing' | 'dead';

export interface BreakerOptions {
  /** Connection failures or timeouts in a row that open the breaker. Default 6. */
  threshold?: number;
  /** Pause before the probe, ms. Default 10 000. */
  pauseMs?: number;
}

export interface BreakerChange {
  origin: string;
  state: BreakerState;
  /** Failures in a row that led here. */
  failures: number;
  /** The last failure's reason. */
  reason: string;
  /** For `open`: how long until the probe, ms. */
  pauseMs?: number;
}

export const DEFAULT_BREAKER_THRESHOLD = 6;
export const DEFAULT_BREAKER_PAUSE_MS = 10_000;

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/** Whether a failed attempt says the endpoint may be down (rather than answering with an error). */
export function countsAsDown(failure: AttemptFailure | undefined): boolean {
  return failure !== undefined && (failure.kind === 'network' || failure.kind === 'timeout');
}

export class CircuitBreaker implements Pick<AttemptGate, 'admit' | 'settle'> {
  private state: BreakerState = 'closed';
  private failures = 0;
  private lastReason = '';
  private probeOut = false;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private deadError: PredictorError | undefined;
  private readonly listeners = new Set<(c: BreakerChange) => void>();
  readonly threshold: number;
  readonly pauseMs: number;

  constructor(
    readonly origin: string,
    options: BreakerOptions = {},
  ) {
    this.threshold = Math.max(1, options.threshold ?? DEFAULT_BREAKER_THRESHOLD);
    this.pauseMs = Math.max(0, options.pauseMs ?? DEFAULT_BREAKER_PAUSE_MS);
  }

  get current(): BreakerState {
    return this.state;
  }

  onChange(fn: (c: BreakerChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  admit(signal: AbortSignal): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    if (this.state === 'dead') return Promise.reject(this.deadError);
    if (this.state === 'probing' && !this.probeOut) {
      // The pause is over and nobody probes yet: this attempt is the probe.
      this.probeOut = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const w: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  settle(failure: AttemptFailure | undefined): void {
    if (this.state === 'dead') return;
    const down = countsAsDown(failure);
    if (!down) {
      // The server answered: it is alive, whatever the state.
      this.failures = 0;
      if (this.state !== 'closed') this.close();
      return;
    }
    this.failures++;
    this.lastReason = failure!.reason;
    if (this.state === 'probing' && this.probeOut) {
      this.die();
      return;
    }
    if (this.state === 'closed' && this.failures >= this.threshold) this.open();
  }

  /** Stops the pause timer (the run is over). Waiters are left to their signals. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private open(): void {
    this.state = 'open';
    this.emit({ pauseMs: this.pauseMs });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state !== 'open') return;
      this.state = 'probing';
      this.emit();
      const probe = this.waiters.shift();
      if (probe) {
        this.probeOut = true;
        this.release(probe).resolve();
      }
    }, this.pauseMs);
  }

  private close(): void {
    this.dispose();
    this.state = 'closed';
    this.probeOut = false;
    this.emit();
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) this.release(w).resolve();
  }

  private die(): void {
    this.dispose();
    this.state = 'dead';
    this.probeOut = false;
    const pause = Math.round(this.pauseMs / 1000);
    this.deadError = new PredictorError(
      'network',
      `${this.origin} is not answering: ${this.failures - 1} connection failures or timeouts in a row, then a probe after a ${pause} s pause failed too (last: ${this.lastReason}); check that the server is up`,
      { retryable: false, fatal: true },
    );
    this.emit();
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) this.release(w).reject(this.deadError);
  }

  private release(w: Waiter): Waiter {
    w.signal.removeEventListener('abort', w.onAbort);
    return w;
  }

  private emit(extra: Partial<BreakerChange> = {}): void {
    const change: BreakerChange = {
      origin: this.origin,
      state: this.state,
      failures: this.failures,
      reason: this.lastReason,
      ...extra,
    };
    for (const f of this.listeners) {
      try {
        f(change);
      } catch {
        /* a listener's bug must not break the run */
      }
    }
  }
}
