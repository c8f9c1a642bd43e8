// The retry loop with a fake clock: Retry-After as a minimum wait, full-jitter backoff, limits, timeouts, cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PredictorError,
  backoffDelay,
  parseRetryAfter,
  realSleep,
  redactSecrets,
  withRetries,
  type AttemptFailure,
  type RetryDeps,
} from '../../../src/core/models/retry';

const headers = (h: Record<string, string>) => new Headers(h);

/** A clock that only moves when the loop sleeps; records every wait. */
function fakeDeps(randoms: number[] = [0.5]): RetryDeps & { waits: number[]; t: number } {
  const d = {
    t: 1_000_000,
    waits: [] as number[],
    now: () => d.t,
    random: () => randoms[d.waits.length % randoms.length]!,
    sleep: async (ms: number, signal: AbortSignal) => {
      if (signal.aborted) throw new Error('aborted');
      d.waits.push(ms);
      d.t += ms;
    },
  };
  return d;
}

const http = (status: number, retryAfterMs?: number): AttemptFailure => ({
  retryable: status === 429 || status >= 500,
  kind: 'http',
  status,
  reason: `HTTP ${status}`,
  retryAfterMs,
});

class Fail extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.reason);
  }
}
const classify = (e: unknown): AttemptFailure => (e as Fail).failure;

test('parseRetryAfter: seconds, HTTP date, retry-after-ms, the larger of both, garbage', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter(headers({ 'retry-after': '3' }), now), 3000);
  assert.equal(parseRetryAfter(headers({ 'retry-after': '0.5' }), now), 500);
  assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '250' }), now), 250);
  assert.equal(parseRetryAfter(headers({ 'retry-after': '1', 'retry-after-ms': '250' }), now), 1000);
  assert.equal(parseRetryAfter(headers({ 'retry-after': '1', 'retry-after-ms': '2500' }), now), 2500);
  assert.equal(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }), now), 7000);
  assert.equal(parseRetryAfter(headers({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), now), 0);
  assert.equal(parseRetryAfter(headers({ 'retry-after': 'soon' }), now), undefined);
  assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '-5' }), now), undefined);
  assert.equal(parseRetryAfter(headers({}), now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('backoffDelay is full jitter under an exponential, capped ceiling', () => {
  const policy = { maxRetries: 10, timeoutMs: 0, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(0, policy, () => 0.999999) < 100, true);
  assert.equal(
    backoffDelay(0, policy, () => 0),
    0,
  );
  assert.ok(Math.abs(backoffDelay(2, policy, () => 0.5) - 200) < 1e-9);
  assert.ok(Math.abs(backoffDelay(9, policy, () => 0.5) - 500) < 1e-9);
});

test('every wait is at least the Retry-After the server asked for, and attempts are recorded', async () => {
  const deps = fakeDeps([0.01]);
  const script = [http(429, 1500), http(503), http(429, 20), http(502, 700)];
  let calls = 0;
  const out = await withRetries(
    async () => {
      const f = script[calls++];
      if (f) throw new Fail(f);
      return 'ok';
    },
    {
      policy: { maxRetries: 6, timeoutMs: 0, baseDelayMs: 100 },
      signal: new AbortController().signal,
      classify,
      deps,
    },
  );
  assert.equal(out.value, 'ok');
  assert.equal(out.attempts.length, 5);
  assert.equal(deps.waits.length, 4);
  script.forEach((f, i) => assert.ok(deps.waits[i]! >= (f.retryAfterMs ?? 0), `wait ${i}`));
  assert.equal(deps.waits[0], 1500);
  // Without Retry-After the wait is the jittered backoff: 0.01 * 100 * 2^1.
  assert.ok(Math.abs(deps.waits[1]! - 2) < 1e-9);
  assert.deepEqual(
    out.attempts.map((a) => a.failure?.status),
    [429, 503, 429, 502, undefined],
  );
  assert.equal(out.attempts[0]!.waitMs, 1500);
});

test('gives up after maxRetries with the last reason and the attempt count', async () => {
  const deps = fakeDeps();
  let calls = 0;
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        throw new Fail(http(500));
      },
      { policy: { maxRetries: 3, timeoutMs: 0 }, signal: new AbortController().signal, classify, deps },
    ),
    (e: unknown) => {
      assert.ok(e instanceof PredictorError);
      assert.equal(e.kind, 'http');
      assert.equal(e.status, 500);
      assert.equal(e.attempts, 4);
      assert.match(e.reason, /HTTP 500 \(gave up after 4 attempts\)/);
      return true;
    },
  );
  assert.equal(calls, 4);
});

test('a non-retryable failure stops at once', async () => {
  const deps = fakeDeps();
  let calls = 0;
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        throw new Fail(http(400));
      },
      { policy: { maxRetries: 5, timeoutMs: 0 }, signal: new AbortController().signal, classify, deps },
    ),
    { name: 'PredictorError', reason: 'HTTP 400' },
  );
  assert.equal(calls, 1);
  assert.equal(deps.waits.length, 0);
});

test('a Retry-After beyond the limit fails instead of waiting', async () => {
  const deps = fakeDeps();
  await assert.rejects(
    withRetries(
      async () => {
        throw new Fail(http(429, 3_600_000));
      },
      {
        policy: { maxRetries: 5, timeoutMs: 0, maxRetryAfterMs: 60_000 },
        signal: new AbortController().signal,
        classify,
        deps,
      },
    ),
    /asked to wait 3600 s/,
  );
  assert.equal(deps.waits.length, 0);
});

test('cancelling aborts the attempt in flight at once and ends as "aborted"', async () => {
  const ac = new AbortController();
  let attemptSignal: AbortSignal | undefined;
  const pending = withRetries(
    (signal) =>
      new Promise<string>((_resolve, reject) => {
        attemptSignal = signal;
        signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
      }),
    { policy: { maxRetries: 5, timeoutMs: 0 }, signal: ac.signal, classify },
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(attemptSignal?.aborted, false);
  ac.abort();
  assert.equal(attemptSignal?.aborted, true);
  await assert.rejects(pending, (e: unknown) => e instanceof PredictorError && e.kind === 'aborted');
});

test('cancelling during a backoff wait ends it at once (real sleep)', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  const pending = withRetries(
    async () => {
      throw new Fail(http(429, 60_000));
    },
    { policy: { maxRetries: 5, timeoutMs: 0 }, signal: ac.signal, classify },
  );
  setImmediate(() => ac.abort());
  await assert.rejects(pending, { kind: 'aborted' });
  assert.ok(performance.now() - t0 < 1000);
});

test('an attempt that outlives the timeout is aborted and retried as a timeout', async () => {
  let calls = 0;
  const seen: boolean[] = [];
  const out = await withRetries(
    (signal) => {
      calls++;
      if (calls === 1) {
        return new Promise<string>((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            seen.push(signal.aborted);
            reject(new Error('aborted'));
          }),
        );
      }
      return Promise.resolve('second');
    },
    {
      policy: { maxRetries: 2, timeoutMs: 30, baseDelayMs: 1 },
      signal: new AbortController().signal,
      classify,
    },
  );
  assert.equal(out.value, 'second');
  assert.equal(out.attempts[0]!.failure?.kind, 'timeout');
  assert.match(out.attempts[0]!.failure!.reason, /no answer within 30 ms/);
  assert.ok(out.attempts[0]!.durationMs >= 29);
  assert.deepEqual(seen, [true]);
});

test('realSleep never wakes before the deadline by its clock', async () => {
  for (const ms of [1, 5, 17]) {
    const t0 = Date.now();
    await realSleep(ms, new AbortController().signal);
    assert.ok(Date.now() - t0 >= ms);
  }
});

test('redactSecrets removes the key, bearer tokens and sk- style keys', () => {
  const key = 'sk-proj-ABCDEF1234567890';
  const text = `Incorrect API key provided: sk-proj-****7890. Authorization: Bearer ${key}; raw ${key}; api_key=hunter22`;
  const out = redactSecrets(text, [key]);
  assert.ok(!out.includes(key));
  assert.ok(!out.includes('7890'));
  assert.ok(!out.includes('hunter22'));
  assert.match(out, /Incorrect API key provided/);
});

test('a self-timed attempt gets no timer from the loop, unless the total cap cuts it shorter', async () => {
  // Longer than timeoutMs, but the attempt times itself (the lean transport): the loop lets it finish.
  const slow = await withRetries(
    () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 60)),
    {
      policy: { maxRetries: 0, timeoutMs: 20, selfTimed: true },
      signal: new AbortController().signal,
      classify,
    },
  );
  assert.equal(slow.value, 'late');
  // The cap leaves this attempt 1 s of its 60 s: the loop times it itself (119 s went by before it started).
  let reads = 0;
  const deps = { now: () => (reads++ === 0 ? 0 : 119_000), sleep: async () => {}, random: () => 0 };
  const t0 = performance.now();
  await assert.rejects(
    withRetries(
      (signal) =>
        new Promise<string>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
      {
        policy: { maxRetries: 0, timeoutMs: 60_000, selfTimed: true, maxTotalMs: 120_000 },
        signal: new AbortController().signal,
        classify,
        deps,
      },
    ),
    (e: unknown) => e instanceof PredictorError && e.kind === 'timeout' && /within 1000 ms/.test(e.reason),
  );
  assert.ok(performance.now() - t0 >= 990);
});
