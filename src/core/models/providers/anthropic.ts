// The Anthropic Messages provider (POST <API root>/v1/messages) over the lean transport, no SDK. The key goes in
// `x-api-key` with `anthropic-version`, only to the origin it is bound to. The system prompt has its own field,
// `max_tokens` is always sent (DEFAULT_MAX_TOKENS), the answer's shape is enforced with a forced tool carrying the
// form's JSON schema (not with extended thinking, which refuses forced tools: there the prompt alone asks for it),
// temperature is clamped to Anthropic's 0..1, top_p is left out beside a temperature on models that refuse both,
// `stop` becomes `stop_sequences`. 429 and 529 (overloaded) are retried after `retry-after`; stop_reason
// "max_tokens" is reported as 'length' and "refusal" as 'refusal'.
import type { ModelConfig } from '../../config';
import type { ChatMessage, PredictRequest, TokenUsage } from '../../types';
import { answerJsonSchema } from '../answerSchema';
import { cacheKey, sharedResponseCache, type ResponseCache } from '../cache';
import type { ChatParams } from '../openai';
import { assertKeyOrigin, originOf } from '../origin';
import { costOf, lookupPrice, type Price } from '../pricing';
import {
  PredictorError,
  parseRetryAfter,
  redactSecrets,
  type AttemptFailure,
  type RetryDeps,
  type RetryPolicy,
} from '../retry';
import { TransportTimeoutError, createNodeFetch } from '../transport';
import { causeText, findCause, isFatalHttp, isRetryableStatus, type HttpErrorInfo } from './errors';
import { checkByListing, getJson } from './http';
import { llmPredictor, type LlmAnswer, type LlmRequest } from './llm';
import type {
  Endpoint,
  LlmBinding,
  LlmFactoryArgs,
  LlmPredictor,
  ListModelsOptions,
  Provider,
  ProviderDeps,
  RetryListener,
} from './types';

/** The API version every request names (the Messages API's stable version). */
export const ANTHROPIC_VERSION = '2023-06-01';
/** `max_tokens` when neither the template nor the entry sets one: room for a ranking of 100 labels. */
export const DEFAULT_MAX_TOKENS = 1024;
/** Extended thinking's budget by reasoning_effort ('none'/'minimal': no thinking). */
export const THINKING_BUDGET: Readonly<Record<string, number>> = {
  low: 1024,
  medium: 4096,
  high: 16384,
  xhigh: 32000,
};
/** The forced tool's name: the model "calls" it with its answer as the input. */
const ANSWER_TOOL_DESCRIPTION = 'Record your answer. Call this exactly once with your final answer.';

/** Models that refuse `temperature` and `top_p` in one request (Claude Opus 4.1, the 4.5 family and later). */
export function refusesTemperatureWithTopP(model: string): boolean {
  return /claude-(?:opus|sonnet|haiku)-(?:4-[1-9]|[5-9])/i.test(model);
}

export interface AnthropicPredictorSpec {
  /** The predictor's id in results (the config's model entry id). */
  id: string;
  /** The API root, e.g. https://api.anthropic.com (requests go to <root>/v1/messages). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The origin the key was issued for (default: the base URL's). Construction fails when they differ. */
  keyOrigin?: string;
  params?: ChatParams;
  /** Extra headers (no credentials: the config refuses them). */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** How long a connected request may wait for the answer, ms. Default 60 000 (300 000 with thinking). */
  timeoutMs?: number;
  /** How long connecting may take, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Retries after the first attempt. Default 6. */
  maxRetries?: number;
  retry?: Partial<RetryPolicy>;
}

export interface AnthropicPredictorDeps {
  cache?: ResponseCache;
  retryDeps?: RetryDeps;
  fetch?: typeof fetch;
  onRetry?: RetryListener;
}

export interface AnthropicPredictor extends LlmPredictor {
  readonly provider: 'anthropic';
  requestBody(request: Pick<PredictRequest, 'testCase' | 'messages' | 'sample'>): Record<string, unknown>;
}

type Block = { type: string; text?: unknown; name?: unknown; input?: unknown; thinking?: unknown };
interface MessageResponse {
  type?: unknown;
  model?: unknown;
  content?: unknown;
  stop_reason?: unknown;
  usage?: {
    input_tokens?: unknown;
    output_tokens?: unknown;
    cache_creation_input_tokens?: unknown;
    cache_read_input_tokens?: unknown;
  };
}

/** An HTTP error answer, kept whole until it is classified. */
class AnthropicHttpError extends Error {
  constructor(
    readonly info: HttpErrorInfo,
    readonly headers: Headers,
  ) {
    super(`HTTP ${info.status}${info.message ? `: ${info.message}` : ''}`);
  }
}

/** What an Anthropic error body says (`{"type": "error", "error": {"type", "message"}}`). */
export function anthropicErrorInfo(status: number, text: string): HttpErrorInfo {
  let message = '';
  let type: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.type === 'string') type = body.error.type;
  } catch {
    message = text.slice(0, 200);
  }
  return type ? { status, message, type } : { status, message };
}

/** stop_reason in the shared words of PredictResponse.finishReason. */
export function normaliseStopReason(
  reason: unknown,
  forcedTool: string | undefined,
  toolUsed: boolean,
): string | undefined {
  if (typeof reason !== 'string' || !reason) return undefined;
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      // The forced answer tool is how the answer arrives: a complete answer.
      return forcedTool && toolUsed ? 'stop' : 'tool_calls';
    default:
      return reason; // 'refusal', 'pause_turn', or a newer word
  }
}

/**
 * The answer in a Messages response: the forced tool's input as JSON (or the text blocks), usage (cache reads and
 * writes count as prompt tokens; thinking is inside output_tokens), the finish reason, and whether only thinking
 * came back.
 */
export function readMessage(
  body: MessageResponse,
  forcedTool?: string,
): { raw: string; usage?: TokenUsage; finishReason?: string; reasoningOnly?: boolean } {
  const blocks = (Array.isArray(body.content) ? body.content : []) as Block[];
  const tool = forcedTool ? blocks.find((b) => b.type === 'tool_use' && b.name === forcedTool) : undefined;
  const text = blocks
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
  const raw = tool ? JSON.stringify(tool.input ?? {}) : text;
  const out: { raw: string; usage?: TokenUsage; finishReason?: string; reasoningOnly?: boolean } = { raw };
  const u = body.usage;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  if (u && typeof u.input_tokens === 'number') {
    out.usage = {
      prompt: n(u.input_tokens) + n(u.cache_creation_input_tokens) + n(u.cache_read_input_tokens),
      completion: n(u.output_tokens),
    };
  }
  const finish = normaliseStopReason(body.stop_reason, forcedTool, !!tool);
  if (finish) out.finishReason = finish;
  const thought = blocks.some((b) => b.type === 'thinking' || b.type === 'redacted_thinking');
  if (thought && !raw.trim() && !blocks.some((b) => b.type === 'tool_use')) out.reasoningOnly = true;
  return out;
}

/** Turns whatever one attempt threw into a decision and a storable reason. */
export function classifyAnthropicError(error: unknown, secrets: (string | undefined)[] = []): AttemptFailure {
  const clean = (s: string): string => {
    const r = redactSecrets(s, secrets).replace(/\s+/g, ' ').trim();
    return r.length > 300 ? `${r.slice(0, 297)}...` : r;
  };
  if (error instanceof AnthropicHttpError) {
    const failure: AttemptFailure = {
      retryable: isRetryableStatus(error.info.status),
      kind: 'http',
      status: error.info.status,
      reason: clean(error.message),
    };
    failure.fatal = isFatalHttp(error.info);
    const wait = parseRetryAfter(error.headers);
    if (wait !== undefined) failure.retryAfterMs = wait;
    return failure;
  }
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
  const timeout = findCause(error, TransportTimeoutError);
  if (timeout) return { retryable: true, kind: 'timeout', reason: timeout.message };
  if (error instanceof SyntaxError)
    return {
      retryable: true,
      kind: 'bad-response',
      reason: clean(`malformed JSON in the response body: ${error.message}`),
    };
  const text = causeText(error);
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

/** The system prompt and the turns: system messages joined into `system`, consecutive turns of one role merged. */
function splitMessages(messages: readonly ChatMessage[]): {
  system: string | undefined;
  turns: { role: 'user' | 'assistant'; content: string }[];
} {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content += `\n\n${m.content}`;
    else turns.push({ role, content: m.content });
  }
  return { system: system.length ? system.join('\n\n') : undefined, turns };
}

/** Builds the predictor for one Anthropic model. Throws a PredictorError on a bad URL or key binding. */
export function createAnthropicPredictor(
  spec: AnthropicPredictorSpec,
  deps: AnthropicPredictorDeps = {},
): AnthropicPredictor {
  const root = spec.baseUrl.replace(/\/+$/, '');
  const origin = originOf(root);
  const apiKey = spec.apiKey || undefined;
  const keyOrigin = apiKey ? (spec.keyOrigin ? originOf(spec.keyOrigin) : origin) : undefined;
  if (keyOrigin) assertKeyOrigin(keyOrigin, root);
  const secrets = [apiKey];
  const params = spec.params ?? {};
  const effort = params.reasoning_effort;
  const thinkingBudget = effort ? THINKING_BUDGET[effort] : undefined;
  const responseTimeoutMs = spec.timeoutMs ?? (thinkingBudget ? 300_000 : 60_000);
  const connectTimeoutMs = spec.connectTimeoutMs ?? 10_000;
  const policy: RetryPolicy = {
    maxRetries: spec.maxRetries ?? 6,
    // The whole-attempt backstop: kept by the lean transport in its one timer per request (see openai.ts).
    timeoutMs: connectTimeoutMs + responseTimeoutMs,
    ...spec.retry,
  };
  if (!deps.fetch) policy.selfTimed = true;
  const fetchFn =
    deps.fetch ??
    createNodeFetch({ connectTimeoutMs, responseTimeoutMs, attemptTimeoutMs: policy.timeoutMs });
  const url = new URL(`${root}/v1/messages`);
  for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
  const href = url.href;
  // The key's origin is checked once: every request goes to this one URL.
  if (keyOrigin) assertKeyOrigin(keyOrigin, href);
  const headers: Record<string, string> = {
    ...spec.headers,
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
  };
  if (apiKey) headers['x-api-key'] = apiKey;
  const wantsShape = params.response_format === 'json_schema' || params.response_format === 'json_object';
  const forceTool = wantsShape && !thinkingBudget;
  const keyContext: Record<string, unknown> = {};
  if (spec.query && Object.keys(spec.query).length) keyContext.query = spec.query;
  if (spec.headers && Object.keys(spec.headers).length) keyContext.headers = spec.headers;

  function requestBody(request: LlmRequest): Record<string, unknown> {
    const { system, turns } = splitMessages(request.messages);
    const answerTokens = params.max_tokens ?? params.max_completion_tokens ?? DEFAULT_MAX_TOKENS;
    const body: Record<string, unknown> = {
      model: spec.model,
      // With thinking, max_tokens must exceed the budget: the answer's allowance comes on top of it.
      max_tokens: thinkingBudget ? thinkingBudget + answerTokens : answerTokens,
      messages: turns,
    };
    if (system !== undefined) body.system = system;
    if (thinkingBudget) {
      body.thinking = { type: 'enabled', budget_tokens: thinkingBudget };
      // Thinking refuses temperature changes and accepts top_p only from 0.95.
      if (params.top_p !== undefined && params.top_p >= 0.95) body.top_p = params.top_p;
    } else {
      if (params.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, params.temperature));
      if (
        params.top_p !== undefined &&
        !(body.temperature !== undefined && refusesTemperatureWithTopP(spec.model))
      )
        body.top_p = params.top_p;
    }
    if (params.stop !== undefined)
      body.stop_sequences = Array.isArray(params.stop) ? params.stop : [params.stop];
    if (forceTool) {
      const { name, schema } = answerJsonSchema(request.testCase);
      body.tools = [{ name, description: ANSWER_TOOL_DESCRIPTION, input_schema: schema }];
      body.tool_choice = { type: 'tool', name };
    }
    return body;
  }

  function cacheKeyOf(body: Record<string, unknown>, request: LlmRequest): string {
    const { model, messages: _m, system: _s, ...rest } = body;
    return cacheKey({
      endpoint: url.origin + url.pathname,
      model: String(model),
      messages: request.messages,
      params: Object.keys(keyContext).length ? { ...rest, ...keyContext } : rest,
      sample: request.sample,
    });
  }

  return llmPredictor({
    id: spec.id,
    provider: 'anthropic',
    model: spec.model,
    origin,
    requestBody,
    cacheKey: cacheKeyOf,
    async attempt(body, signal): Promise<MessageResponse> {
      const res = await fetchFn(href, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        redirect: 'error',
        signal,
      });
      const text = await res.text();
      if (!res.ok) throw new AnthropicHttpError(anthropicErrorInfo(res.status, text), res.headers);
      const parsed = JSON.parse(text) as MessageResponse;
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.content)) {
        throw new PredictorError('bad-response', 'the response is not a Messages answer', {
          retryable: true,
        });
      }
      return parsed;
    },
    classify: (e) => classifyAnthropicError(e, secrets),
    httpInfo: (e) => (e instanceof AnthropicHttpError ? e.info : undefined),
    read(message, intended) {
      const answer: LlmAnswer = readMessage(
        message,
        (intended.tool_choice as { name?: string } | undefined)?.name,
      );
      if (typeof message.model === 'string' && message.model && message.model !== spec.model)
        answer.servedModel = message.model;
      return answer;
    },
    policy,
    cache: deps.cache,
    retryDeps: deps.retryDeps,
    onRetry: deps.onRetry,
  });
}

/** The models an Anthropic endpoint offers (GET <root>/v1/models, following pages), sorted. */
export async function listAnthropicModels(
  endpoint: Endpoint,
  apiKey: string | undefined,
  options: ListModelsOptions = {},
): Promise<string[]> {
  const headers: Record<string, string> = { ...endpoint.headers, 'anthropic-version': ANTHROPIC_VERSION };
  if (apiKey) headers['x-api-key'] = apiKey;
  const ids: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const url = new URL(`${endpoint.baseUrl}/v1/models`);
    for (const [k, v] of Object.entries(endpoint.query ?? {})) url.searchParams.set(k, v);
    url.searchParams.set('limit', '1000');
    if (after) url.searchParams.set('after_id', after);
    const what = `cannot list models at ${url.origin}${url.pathname}`;
    const { body } = await getJson(url.href, headers, {
      ...options,
      what,
      keyOrigin: apiKey ? endpoint.origin : undefined,
      secrets: [apiKey],
    });
    const b = body as { data?: unknown; has_more?: unknown; last_id?: unknown };
    if (!Array.isArray(b.data)) throw new Error(`${what}: no "data" list in the answer`);
    for (const m of b.data) {
      const id = (m as { id?: unknown }).id;
      if (typeof id === 'string') ids.push(id);
    }
    if (b.has_more !== true || typeof b.last_id !== 'string') break;
    after = b.last_id;
  }
  return ids.sort();
}

function priceOf(
  model: ModelConfig,
  _endpoint: Endpoint,
  overrides?: Readonly<Record<string, Price>>,
): Price | undefined {
  return model.price ?? lookupPrice(model.model, overrides);
}

export async function createAnthropicBinding(
  args: LlmFactoryArgs,
  endpoint: Endpoint,
  deps: ProviderDeps = {},
): Promise<LlmBinding> {
  const { model, config } = args;
  // Requests go to <root>/v1/messages: a base URL copied in the OpenAI style would double the /v1.
  if (/\/v1\/?$/.test(new URL(endpoint.baseUrl).pathname)) {
    throw new PredictorError(
      'config',
      `model "${model.id}": the Anthropic provider takes the API root as baseUrl (e.g. https://api.anthropic.com), not ${endpoint.baseUrl}`,
      { fatal: true },
    );
  }
  const price = priceOf(model, endpoint, args.priceOverrides);
  const cache = config.run.cache ? sharedResponseCache(args.cacheDir) : undefined;
  return {
    origin: endpoint.origin,
    forTemplate(templateParams) {
      const params: ChatParams = {
        ...(templateParams as ChatParams),
        ...(model.params as ChatParams | undefined),
      };
      const thinking = !!(params.reasoning_effort && THINKING_BUDGET[params.reasoning_effort]);
      const spec: AnthropicPredictorSpec = {
        id: model.id,
        baseUrl: endpoint.baseUrl,
        model: model.model,
        apiKey: args.apiKey,
        params,
        timeoutMs:
          model.timeoutMs ?? (thinking ? Math.max(config.run.timeoutMs, 300_000) : config.run.timeoutMs),
        connectTimeoutMs: config.run.connectTimeoutMs,
        maxRetries: config.run.maxRetries,
      };
      if (endpoint.headers) spec.headers = endpoint.headers;
      if (endpoint.query) spec.query = endpoint.query;
      return createAnthropicPredictor(spec, { ...deps, cache });
    },
    cost: price ? (usage) => costOf(usage, price) : undefined,
  };
}

export const anthropicProvider: Provider = {
  id: 'anthropic',
  label: 'Anthropic',
  keyHeader: () => 'x-api-key',
  listModels: listAnthropicModels,
  testConnection: (endpoint, apiKey, options) =>
    checkByListing(() => listAnthropicModels(endpoint, apiKey, options)),
  priceOf,
  bind: createAnthropicBinding,
  // Message Batches (/v1/messages/batches) at half price.
  batch: { format: 'anthropic', priceFactor: 0.5 },
};
