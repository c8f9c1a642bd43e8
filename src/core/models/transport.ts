// A lean `fetch` for every provider over node:http(s) with keep-alive agents. The default fetch (undici's and
// WHATWG streams) costs ~0.35-0.45 ms of CPU per request on these machines against ~0.2 ms for this one
// (bench/runner.bench.ts); at 32 requests in flight on two shared cores that difference is the runner's whole
// budget for rendering, parsing, scoring and storing. It does only what a provider needs: a string body, the
// response read whole, abort destroying the socket at once, redirects refused (never followed: a redirect could
// carry the key to another origin), and timeouts a dead endpoint cannot stretch: one to connect, one from the
// request on the wire to the first byte of the answer, and optionally one on the whole request (the retry loop's
// backstop, kept here so an attempt costs one timer, not one per limit).
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

// One keep-alive pool per protocol for the process; the runner bounds the requests in flight.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' }),
  https: new https.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' }),
};

/** Connect and response timeouts of the lean transport, ms (0 or absent: none). */
export interface TransportTimeouts {
  /** From the request to a connected socket (TLS included). */
  connectTimeoutMs?: number;
  /** From a connected socket to the first byte of the answer (for a whole-answer request: the model's time). */
  responseTimeoutMs?: number;
  /** From the request to the last byte of the answer (a body that never ends, a slow connect plus answer). */
  attemptTimeoutMs?: number;
}

/** A transport timeout: the cause of the `fetch failed` error a provider classifies as a retryable `timeout`. */
export class TransportTimeoutError extends Error {
  override readonly name = 'TransportTimeoutError';
  constructor(
    readonly phase: 'connect' | 'response' | 'attempt',
    readonly ms: number,
  ) {
    super(phase === 'connect' ? `no connection within ${ms} ms` : `no answer within ${ms} ms`);
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers) init.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(init)) for (const [k, v] of init) out[k!.toLowerCase()] = v!;
  else
    for (const [k, v] of Object.entries(init))
      if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}

/** A fetch with the given timeouts (see `nodeFetch`). */
export function createNodeFetch(
  timeouts: TransportTimeouts,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return (input, init) => leanFetch(input, init, timeouts);
}

/** A fetch good enough for the providers: POST/GET with a string or bytes body, the answer read whole. */
export function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  return leanFetch(input, init, {});
}

function leanFetch(
  input: string | URL | Request,
  init: RequestInit = {},
  timeouts: TransportTimeouts,
): Promise<Response> {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:')
      return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return reject(new TypeError('nodeFetch sends string or byte bodies only'));
    }
    const headers = headerRecord(init.headers);
    if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    const req = (isHttps ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: (init.method ?? 'GET').toUpperCase(),
        headers,
        agent: isHttps ? agents.https : agents.http,
      },
      (res) => {
        // The answer has begun: only the whole-request deadline (if any) still applies.
        phaseDue = Infinity;
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          return fail(new TypeError('fetch failed', { cause: new Error(`unexpected redirect (${status})`) }));
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(new TypeError('terminated', { cause: e })));
        res.on('aborted', () => fail(new TypeError('terminated', { cause: new Error('other side closed') })));
        res.on('end', () => {
          if (res.readableAborted || (!res.complete && status !== 0)) {
            return fail(
              new TypeError('terminated', { cause: new Error('other side closed before the whole answer') }),
            );
          }
          const h = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!);
          const nullBody = status === 204 || status === 205 || status === 304;
          try {
            // No accept-encoding is sent, but a proxy may compress anyway: decode as fetch would.
            let bytes = Buffer.concat(chunks);
            const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
            if (encoding && encoding !== 'identity' && bytes.length) {
              if (encoding === 'gzip' || encoding === 'x-gzip') bytes = zlib.gunzipSync(bytes);
              else if (encoding === 'deflate') bytes = zlib.inflateSync(bytes);
              else if (encoding === 'br') bytes = zlib.brotliDecompressSync(bytes);
              h.delete('content-encoding');
              h.delete('content-length');
            }
            done();
            resolve(
              new Response(nullBody ? null : bytes, {
                status,
                statusText: res.statusMessage ?? '',
                headers: h,
              }),
            );
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    let settled = false;
    // One timer per request, armed for the nearest deadline: the phase's (connecting, then waiting for the first
    // byte) or the whole request's. Moving to a later phase does not re-arm it: when it fires early it re-arms
    // for what is left, so a request that ends in time has armed and cleared exactly one timer.
    const positive = (ms: number | undefined): number | undefined =>
      ms && Number.isFinite(ms) && ms > 0 ? ms : undefined;
    const attemptMs = positive(timeouts.attemptTimeoutMs);
    const attemptDue = attemptMs ? performance.now() + attemptMs : Infinity;
    let phase: 'connect' | 'response' = 'response';
    let phaseMs = 0;
    let phaseDue = Infinity;
    let timer: NodeJS.Timeout | undefined;
    let timerDue = Infinity;
    const clearTimer = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerDue = Infinity;
    };
    const onTimer = (): void => {
      timer = undefined;
      timerDue = Infinity;
      const now = performance.now();
      if (now >= phaseDue)
        return fail(new TypeError('fetch failed', { cause: new TransportTimeoutError(phase, phaseMs) }));
      if (now >= attemptDue)
        return fail(
          new TypeError('fetch failed', { cause: new TransportTimeoutError('attempt', attemptMs!) }),
        );
      schedule();
    };
    const schedule = (): void => {
      const due = Math.min(phaseDue, attemptDue);
      if (settled || due === Infinity || (timer && timerDue <= due)) return;
      clearTimer();
      timerDue = due;
      timer = setTimeout(onTimer, Math.max(0, Math.ceil(due - performance.now())));
    };
    const enter = (next: 'connect' | 'response', ms: number | undefined): void => {
      phase = next;
      phaseMs = positive(ms) ?? 0;
      phaseDue = phaseMs ? performance.now() + phaseMs : Infinity;
      schedule();
    };
    const waitForAnswer = (): void => enter('response', timeouts.responseTimeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) return waitForAnswer();
      enter('connect', timeouts.connectTimeoutMs);
      socket.once(isHttps ? 'secureConnect' : 'connect', waitForAnswer);
    });
    const onAbort = (): void => {
      req.destroy();
      fail(abortError(signal!));
    };
    function done(): void {
      settled = true;
      clearTimer();
      signal?.removeEventListener('abort', onAbort);
    }
    function fail(e: unknown): void {
      if (settled) return;
      done();
      req.destroy();
      reject(e);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
    req.end(body ?? undefined);
  });
}
