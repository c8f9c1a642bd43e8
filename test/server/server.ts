// A local OpenAI-compatible server for tests and benchmarks: answers chat completions deterministically from
// the prompt, reports `usage`, counts requests per prompt, logs every request and connection with timestamps,
// and injects faults on demand (429 with Retry-After, 5xx, slow or hanging answers, dropped connections,
// malformed JSON bodies, non-JSON model text). Plain node:http, bound to 127.0.0.1, port 0 by default.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createBatchEmulator, type BatchEmulator } from './batch';

/** The faults the server can inject into one request. */
export type FaultKind =
  | '429' // Too Many Requests with Retry-After / retry-after-ms
  | '500'
  | '502'
  | '503'
  | 'slow' // answers correctly after `slowMs`
  | 'hang' // never answers (until the client gives up or the server closes)
  | 'drop' // sends the status line and half a body, then destroys the socket
  | 'malformed' // 200 with a truncated, unparseable JSON body
  | 'nonjson'; // a valid completion whose model text is prose, not an answer

export const FAULT_KINDS: readonly FaultKind[] = [
  '429',
  '500',
  '502',
  '503',
  'slow',
  'hang',
  'drop',
  'malformed',
  'nonjson',
];

export interface ScriptEntry {
  /** Which prompts: a substring of the concatenated message contents, a RegExp over it, or a prompt hash. */
  match: string | RegExp;
  /** The nth request (0-based) of a matching prompt gets faults[n]; 'ok' or past the end: a normal answer. */
  faults: (FaultKind | 'ok')[];
}

export interface FaultSpec {
  /** Share of requests (0..1) that get a random fault, decided by a hash of (seed, prompt, attempt): deterministic. */
  rate?: number;
  seed?: number;
  /** Which faults the rate draws from (uniformly). Default: 429, 500, 502, 503, drop, malformed. */
  kinds?: FaultKind[];
  /** At most this many random faults per prompt, so every case eventually succeeds. Default: unlimited. */
  maxPerPrompt?: number;
  /** Per-prompt fault sequences; they take precedence over the rate. */
  script?: ScriptEntry[];
  /** Retry-After header (seconds, integer) sent with 429s. */
  retryAfterSec?: number;
  /** Send Retry-After as an HTTP date this many seconds ahead instead of as seconds. */
  retryAfterDate?: boolean;
  /** retry-after-ms header sent with 429s. Default 20 when neither header is configured. */
  retryAfterMs?: number;
  /** Delay of a 'slow' answer, ms. Default 200. */
  slowMs?: number;
  /** How long a 'hang' lasts before the server gives up and closes the socket, ms. Default 10 minutes. */
  hangMs?: number;
}

export interface ChatRequestBody {
  model?: string;
  messages?: { role: string; content: unknown }[];
  response_format?: { type: string; json_schema?: unknown };
  [k: string]: unknown;
}

export interface TestServerOptions {
  port?: number;
  host?: string;
  /** Delay before every answer, ms (on top of faults). Default 0. */
  latencyMs?: number;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** The model's text for a request. Default: `defaultAnswer` (JSON, or bare values with `bareAnswers`). */
  answer?: (messages: { role: string; content: string }[], body: ChatRequestBody) => string;
  bareAnswers?: boolean;
  /** Reasoning tokens to report in usage.completion_tokens_details (for reasoning-model pricing tests). */
  reasoningTokens?: number;
  faults?: FaultSpec;
  /** Keep the per-request log (headers, timestamps). Default true; the benchmark turns it off. */
  record?: boolean;
}

/** One request as the server saw it. Times are epoch milliseconds with sub-millisecond precision. */
export interface RequestRecord {
  seq: number;
  method: string;
  path: string;
  /** Hash of the messages (see `promptHash`), or '' for non-chat requests. */
  prompt: string;
  /** 0-based count of earlier chat requests with the same prompt. */
  attempt: number;
  model?: string;
  headers: http.IncomingHttpHeaders;
  body?: ChatRequestBody;
  connection: number;
  receivedAt: number;
  /** When the response was finished (or the socket destroyed); undefined while in flight or hanging. */
  respondedAt?: number;
  status?: number;
  fault?: FaultKind;
  /** For 429s: the wait the server asked for, ms (the larger of its headers). */
  retryAfterMs?: number;
  /** True when the client closed the connection before the answer. */
  aborted?: boolean;
}

export interface ConnectionRecord {
  id: number;
  openedAt: number;
  closedAt?: number;
}

/** A 429 and the next request for the same prompt. */
export interface RetryWait {
  prompt: string;
  /** What the server asked for, ms. */
  retryAfterMs: number;
  /** From the 429's response to the next request's arrival, ms. */
  waitedMs: number;
}

export interface TestServerStats {
  requests: number;
  chatRequests: number;
  /** Chat requests per prompt hash. */
  byPrompt: Map<string, number>;
  /** Chat requests answered 200 with a proper completion, per prompt hash. */
  answeredByPrompt: Map<string, number>;
  faults: Partial<Record<FaultKind, number>>;
  log: RequestRecord[];
  connections: ConnectionRecord[];
  /** Every 429 followed by a retry of the same prompt. */
  retryWaits: RetryWait[];
  /** Arrival of the first chat request and completion of the last answer (kept even with record off). */
  firstChatAt?: number;
  lastAnsweredAt?: number;
}

export interface TestServer {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:54321/v1 */
  url: string;
  port: number;
  setFaults(spec: FaultSpec | undefined): void;
  /** The batch APIs (OpenAI /v1/files + /v1/batches, Anthropic /v1/messages/batches): see batch.ts. */
  batches: BatchEmulator;
  setLatency(ms: number): void;
  stats(): TestServerStats;
  /** Forget all counts and logs. */
  reset(): void;
  close(): Promise<void>;
}

/** Epoch ms with sub-ms precision, monotonic within the process. */
export const now = (): number => performance.timeOrigin + performance.now();

/** The key the server counts requests by: a short sha256 of the messages (role and content). */
export function promptHash(messages: { role: string; content: unknown }[]): string {
  const h = createHash('sha256');
  for (const m of messages)
    h.update(`${m.role}\u0000${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}\u0001`);
  return h.digest('hex').slice(0, 16);
}

function hash32(text: string): number {
  // FNV-1a: fast, deterministic, good enough to pick labels and faults.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Which task form a prompt asks for: the JSON key it names wins, then labelled lines and wording. */
export function guessForm(text: string): 'rating' | 'binary' | 'choice' | 'ranking' {
  if (/"ranking"/.test(text)) return 'ranking';
  if (/"choice"/.test(text)) return 'choice';
  if (/"like"/.test(text)) return 'binary';
  if (/"rating"/.test(text)) return 'rating';
  if (labelsIn(text).length >= 2) return /\brank|\border\b/i.test(text) ? 'ranking' : 'choice';
  if (/\byes or no\b|\blike or dislike\b|\bwould .* like\b/i.test(text)) return 'binary';
  return 'rating';
}

function labelsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/^\s*[[(]?([A-Z])[\].):]\s+\S/gm)].map((m) => m[1]!))];
}

/**
 * The default answer rule: the form from `guessForm`, the value from a hash of the prompt (a rating from 0.5 to
 * 5 in half stars, like or not, one of the labelled candidates, or all labels permuted). A JSON object with the
 * form's key ({"rating": 3.5}, {"like": true}, {"choice": "B"}, {"ranking": ["C","A",…]}); `bare: true` gives
 * the bare value instead ("3.5", "yes", "B", "C, A, …").
 */
export function defaultAnswer(messages: { role: string; content: string }[], bare = false): string {
  const text = messages.map((m) => m.content).join('\n');
  const h = hash32(text);
  const form = guessForm(text);
  const labels = labelsIn(text);
  if ((form === 'choice' || form === 'ranking') && labels.length === 0) labels.push('A', 'B', 'C', 'D', 'E');
  switch (form) {
    case 'ranking': {
      const order = [...labels];
      let s = h;
      for (let i = order.length - 1; i > 0; i--) {
        s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return bare ? order.join(', ') : JSON.stringify({ ranking: order });
    }
    case 'choice': {
      const label = labels[h % labels.length]!;
      return bare ? label : JSON.stringify({ choice: label });
    }
    case 'binary': {
      const like = h % 2 === 0;
      return bare ? (like ? 'yes' : 'no') : JSON.stringify({ like });
    }
    default: {
      const rating = ((h % 10) + 1) / 2;
      return bare ? String(rating) : JSON.stringify({ rating });
    }
  }
}

const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

interface Compiled {
  spec: FaultSpec;
  kinds: FaultKind[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const record = options.record ?? true;
  const models = options.models ?? ['test-model', 'test-model-mini', 'test-reasoner'];
  const answer =
    options.answer ?? ((m: { role: string; content: string }[]) => defaultAnswer(m, options.bareAnswers));
  let latencyMs = options.latencyMs ?? 0;
  let faults: Compiled | undefined;
  const setFaults = (spec: FaultSpec | undefined): void => {
    faults = spec
      ? { spec, kinds: spec.kinds?.length ? spec.kinds : ['429', '500', '502', '503', 'drop', 'malformed'] }
      : undefined;
  };
  setFaults(options.faults);
  const batches = createBatchEmulator({
    answer,
    defaultModel: models[0] ?? 'test-model',
    reasoningTokens: options.reasoningTokens,
  });

  let seq = 0;
  let requests = 0;
  let chatRequests = 0;
  let firstChatAt: number | undefined;
  let lastAnsweredAt: number | undefined;
  let byPrompt = new Map<string, number>();
  let answeredByPrompt = new Map<string, number>();
  let randomFaultsByPrompt = new Map<string, number>();
  let faultCounts: Partial<Record<FaultKind, number>> = {};
  let log: RequestRecord[] = [];
  let connections: ConnectionRecord[] = [];
  let connSeq = 0;
  const connIds = new WeakMap<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  function pickFault(prompt: string, text: string, attempt: number): FaultKind | undefined {
    if (!faults) return undefined;
    const { spec, kinds } = faults;
    for (const entry of spec.script ?? []) {
      const hit =
        typeof entry.match === 'string'
          ? entry.match === prompt || text.includes(entry.match)
          : entry.match.test(text);
      if (hit) {
        const f = entry.faults[attempt];
        return f === undefined || f === 'ok' ? undefined : f;
      }
    }
    const rate = spec.rate ?? 0;
    if (rate <= 0) return undefined;
    const used = randomFaultsByPrompt.get(prompt) ?? 0;
    if (spec.maxPerPrompt !== undefined && used >= spec.maxPerPrompt) return undefined;
    const h = hash32(`${spec.seed ?? 0}:${prompt}:${attempt}`);
    if (h / 2 ** 32 >= rate) return undefined;
    randomFaultsByPrompt.set(prompt, used + 1);
    return kinds[hash32(`${h}:kind`) % kinds.length];
  }

  function sendJson(
    res: http.ServerResponse,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {},
  ): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  function finish(rec: RequestRecord | undefined, status: number): void {
    if (!rec) return;
    rec.status = status;
    rec.respondedAt = now();
  }

  function handleChat(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
    rec: RequestRecord | undefined,
  ): void {
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      sendJson(res, 400, { error: { message: 'request body is not JSON', type: 'invalid_request_error' } });
      return finish(rec, 400);
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      sendJson(res, 400, { error: { message: "'messages' is required", type: 'invalid_request_error' } });
      return finish(rec, 400);
    }
    if (body.stream) {
      sendJson(res, 400, {
        error: { message: 'streaming is not supported by the test server', type: 'invalid_request_error' },
      });
      return finish(rec, 400);
    }
    const messages = body.messages.map((m) => ({
      role: m.role,
      content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
    }));
    const prompt = promptHash(messages);
    const attempt = byPrompt.get(prompt) ?? 0;
    byPrompt.set(prompt, attempt + 1);
    if (chatRequests++ === 0) firstChatAt = now();
    const text = messages.map((m) => m.content).join('\n');
    const fault = pickFault(prompt, text, attempt);
    if (fault) faultCounts[fault] = (faultCounts[fault] ?? 0) + 1;
    if (rec) {
      rec.prompt = prompt;
      rec.attempt = attempt;
      rec.model = body.model;
      rec.body = body;
      rec.fault = fault;
    }
    const spec = faults?.spec ?? {};

    const respond = (): void => {
      if (res.destroyed || req.socket.destroyed) return;
      switch (fault) {
        case '429': {
          const headers: Record<string, string> = {};
          let waitMs = 0;
          const noneSet = spec.retryAfterSec === undefined && spec.retryAfterMs === undefined;
          if (spec.retryAfterSec !== undefined) {
            if (spec.retryAfterDate) {
              // An HTTP date has whole seconds: what the server asks for is the time until that date.
              const date = new Date(Date.now() + spec.retryAfterSec * 1000).toUTCString();
              headers['retry-after'] = date;
              waitMs = Math.max(0, Date.parse(date) - Date.now());
            } else {
              headers['retry-after'] = String(spec.retryAfterSec);
              waitMs = spec.retryAfterSec * 1000;
            }
          }
          const ms = noneSet ? 20 : spec.retryAfterMs;
          if (ms !== undefined) {
            headers['retry-after-ms'] = String(ms);
            waitMs = Math.max(waitMs, ms);
          }
          if (rec) rec.retryAfterMs = waitMs;
          sendJson(
            res,
            429,
            {
              error: {
                message: 'Rate limit reached (test server)',
                type: 'rate_limit_error',
                code: 'rate_limit_exceeded',
              },
            },
            headers,
          );
          return finish(rec, 429);
        }
        case '500':
        case '502':
        case '503': {
          const status = Number(fault);
          sendJson(res, status, {
            error: { message: `Injected ${status} (test server)`, type: 'server_error' },
          });
          return finish(rec, status);
        }
        case 'drop': {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
          res.write('{"id":"chatcmpl-drop","object":"chat.completion","choi');
          // Let the partial body reach the client before the reset.
          later(5, () => {
            req.socket.destroy();
            finish(rec, 200);
          });
          return;
        }
        case 'malformed': {
          const broken =
            '{"id":"chatcmpl-bad","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":';
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(broken),
          });
          res.end(broken);
          return finish(rec, 200);
        }
        default:
          break;
      }
      const content =
        fault === 'nonjson'
          ? 'Honestly, I think this person would probably enjoy it, but it is hard to say for sure!'
          : answer(messages, body);
      const promptTokens = tokens(text);
      const reasoning = options.reasoningTokens ?? 0;
      const completionTokens = tokens(content) + reasoning;
      const usage: Record<string, unknown> = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
      if (reasoning) usage.completion_tokens_details = { reasoning_tokens: reasoning };
      sendJson(res, 200, {
        id: `chatcmpl-${prompt}-${attempt}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? models[0],
        choices: [
          { index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null },
        ],
        usage,
      });
      if (fault !== 'nonjson') answeredByPrompt.set(prompt, (answeredByPrompt.get(prompt) ?? 0) + 1);
      lastAnsweredAt = now();
      finish(rec, 200);
    };

    const delay = latencyMs + (fault === 'slow' ? (spec.slowMs ?? 200) : 0);
    if (fault === 'hang') {
      // Never answer; give up after hangMs so a forgotten client does not pin the server forever.
      const t = later(spec.hangMs ?? 600_000, () => {
        req.socket.destroy();
        finish(rec, 0);
      });
      res.on('close', () => {
        clearTimeout(t);
        timers.delete(t);
      });
      return;
    }
    if (delay > 0) later(delay, respond);
    else respond();
  }

  const server = http.createServer((req, res) => {
    requests++;
    const path = (req.url ?? '/').split('?')[0]!;
    const rec: RequestRecord | undefined = record
      ? {
          seq: seq++,
          method: req.method ?? '',
          path: req.url ?? '/',
          prompt: '',
          attempt: 0,
          headers: { ...req.headers },
          connection: connIds.get(req.socket) ?? -1,
          receivedAt: now(),
        }
      : undefined;
    if (rec) {
      log.push(rec);
      res.on('close', () => {
        if (!res.writableFinished && rec.respondedAt === undefined) rec.aborted = true;
      });
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendJson(res, 401, {
        error: {
          message: 'Incorrect API key provided (test server)',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
      return finish(rec, 401);
    }
    // Control endpoints for a server running as a child process.
    if (req.method === 'GET' && path === '/_stats') {
      if ((req.url ?? '').includes('light=1')) {
        sendJson(res, 200, { requests, chatRequests, faults: faultCounts, firstChatAt, lastAnsweredAt });
        return finish(rec, 200);
      }
      const s = stats();
      sendJson(res, 200, {
        ...s,
        byPrompt: Object.fromEntries(s.byPrompt),
        answeredByPrompt: Object.fromEntries(s.answeredByPrompt),
      });
      return finish(rec, 200);
    }
    if (req.method === 'GET' && path.endsWith('/models')) {
      sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'ubp-test' })),
      });
      return finish(rec, 200);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && path.endsWith('/chat/completions')) return handleChat(req, res, raw, rec);
      if (req.method === 'POST' && path === '/_faults') {
        try {
          setFaults(raw ? (JSON.parse(raw) as FaultSpec) : undefined);
          sendJson(res, 200, { ok: true });
          return finish(rec, 200);
        } catch (e) {
          sendJson(res, 400, { error: { message: String(e) } });
          return finish(rec, 400);
        }
      }
      if (req.method === 'POST' && path === '/_reset') {
        reset();
        sendJson(res, 200, { ok: true });
        return;
      }
      if (batches.handle(req, res, raw, path)) return finish(rec, res.statusCode);
      sendJson(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
      });
      finish(rec, 404);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    const id = connSeq++;
    connIds.set(socket, id);
    socket.setNoDelay(true);
    if (!record) return;
    const c: ConnectionRecord = { id, openedAt: now() };
    connections.push(c);
    socket.on('close', () => {
      c.closedAt = now();
    });
  });

  function stats(): TestServerStats {
    const retryWaits: RetryWait[] = [];
    const lastByPrompt = new Map<string, RequestRecord>();
    for (const r of log) {
      if (!r.prompt) continue;
      const prev = lastByPrompt.get(r.prompt);
      if (prev && prev.status === 429 && prev.retryAfterMs !== undefined && prev.respondedAt !== undefined) {
        retryWaits.push({
          prompt: r.prompt,
          retryAfterMs: prev.retryAfterMs,
          waitedMs: r.receivedAt - prev.respondedAt,
        });
      }
      lastByPrompt.set(r.prompt, r);
    }
    return {
      requests,
      chatRequests,
      byPrompt: new Map(byPrompt),
      answeredByPrompt: new Map(answeredByPrompt),
      faults: { ...faultCounts },
      log: [...log],
      connections: connections.map((c) => ({ ...c })),
      retryWaits,
      firstChatAt,
      lastAnsweredAt,
    };
  }

  function reset(): void {
    seq = 0;
    requests = 0;
    chatRequests = 0;
    firstChatAt = undefined;
    lastAnsweredAt = undefined;
    byPrompt = new Map();
    answeredByPrompt = new Map();
    randomFaultsByPrompt = new Map();
    faultCounts = {};
    log = [];
    connections = connections.filter((c) => c.closedAt === undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}/v1`,
    port,
    setFaults,
    batches,
    setLatency(ms: number) {
      latencyMs = ms;
    },
    stats,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
