// The retry loop every LLM request goes through: exponential backoff with full jitter, `Retry-After` and
// `retry-after-ms` honoured as a minimum wait, a per-attempt timeout, and cancellation that aborts the attempt
// in flight at once. The openai client's own retries and timeout are off (see openai.ts): this loop owns them,
// so the runner sees one place that decides and records every attempt. Clock, sleep and random are injectable.
// Two bounds keep a dead endpoint from holding a run: a cap on the total time one request may spend in attempts
// and waits (`maxTotalMs`), and an optional gate (the runner's per-origin circuit breaker, run/breaker.ts) that
// every attempt passes through; the runner hands it over in the request (PredictRequest.gate), and the shared LLM
// predictor (providers/llm.ts) passes it here, so every provider gets it.

/** Why a request failed, as a short word the run store and the UI can group by. */
export type PredictorErrorKind =
  'http' | 'network' | 'timeout' | 'aborted' | 'bad-response' | 'origin' | 'config';

/**
 * A request that failed for good (after its retries, or at once when retrying cannot help). `reason` is safe to
 * store and show: it never contains the API key (see `redactSecrets`).
 */
export class PredictorError extends Error {
  override readonly name = 'PredictorError';
  constructor(
    readonly kind: PredictorErrorKind,
    readonly reason: string,
    readonly details: { status?: number; attempts?: number; retryable?: boolean; fatal?: boolean } = {},
  ) {
    super(reason);
  }
  get status(): number | undefined {
    return this.details.status;
  }
  get attempts(): number {
    return this.details.attempts ?? 0;
  }
  /**
   * True when no other case of the same model can succeed either, so the runner stops sending to it: a refused
   * key (401/403), an unknown model or route (404), a 400 that names the model or a parameter (not one about a
   * too-long prompt, which is the case's own), a bad configuration, or an endpoint the circuit breaker gave up.
   * A provider that knows better sets `details.fatal` (providers/errors.ts).
   */
  get fatal(): boolean {
    if (this.details.fatal !== undefined) return this.details.fatal;
    if (this.kind === 'config' || this.kind === 'origin') return true;
    return isFatalStatus(this.status, this.reason);
  }
}

/** The HTTP answers a retry cannot fix for any case of a model (see PredictorError.fatal). */
export function isFatalStatus(status: number | undefined, message: string): boolean {
  if (status === 401 || status === 403 || status === 404) return true;
  if (status !== 400) return false;
  if (/context[ _]length|maximum context|too long|too many tokens|reduce the length/i.test(message))
    return false;
  return /\bmodel\b|\bparam(eter)?s?\b|unsupported|not supported|unrecognized|unknown/i.test(message);
}

/**
 * What every attempt passes through when set (the runner's per-origin circuit breaker): `admit` resolves when
 * an attempt may start and rejects with a fatal PredictorError when the endpoint is given up; `settle` is told
 * how the attempt went; `retrying` is told of every wait before a retry (progress and logs).
 */
export interface AttemptGate {
  admit(signal: AbortSignal): Promise<void>;
  settle(failure: AttemptFailure | undefined): void;
  retrying?(record: AttemptRecord, index: number, policy: RetryPolicy): void;
}

/** Default cap on the time one request spends in attempts and waits: two full attempts, at least 2 minutes. */
export function defaultMaxTotalMs(timeoutMs: number): number {
  return Math.max(120_000, Number.isFinite(timeoutMs) ? 2 * timeoutMs : 0);
}

/** How one failed attempt is to be treated. */
export interface AttemptFailure {
  retryable: boolean;
  kind: PredictorErrorKind;
  reason: string;
  status?: number;
  /** The server's requested wait, ms (from Retry-After / retry-after-ms). */
  retryAfterMs?: number;
  /** No request to this model can succeed (see PredictorError.fatal). */
  fatal?: boolean;
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Timeout of one attempt, ms (0 or Infinity: none). */
  timeoutMs: number;
  /**
   * The attempt enforces `timeoutMs` itself (the lean transport's whole-attempt deadline, transport.ts): the loop
   * arms no timer of its own, except for an attempt cut shorter to fit `maxTotalMs`.
   */
  selfTimed?: boolean;
  /** First backoff ceiling, ms; doubles per retry. Default 500. */
  baseDelayMs?: number;
  /** Largest backoff ceiling, ms. Default 30 000. */
  maxDelayMs?: number;
  /** A Retry-After above this fails the request instead of waiting. Default 10 minutes. */
  maxRetryAfterMs?: number;
  /**
   * Cap on the total time of one request, attempts and waits together, ms: no retry starts past it and the last
   * attempt's timeout is shortened to fit. Default `defaultMaxTotalMs(timeoutMs)`; Infinity: none.
   */
  maxTotalMs?: number;
}

export interface RetryDeps {
  /** Epoch ms. */
  now: () => number;
  /** Resolves after `ms` (never earlier by `now`), rejects when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

/** One attempt as the loop saw it. */
export interface AttemptRecord {
  startedAt: number;
  durationMs: number;
  /** Undefined for the attempt that succeeded. */
  failure?: AttemptFailure;
  /** The wait before the next attempt, ms. */
  waitMs?: number;
}

export interface RetryOutcome<T> {
  value: T;
  attempts: AttemptRecord[];
}

/** Sleep that never wakes early (timers may fire a little before `now` says they should) and aborts at once. */
export function realSleep(ms: number, signal: AbortSignal, now: () => number = Date.now): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const until = now() + ms;
    let timer: NodeJS.Timeout;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const tick = (): void => {
      const left = until - now();
      if (left > 0) {
        timer = setTimeout(tick, Math.ceil(left));
        return;
      }
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(tick, Math.max(0, ms));
  });
}

export const realRetryDeps: RetryDeps = {
  now: Date.now,
  sleep: (ms, signal) => realSleep(ms, signal),
  random: Math.random,
};

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('The operation was aborted', 'AbortError');
}

/**
 * The server's requested wait in ms from `retry-after-ms` and `Retry-After` (seconds or an HTTP date); the
 * larger when both are present, so no header is ever undercut. Undefined when neither parses.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  let wait: number | undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) wait = n;
  }
  const ra = headers.get('retry-after');
  if (ra !== null && ra.trim() !== '') {
    const trimmed = ra.trim();
    let n: number | undefined;
    if (/^\d+(\.\d+)?$/.test(trimmed)) n = Number(trimmed) * 1000;
    else {
      const at = Date.parse(trimmed);
      // An HTTP date has one-second resolution: round the wait up so a retry never lands before it.
      if (Number.isFinite(at)) n = Math.max(0, at - nowMs);
    }
    if (n !== undefined) wait = Math.max(wait ?? 0, n);
  }
  return wait;
}

/** Full jitter: uniform in [0, min(maxDelay, base * 2^retry)). `retry` counts from 0. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const base = policy.baseDelayMs ?? 500;
  const cap = Math.min(policy.maxDelayMs ?? 30_000, base * 2 ** Math.min(retry, 30));
  return random() * cap;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `signal` aborts. Each attempt gets its own signal that
 * aborts on the caller's cancel or on the attempt timeout. `classify` turns a thrown error into an
 * AttemptFailure (timeouts are recognised here: when the attempt's own timer fired, the failure is a timeout).
 * Throws a PredictorError whose details carry the number of attempts.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal, index: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    signal: AbortSignal;
    classify: (error: unknown) => AttemptFailure;
    deps?: RetryDeps;
    /** Called after every failed attempt, before the wait (for logs and progress). */
    onRetry?: (record: AttemptRecord, index: number) => void;
    /** The gate every attempt passes through (the runner's circuit breaker), if any. */
    gate?: AttemptGate;
  },
): Promise<RetryOutcome<T>> {
  const { policy, signal, classify } = options;
  const deps = options.deps ?? realRetryDeps;
  const gate = options.gate;
  const attempts: AttemptRecord[] = [];
  const timeoutMs = policy.timeoutMs > 0 && Number.isFinite(policy.timeoutMs) ? policy.timeoutMs : 0;
  const maxTotalMs = policy.maxTotalMs ?? defaultMaxTotalMs(timeoutMs);
  const firstStart = deps.now();
  for (let index = 0; ; index++) {
    if (signal.aborted) throw cancelled(attempts.length);
    if (gate) {
      try {
        await gate.admit(signal);
      } catch (e) {
        if (signal.aborted) throw cancelled(attempts.length);
        if (e instanceof PredictorError)
          throw new PredictorError(e.kind, e.reason, { ...e.details, attempts: attempts.length });
        throw e;
      }
    }
    // The last attempt that fits under the total cap gets only the time left (never less than a second).
    const left = Number.isFinite(maxTotalMs) ? maxTotalMs - (deps.now() - firstStart) : Infinity;
    const thisTimeout = timeoutMs ? Math.min(timeoutMs, Math.max(1000, left)) : 0;
    // A timer of the loop's own only where the attempt does not time itself (or must end sooner than it would).
    const ownTimeout = thisTimeout && (!policy.selfTimed || thisTimeout < timeoutMs) ? thisTimeout : 0;
    // Each attempt gets a signal of its own (clients listen on it and never let go); it aborts on the caller's
    // cancel and on the loop's timeout.
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = (): void => controller.abort(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = ownTimeout
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new DOMException('request timed out', 'TimeoutError'));
        }, ownTimeout)
      : undefined;
    const startedAt = deps.now();
    let failure: AttemptFailure;
    try {
      const value = await attempt(controller.signal, index);
      attempts.push({ startedAt, durationMs: deps.now() - startedAt });
      gate?.settle(undefined);
      return { value, attempts };
    } catch (error) {
      if (signal.aborted) throw cancelled(attempts.length + 1);
      failure = timedOut
        ? { retryable: true, kind: 'timeout', reason: `no answer within ${Math.round(ownTimeout)} ms` }
        : classify(error);
      gate?.settle(failure);
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    const record: AttemptRecord = { startedAt, durationMs: deps.now() - startedAt, failure };
    attempts.push(record);
    const n = attempts.length;
    const maxRetryAfter = policy.maxRetryAfterMs ?? 600_000;
    if (!failure.retryable || index >= policy.maxRetries) {
      const tail = failure.retryable ? ` (gave up after ${n} attempt${n === 1 ? '' : 's'})` : '';
      throw new PredictorError(failure.kind, failure.reason + tail, {
        status: failure.status,
        attempts: n,
        retryable: failure.retryable,
        ...(failure.fatal !== undefined ? { fatal: failure.fatal } : {}),
      });
    }
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > maxRetryAfter) {
      throw new PredictorError(
        failure.kind,
        `${failure.reason} (the server asked to wait ${Math.round(failure.retryAfterMs / 1000)} s, more than the ${Math.round(maxRetryAfter / 1000)} s allowed)`,
        { status: failure.status, attempts: n, retryable: true },
      );
    }
    const wait = Math.max(backoffDelay(index, policy, deps.random), failure.retryAfterMs ?? 0);
    const spent = deps.now() - firstStart;
    // Past the cap (or no second left after the wait): give up now rather than start an attempt that cannot fit.
    if (spent + wait + 1000 > maxTotalMs) {
      throw new PredictorError(
        failure.kind,
        `${failure.reason} (gave up after ${n} attempt${n === 1 ? '' : 's'} in ${Math.round(spent / 1000)} s: a request may take at most ${Math.round(maxTotalMs / 1000)} s with its retries)`,
        { status: failure.status, attempts: n, retryable: true },
      );
    }
    record.waitMs = wait;
    options.onRetry?.(record, index);
    gate?.retrying?.(record, index, policy);
    try {
      await deps.sleep(wait, signal);
    } catch {
      throw cancelled(n);
    }
  }
}

function cancelled(attempts: number): PredictorError {
  return new PredictorError('aborted', 'cancelled', { attempts, retryable: false });
}

/**
 * Removes anything that looks like a credential from a text that will be stored or shown: the key itself,
 * bearer tokens and `sk-…`-style keys (providers echo a masked key in 401 messages).
 */
export function redactSecrets(text: string, secrets: (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out
    .replace(/\b(Bearer|Basic)\s+[^\s"',]+/gi, '$1 ***')
    .replace(/\b(sk|pk|rk|sess|key)[-_][A-Za-z0-9_*.-]{6,}/g, '$1-***')
    .replace(/(api[-_]?key["'=:\s]+)[^\s"',&]+/gi, '$1***');
}
