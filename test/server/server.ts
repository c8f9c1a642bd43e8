// A local model server for tests and benchmarks, speaking OpenAI's /v1/chat/completions and Anthropic's
// /v1/messages: answers deterministically from the prompt, reports `usage`, counts requests per prompt, logs every
// request (headers included) and connection with timestamps, and injects faults on demand, each in the shape the
// real provider sends (429 with Retry-After, 5xx, Anthropic's 529, 401/403/404/400 error bodies, a context-length
// 400, slow or hanging answers, dropped connections, malformed JSON bodies, non-JSON model text, cut answers,
// refusals, reasoning-only replies). Reasoning models (o1, o3, o4-mini, gpt-5…) refuse a temperature or top_p other
// than 1 with OpenAI's 400. Plain node:http, bound to 127.0.0.1, port 0 by default.
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
  | 'nonjson' // a valid completion whose model text is prose, not an answer
  | '401' // a wrong key, in the provider's words
  | '403' // no permission for the model
  | '404' // the model does not exist
  | '400' // a parameter the model refuses (OpenAI: unsupported_parameter max_tokens; Anthropic: "max_tokens: …")
  | 'context' // 400 about this prompt's length (not the model's fault: not fatal)
  | '529' // Anthropic's overloaded_error (retryable, with retry-after)
  | 'truncated' // the answer cut at the token limit (finish_reason length / stop_reason max_tokens)
  | 'refusal' // the model refuses (OpenAI message.refusal / Anthropic stop_reason refusal)
  | 'reasoning-only'; // only reasoning came back, no answer text

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
  '401',
  '403',
  '404',
  '400',
  'context',
  '529',
  'truncated',
  'refusal',
  'reasoning-only',
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
  /** Retry-After header (seconds, integer) sent with 429s and 529s. */
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
  /** Anthropic: the system prompt (a string or text blocks). */
  system?: unknown;
  [k: string]: unknown;
}

export interface TestServerOptions {
  port?: number;
  host?: string;
  /** Delay before every answer, ms (on top of faults). Default 0. */
  latencyMs?: number;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  /**
   * When set, requests must carry the key: `Authorization: Bearer <apiKey>` or `api-key` (Azure) on the OpenAI
   * routes, `x-api-key` on /v1/messages (401 in the provider's words otherwise).
   */
  apiKey?: string;
  /** Answer 404 model_not_found for a model not in `models`. Default false (any model name is served). */
  strictModels?: boolean;
  /** Models that refuse a temperature or top_p other than 1 (OpenAI's 400). Default: the reasoning families. */
  refusesSampling?: (model: string) => boolean;
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
  /** Which API the request spoke (undefined for other routes). */
  api?: 'chat' | 'messages';
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
  /** Model requests on either API (chat completions and messages). */
  chatRequests: number;
  /** Of which on /v1/messages. */
  messagesRequests: number;
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
  /** Base URL ending in /v1, e.g. http://127.0.0.1:54321/v1 (the OpenAI provider's baseUrl) */
  url: string;
  /** The API root, e.g. http://127.0.0.1:54321 (the Anthropic provider's baseUrl) */
  root: string;
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

/** murmur3's finaliser: every input bit moves every output bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
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
  const refusesSampling =
    options.refusesSampling ?? ((model: string) => /^(?:[\w.-]+\/)?(o\d|gpt-5)/i.test(model));
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
  let messagesRequests = 0;
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
    // Mixed: FNV-1a alone keeps the attempt's digit in its low bits, so a prompt that faulted once faulted again
    // on 96% of its retries (7% of prompts failed all 7 attempts at rate 0.1); each attempt now draws anew.
    const h = mix32(hash32(`${spec.seed ?? 0}:${prompt}:${attempt}`));
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

  /** An error answer in the shape of the API the request spoke. */
  function sendError(
    res: http.ServerResponse,
    api: 'chat' | 'messages',
    status: number,
    error: {
      message: string;
      type: string;
      anthropicType?: string;
      param?: string | null;
      code?: string | null;
    },
    headers: Record<string, string> = {},
  ): void {
    const body =
      api === 'messages'
        ? { type: 'error', error: { type: error.anthropicType ?? error.type, message: error.message } }
        : {
            error: {
              message: error.message,
              type: error.type,
              param: error.param ?? null,
              code: error.code ?? null,
            },
          };
    sendJson(res, status, body, headers);
  }

  /** The text of a message's content: a string, or Anthropic's text blocks. */
  function textOf(content: unknown): string {
    if (typeof content === 'string') return content;
    if (Array.isArray(content))
      return content
        .map((b) =>
          b && typeof b === 'object' && typeof (b as { text?: unknown }).text === 'string'
            ? (b as { text: string }).text
            : JSON.stringify(b),
        )
        .join('');
    return JSON.stringify(content);
  }

  /** A 400 the real API would send for this body before looking at the prompt, or undefined. */
  function refusedParams(api: 'chat' | 'messages', body: ChatRequestBody, headers: http.IncomingHttpHeaders) {
    const model = body.model ?? '';
    if (api === 'chat') {
      if (!refusesSampling(model)) return undefined;
      for (const param of ['temperature', 'top_p'] as const) {
        const v = body[param];
        if (v !== undefined && v !== 1)
          return {
            message: `Unsupported value: '${param}' does not support ${String(v)} with this model. Only the default (1) value is supported.`,
            type: 'invalid_request_error',
            param,
            code: 'unsupported_value',
          };
      }
      return undefined;
    }
    const bad = (message: string) => ({ message, type: 'invalid_request_error' });
    if (!headers['anthropic-version']) return bad('anthropic-version: header is required');
    if (typeof body.max_tokens !== 'number') return bad('max_tokens: Field required');
    if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1))
      return bad('temperature: Input should be less than or equal to 1');
    if (
      body.temperature !== undefined &&
      body.top_p !== undefined &&
      /claude-(opus|sonnet|haiku)-(4-[1-9]|[5-9])/.test(model)
    )
      return bad('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
    const thinking = body.thinking as { type?: string } | undefined;
    if (thinking?.type === 'enabled') {
      if ((body.tool_choice as { type?: string } | undefined)?.type === 'tool')
        return bad('Thinking may not be enabled when tool_choice forces tool use.');
      if (body.temperature !== undefined && body.temperature !== 1)
        return bad('temperature may only be set to 1 when thinking is enabled.');
    }
    return undefined;
  }

  function handleModel(
    api: 'chat' | 'messages',
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
    rec: RequestRecord | undefined,
  ): void {
    if (rec) rec.api = api;
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      sendError(res, api, 400, { message: 'request body is not JSON', type: 'invalid_request_error' });
      return finish(rec, 400);
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      sendError(res, api, 400, {
        message: api === 'messages' ? 'messages: Field required' : "'messages' is required",
        type: 'invalid_request_error',
      });
      return finish(rec, 400);
    }
    if (body.stream) {
      sendError(res, api, 400, {
        message: 'streaming is not supported by the test server',
        type: 'invalid_request_error',
      });
      return finish(rec, 400);
    }
    const messages = [
      ...(api === 'messages' && body.system !== undefined
        ? [{ role: 'system', content: textOf(body.system) }]
        : []),
      ...body.messages.map((m) => ({ role: m.role, content: textOf(m.content) })),
    ];
    const prompt = promptHash(messages);
    const attempt = byPrompt.get(prompt) ?? 0;
    byPrompt.set(prompt, attempt + 1);
    if (chatRequests++ === 0) firstChatAt = now();
    if (api === 'messages') messagesRequests++;
    const text = messages.map((m) => m.content).join('\n');
    const model = body.model ?? models[0]!;
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
    const refused = refusedParams(api, body, req.headers);
    if (refused) {
      sendError(res, api, 400, refused);
      return finish(rec, 400);
    }
    if (options.strictModels && !models.includes(model)) {
      sendError(res, api, 404, {
        message:
          api === 'messages'
            ? `model: ${model}`
            : `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        anthropicType: 'not_found_error',
        code: 'model_not_found',
      });
      return finish(rec, 404);
    }

    const retryHeaders = (): { headers: Record<string, string>; waitMs: number } => {
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
      return { headers, waitMs };
    };

    const respond = (): void => {
      if (res.destroyed || req.socket.destroyed) return;
      switch (fault) {
        case '429':
        case '529': {
          const { headers, waitMs } = retryHeaders();
          if (rec) rec.retryAfterMs = waitMs;
          const status = Number(fault);
          sendError(
            res,
            api,
            status,
            status === 429
              ? {
                  message: 'Rate limit reached (test server)',
                  type: 'rate_limit_error',
                  code: 'rate_limit_exceeded',
                }
              : { message: 'Overloaded', type: 'overloaded_error' },
            headers,
          );
          return finish(rec, status);
        }
        case '500':
        case '502':
        case '503': {
          const status = Number(fault);
          sendError(res, api, status, {
            message: `Injected ${status} (test server)`,
            type: 'server_error',
            anthropicType: 'api_error',
          });
          return finish(rec, status);
        }
        case '401':
          sendError(res, api, 401, {
            message:
              api === 'messages'
                ? 'invalid x-api-key'
                : 'Incorrect API key provided: sk-wro*****-key. You can find your API key at https://platform.openai.com/account/api-keys.',
            type: 'invalid_request_error',
            anthropicType: 'authentication_error',
            code: 'invalid_api_key',
          });
          return finish(rec, 401);
        case '403':
          sendError(res, api, 403, {
            message:
              api === 'messages'
                ? 'Your API key does not have permission to use the specified resource.'
                : `You are not allowed to sample from this model`,
            type: 'invalid_request_error',
            anthropicType: 'permission_error',
          });
          return finish(rec, 403);
        case '404':
          sendError(res, api, 404, {
            message:
              api === 'messages'
                ? `model: ${model}`
                : `The model \`${model}\` does not exist or you do not have access to it.`,
            type: 'invalid_request_error',
            anthropicType: 'not_found_error',
            code: 'model_not_found',
          });
          return finish(rec, 404);
        case '400':
          sendError(
            res,
            api,
            400,
            api === 'messages'
              ? { message: 'max_tokens: Input should be a valid integer', type: 'invalid_request_error' }
              : {
                  message:
                    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                  type: 'invalid_request_error',
                  param: 'max_tokens',
                  code: 'unsupported_parameter',
                },
          );
          return finish(rec, 400);
        case 'context':
          sendError(
            res,
            api,
            400,
            api === 'messages'
              ? {
                  message: 'prompt is too long: 210000 tokens > 200000 maximum',
                  type: 'invalid_request_error',
                }
              : {
                  message:
                    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
                  type: 'invalid_request_error',
                  param: 'messages',
                  code: 'context_length_exceeded',
                },
          );
          return finish(rec, 400);
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
      const full =
        fault === 'nonjson'
          ? 'Honestly, I think this person would probably enjoy it, but it is hard to say for sure!'
          : answer(messages, body);
      const content =
        fault === 'truncated'
          ? full.slice(0, Math.max(1, Math.floor(full.length / 2)))
          : fault === 'refusal' || fault === 'reasoning-only'
            ? ''
            : full;
      const thought = 'The user rates dramas highly, so let me weigh the candidates one by one…';
      const promptTokens = tokens(text);
      const reasoning = options.reasoningTokens ?? (fault === 'reasoning-only' ? tokens(thought) : 0);
      const completionTokens = (content ? tokens(content) : 0) + reasoning;
      if (api === 'messages')
        sendMessage(
          res,
          body,
          prompt,
          attempt,
          model,
          fault,
          content,
          thought,
          promptTokens,
          completionTokens,
        );
      else
        sendCompletion(
          res,
          prompt,
          attempt,
          model,
          fault,
          content,
          thought,
          promptTokens,
          completionTokens,
          reasoning,
        );
      const answered = fault === undefined || fault === 'slow';
      if (answered) answeredByPrompt.set(prompt, (answeredByPrompt.get(prompt) ?? 0) + 1);
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

  function sendCompletion(
    res: http.ServerResponse,
    prompt: string,
    attempt: number,
    model: string,
    fault: FaultKind | undefined,
    content: string,
    thought: string,
    promptTokens: number,
    completionTokens: number,
    reasoning: number,
  ): void {
    const usage: Record<string, unknown> = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    if (reasoning) usage.completion_tokens_details = { reasoning_tokens: reasoning };
    const message: Record<string, unknown> = { role: 'assistant', content };
    if (fault === 'refusal') {
      message.content = null;
      message.refusal = "I'm sorry, I can't help with that.";
    }
    if (fault === 'reasoning-only') message.reasoning_content = thought;
    const finishReason = fault === 'truncated' || fault === 'reasoning-only' ? 'length' : 'stop';
    sendJson(res, 200, {
      id: `chatcmpl-${prompt}-${attempt}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
      usage,
    });
  }

  function sendMessage(
    res: http.ServerResponse,
    body: ChatRequestBody,
    prompt: string,
    attempt: number,
    model: string,
    fault: FaultKind | undefined,
    content: string,
    thought: string,
    promptTokens: number,
    completionTokens: number,
  ): void {
    const blocks: Record<string, unknown>[] = [];
    const thinking = (body.thinking as { type?: string } | undefined)?.type === 'enabled';
    if (thinking || fault === 'reasoning-only')
      blocks.push({ type: 'thinking', thinking: thought, signature: 'test-signature' });
    const forced = body.tool_choice as { type?: string; name?: string } | undefined;
    let stopReason = 'end_turn';
    let input: unknown;
    if (forced?.type === 'tool' && content && fault !== 'truncated' && fault !== 'nonjson') {
      try {
        input = JSON.parse(content);
      } catch {
        input = undefined;
      }
    }
    if (input !== undefined) {
      blocks.push({ type: 'tool_use', id: `toolu_${prompt}_${attempt}`, name: forced!.name, input });
      stopReason = 'tool_use';
    } else if (content) blocks.push({ type: 'text', text: content });
    if (fault === 'truncated' || fault === 'reasoning-only') stopReason = 'max_tokens';
    if (fault === 'refusal') stopReason = 'refusal';
    sendJson(res, 200, {
      id: `msg_${prompt}_${attempt}`,
      type: 'message',
      role: 'assistant',
      model,
      content: blocks,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: promptTokens, output_tokens: completionTokens },
    });
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
    // The key, where each API sends it: Anthropic's x-api-key on /v1/messages (and on /v1/models when the
    // request names an anthropic-version), a bearer token or Azure's api-key elsewhere.
    const anthropic = path.endsWith('/messages') || req.headers['anthropic-version'] !== undefined;
    const keyOk =
      options.apiKey === undefined ||
      (anthropic
        ? req.headers['x-api-key'] === options.apiKey
        : req.headers.authorization === `Bearer ${options.apiKey}` ||
          req.headers['api-key'] === options.apiKey);
    if (!keyOk && !path.startsWith('/_')) {
      sendError(res, anthropic ? 'messages' : 'chat', 401, {
        message: anthropic ? 'invalid x-api-key' : 'Incorrect API key provided (test server)',
        type: 'invalid_request_error',
        anthropicType: 'authentication_error',
        code: 'invalid_api_key',
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
      if (anthropic) {
        sendJson(res, 200, {
          data: models.map((id) => ({
            type: 'model',
            id,
            display_name: id,
            created_at: '2025-01-01T00:00:00Z',
          })),
          has_more: false,
          first_id: models[0] ?? null,
          last_id: models[models.length - 1] ?? null,
        });
      } else {
        sendJson(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'ubp-test' })),
        });
      }
      return finish(rec, 200);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && path.endsWith('/chat/completions'))
        return handleModel('chat', req, res, raw, rec);
      if (req.method === 'POST' && path.endsWith('/v1/messages'))
        return handleModel('messages', req, res, raw, rec);
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
      messagesRequests,
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
    messagesRequests = 0;
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
    root: `http://${host}:${port}`,
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
