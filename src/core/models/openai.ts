// The Predictor for OpenAI-compatible chat endpoints, over the `openai` package. The client's own retries and
// timeout are off (maxRetries 0, the largest timer Node allows): retry.ts owns retries, the lean transport the
// connect and response timeouts, and the caller's signal aborts the request in flight. A key is bound to the
// origin it was given for and never sent anywhere else; errors carry a reason that is safe to store (the key and
// bearer tokens are scrubbed) and say whether the model is unusable (fatal). A sampling parameter the model
// refuses (a reasoning model and `temperature`) is dropped and the request sent once more.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import type { PredictRequest, TokenUsage } from '../types';
import { answerJsonSchema } from './answerSchema';
import { cacheKey, type ResponseCache } from './cache';
import { assertKeyOrigin, originOf } from './origin';
import { causeText, findCause, isFatalHttp, isRetryableStatus, type HttpErrorInfo } from './providers/errors';
import { llmPredictor, type LlmAnswer, type LlmRequest } from './providers/llm';
import type { LlmPredictResponse, LlmPredictor, RetryListener } from './providers/types';
import { TransportTimeoutError, createNodeFetch } from './transport';
import {
  PredictorError,
  parseRetryAfter,
  redactSecrets,
  type AttemptFailure,
  type RetryDeps,
  type RetryPolicy,
} from './retry';

/** Request parameters, as in the config's `params` (and a template's front matter). */
export interface ChatParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  stop?: string | string[];
  reasoning_effort?: string;
  response_format?: 'text' | 'json_object' | 'json_schema';
}

export interface OpenAIPredictorSpec {
  /** The predictor's id in results (the config's model entry id). */
  id: string;
  /** OpenAI-compatible base URL, e.g. http://localhost:11434/v1 */
  baseUrl: string;
  /** The model name sent to the endpoint. */
  model: string;
  /** Given by the front end (SecretStorage or the environment variable the config names); never logged. */
  apiKey?: string;
  /** The origin the key was issued for (default: the base URL's). Construction fails when they differ. */
  keyOrigin?: string;
  /** How the key is sent: `Authorization: Bearer` (default) or Azure's `api-key` header. */
  keyHeader?: 'authorization' | 'api-key';
  params?: ChatParams;
  /** Extra headers (no credentials: the config refuses them). */
  headers?: Record<string, string>;
  /** Extra query parameters, e.g. {"api-version": "2024-10-21"} for Azure. */
  query?: Record<string, string>;
  /** Whether the endpoint understands json_schema (default true); otherwise json_object is sent. */
  supportsJsonSchema?: boolean;
  /** Whether the endpoint understands json_object (default true); otherwise no response_format is sent. */
  supportsJsonObject?: boolean;
  /** How long a connected request may wait for the answer's first byte, ms. Default 60 000 (300 000 for reasoning models). */
  timeoutMs?: number;
  /** How long connecting may take, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Retries after the first attempt. Default 6. */
  maxRetries?: number;
  /** Backoff tuning (baseDelayMs, maxDelayMs, maxRetryAfterMs). */
  retry?: Partial<RetryPolicy>;
}

export interface OpenAIPredictorDeps {
  /** The response cache; absent = no caching (`--no-cache`). */
  cache?: ResponseCache;
  /** Clock, sleep and random for the retry loop (tests). */
  retryDeps?: RetryDeps;
  /** The fetch the client uses (default: the lean node:http one, transport.ts); the origin guard wraps it. */
  fetch?: typeof fetch;
  /** Told about every failed attempt that will be retried. */
  onRetry?: RetryListener;
}

/** A PredictResponse with what this predictor measured. */
export type OpenAIPredictResponse = LlmPredictResponse;

export interface OpenAIPredictor extends LlmPredictor {
  readonly provider: 'openai';
  /** The body that would be sent for a request (without sending it). */
  requestBody(
    request: Pick<PredictRequest, 'testCase' | 'messages' | 'sample'>,
  ): ChatCompletionCreateParamsNonStreaming;
  /** The response-cache key of a request. */
  cacheKeyOf(request: Pick<PredictRequest, 'testCase' | 'messages' | 'sample'>): string;
}

export { answerJsonSchema, assertKeyOrigin, originOf };

/** Node's largest timer: the client's own timeout, effectively off (retry.ts times attempts). */
const NO_CLIENT_TIMEOUT = 2_147_483_647;

/**
 * OpenAI's reasoning families by model name, on any endpoint (o1, o3, o4-mini, gpt-5…, also behind a
 * "vendor/" prefix): they take max_completion_tokens, and refuse a temperature or top_p other than the default.
 * gpt-5's chat snapshots are not reasoning models.
 */
export function isReasoningModel(model: string): boolean {
  return /^(?:[\w.-]+\/)?(o\d|gpt-5)/i.test(model) && !/^(?:[\w.-]+\/)?gpt-5[\w.-]*-chat/i.test(model);
}

/** The response timeout a model gets when its entry names none: reasoning models think for minutes. */
export const REASONING_TIMEOUT_MS = 300_000;

/** OpenAI's finish_reason in the shared words of PredictResponse.finishReason. */
export function normaliseFinishReason(reason: string | null | undefined): string | undefined {
  if (!reason) return undefined;
  return reason === 'function_call' ? 'tool_calls' : reason;
}

/** Turns whatever one attempt threw into a decision and a storable reason. */
export function classifyError(error: unknown, secrets: (string | undefined)[] = []): AttemptFailure {
  const clean = (s: string): string => {
    const r = redactSecrets(s, secrets).replace(/\s+/g, ' ').trim();
    return r.length > 300 ? `${r.slice(0, 297)}...` : r;
  };
  const own = findCause(error, PredictorError);
  if (own) {
    const failure: AttemptFailure = {
      retryable: own.details.retryable ?? false,
      kind: own.kind,
      reason: clean(own.reason),
      status: own.status,
    };
    if (own.fatal || own.kind === 'origin' || own.kind === 'config') failure.fatal = true;
    return failure;
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const info = httpErrorInfo(error);
    const failure: AttemptFailure = {
      retryable: isRetryableStatus(info.status),
      kind: 'http',
      status: info.status,
      reason: clean(`HTTP ${info.status}${info.message ? `: ${info.message}` : ''}`),
    };
    failure.fatal = isFatalHttp(info);
    const wait = parseRetryAfter(error.headers);
    if (wait !== undefined) failure.retryAfterMs = wait;
    return failure;
  }
  const timeout = findCause(error, TransportTimeoutError);
  if (timeout) return { retryable: true, kind: 'timeout', reason: timeout.message };
  if (error instanceof APIConnectionTimeoutError)
    return { retryable: true, kind: 'timeout', reason: 'request timed out' };
  if (error instanceof APIConnectionError) {
    const text = causeText(error.cause ?? error);
    if (/redirect/i.test(text)) {
      return {
        retryable: false,
        fatal: true,
        kind: 'config',
        reason:
          'the endpoint answered with a redirect (not followed, to keep the key at its origin): set baseUrl to the final URL',
      };
    }
    return { retryable: true, kind: 'network', reason: clean(`network error: ${text}`) };
  }
  if (error instanceof SyntaxError) {
    return {
      retryable: true,
      kind: 'bad-response',
      reason: clean(`malformed JSON in the response body: ${error.message}`),
    };
  }
  // Body read failures (a connection dropped mid-answer surfaces as "TypeError: terminated") and the like.
  return { retryable: true, kind: 'network', reason: clean(`network error: ${causeText(error)}`) };
}

/** What an OpenAI-shaped error body says (`{"error": {"message", "type", "param", "code"}}`). */
export function httpErrorInfo(error: APIError): HttpErrorInfo {
  const body = error.error as
    { message?: unknown; type?: unknown; param?: unknown; code?: unknown } | undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const info: HttpErrorInfo = { status: error.status ?? 0, message: str(body?.message) ?? '' };
  const code = str(body?.code);
  const type = str(body?.type);
  const param = str(body?.param);
  if (code) info.code = code;
  if (type) info.type = type;
  if (param) info.param = param;
  return info;
}

function usageOf(c: ChatCompletion): TokenUsage | undefined {
  const u = c.usage;
  if (!u || typeof u.prompt_tokens !== 'number') return undefined;
  const usage: TokenUsage = { prompt: u.prompt_tokens, completion: u.completion_tokens ?? 0 };
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number' && reasoning > 0) usage.reasoning = reasoning;
  return usage;
}

/** Builds the predictor for one OpenAI-compatible model. Throws a PredictorError on a bad URL or key binding. */
export function createOpenAIPredictor(
  spec: OpenAIPredictorSpec,
  deps: OpenAIPredictorDeps = {},
): OpenAIPredictor {
  const baseUrl = spec.baseUrl.replace(/\/+$/, '');
  const origin = originOf(baseUrl);
  const apiKey = spec.apiKey || undefined;
  const keyOrigin = apiKey ? (spec.keyOrigin ? originOf(spec.keyOrigin) : origin) : undefined;
  if (keyOrigin) assertKeyOrigin(keyOrigin, baseUrl);
  const secrets = [apiKey];
  const reasoning = isReasoningModel(spec.model);
  const responseTimeoutMs = spec.timeoutMs ?? (reasoning ? REASONING_TIMEOUT_MS : 60_000);
  const connectTimeoutMs = spec.connectTimeoutMs ?? 10_000;
  const policy: RetryPolicy = {
    maxRetries: spec.maxRetries ?? 6,
    // The backstop on a whole attempt (a body that never ends, another fetch): the lean transport keeps it in
    // its one timer per request beside the connect and first-byte limits, so the retry loop arms none of its own.
    timeoutMs: connectTimeoutMs + responseTimeoutMs,
    ...spec.retry,
  };
  if (!deps.fetch) policy.selfTimed = true;
  const baseFetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response> =
    deps.fetch ??
    createNodeFetch({ connectTimeoutMs, responseTimeoutMs, attemptTimeoutMs: policy.timeoutMs });

  // Every request this client makes goes through the guard: the key never leaves its origin, and redirects are
  // errors rather than followed (a redirect could carry the key elsewhere). The URL checked last is remembered:
  // every request of a predictor goes to the same one.
  let checkedUrl = '';
  const guardedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (keyOrigin && url !== checkedUrl) {
      assertKeyOrigin(keyOrigin, url);
      checkedUrl = url;
    }
    try {
      return await baseFetch(input, { ...init, redirect: 'error' });
    } catch (e) {
      // The client turns any error that mentions a timeout into its own cause-less one: hand it ours, which it
      // keeps as the cause, so the phase and the limit reach the stored reason.
      const t = findCause(e, TransportTimeoutError);
      throw t ? new PredictorError('timeout', t.message, { retryable: true }) : e;
    }
  };

  const keyHeaders: Record<string, string | null> = {};
  if (!apiKey) keyHeaders.Authorization = null;
  else if (spec.keyHeader === 'api-key') {
    keyHeaders['api-key'] = apiKey;
    keyHeaders.Authorization = null;
  }
  const client = new OpenAI({
    baseURL: baseUrl,
    apiKey: apiKey ?? 'no-key',
    adminAPIKey: null,
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: NO_CLIENT_TIMEOUT,
    logLevel: 'off',
    fetch: guardedFetch,
    defaultHeaders: { ...spec.headers, ...keyHeaders },
    defaultQuery: spec.query,
  });

  const params = spec.params ?? {};
  const jsonSchemaOk = spec.supportsJsonSchema ?? true;
  const jsonObjectOk = spec.supportsJsonObject ?? true;
  // What besides the body can change an answer: the endpoint path, query and extra headers.
  const keyContext: Record<string, unknown> = {};
  if (spec.query && Object.keys(spec.query).length) keyContext.query = spec.query;
  if (spec.headers && Object.keys(spec.headers).length) keyContext.headers = spec.headers;

  function requestBody(request: LlmRequest): ChatCompletionCreateParamsNonStreaming {
    const body: Record<string, unknown> = {
      model: spec.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    };
    if (params.temperature !== undefined) body.temperature = params.temperature;
    if (params.top_p !== undefined) body.top_p = params.top_p;
    if (params.max_completion_tokens !== undefined) body.max_completion_tokens = params.max_completion_tokens;
    else if (params.max_tokens !== undefined)
      body[reasoning ? 'max_completion_tokens' : 'max_tokens'] = params.max_tokens;
    // Samples of one case must differ: each sample gets its own seed (seed + sample index).
    if (params.seed !== undefined) body.seed = params.seed + request.sample;
    if (params.stop !== undefined) body.stop = params.stop;
    if (params.reasoning_effort !== undefined) body.reasoning_effort = params.reasoning_effort;
    const rf = params.response_format;
    if (rf === 'json_schema' && jsonSchemaOk) {
      const { name, schema } = answerJsonSchema(request.testCase);
      body.response_format = { type: 'json_schema', json_schema: { name, strict: true, schema } };
    } else if ((rf === 'json_schema' || rf === 'json_object') && jsonObjectOk) {
      body.response_format = { type: 'json_object' };
    }
    return body as unknown as ChatCompletionCreateParamsNonStreaming;
  }

  function cacheKeyOf(body: ChatCompletionCreateParamsNonStreaming, request: LlmRequest): string {
    const { model, messages: _m, ...rest } = body as unknown as Record<string, unknown>;
    return cacheKey({
      endpoint: baseUrl,
      model: String(model),
      messages: request.messages,
      params: Object.keys(keyContext).length ? { ...rest, ...keyContext } : rest,
      sample: request.sample,
    });
  }

  // The client's own timeout is effectively off and its retries are off: the loop and the transport own them.
  const requestOptions = { timeout: NO_CLIENT_TIMEOUT, maxRetries: 0 };
  return llmPredictor({
    id: spec.id,
    provider: 'openai',
    model: spec.model,
    origin,
    requestBody,
    cacheKey: cacheKeyOf,
    async attempt(body, signal) {
      const completion = await client.chat.completions.create(body, { ...requestOptions, signal });
      if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
        throw new PredictorError('bad-response', 'the response is not a chat completion', {
          retryable: true,
        });
      }
      if (!completion.choices[0])
        throw new PredictorError('bad-response', 'the response has no choices', { retryable: true });
      return completion;
    },
    classify: (e) => classifyError(e, secrets),
    httpInfo: (e) => (e instanceof APIError ? httpErrorInfo(e) : undefined),
    read(completion) {
      const answer: LlmAnswer = readCompletion(completion);
      if (completion.model && completion.model !== spec.model) answer.servedModel = completion.model;
      return answer;
    },
    policy,
    cache: deps.cache,
    retryDeps: deps.retryDeps,
    onRetry: deps.onRetry,
  });
}

/**
 * The answer in a chat completion: the message text (or the refusal), usage, the finish reason ('refusal' when
 * the model refused) and whether the reply held only reasoning (`reasoning_content` / `reasoning` from DeepSeek,
 * vLLM, Ollama and OpenRouter, or every completion token spent on hidden reasoning).
 */
export function readCompletion(completion: ChatCompletion): {
  raw: string;
  usage?: TokenUsage;
  finishReason?: string;
  reasoningOnly?: boolean;
} {
  const choice = completion.choices[0]!;
  const message = choice.message as
    | (ChatCompletion['choices'][number]['message'] & { reasoning_content?: unknown; reasoning?: unknown })
    | undefined;
  const refusal = typeof message?.refusal === 'string' && message.refusal ? message.refusal : undefined;
  const content = typeof message?.content === 'string' ? message.content : '';
  const raw = content || refusal || '';
  const usage = usageOf(completion);
  const out: { raw: string; usage?: TokenUsage; finishReason?: string; reasoningOnly?: boolean } = { raw };
  if (usage) out.usage = usage;
  const finish = refusal && !content ? 'refusal' : normaliseFinishReason(choice.finish_reason);
  if (finish) out.finishReason = finish;
  const thought = [message?.reasoning_content, message?.reasoning].some(
    (r) => typeof r === 'string' && r.trim() !== '',
  );
  if (!raw.trim() && !message?.tool_calls?.length && (thought || (usage?.reasoning ?? 0) > 0))
    out.reasoningOnly = true;
  return out;
}
