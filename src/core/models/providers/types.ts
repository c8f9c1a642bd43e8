// The contract every model provider meets, and what the runner receives from one. A provider knows how to
// authenticate (which header, bound to which origin), list models and test a connection, turn a case's messages
// into a request and read the answer text, usage, finish reason and errors back, and what its models cost. It
// knows nothing of the runner: the runner gets an `LlmFactory` from the registry (index.ts) and calls it.
import type { EvalConfig, ModelConfig } from '../../config';
import type { PromptParams } from '../../prompt/frontMatter';
import type { ChatMessage, PredictRequest, PredictResponse, Predictor, TokenUsage } from '../../types';
import type { EndpointPreset } from '../presets';
import type { Price } from '../pricing';
import type { AttemptRecord, RetryDeps } from '../retry';

/** The providers the registry knows, by the name `models[].provider` takes. */
export const PROVIDER_IDS = ['openai', 'anthropic'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** Where one model entry's requests go, resolved once from its provider, preset and URL. */
export interface Endpoint {
  provider: ProviderId;
  /** The base URL requests are built on (OpenAI: …/v1; Anthropic: the API root). */
  baseUrl: string;
  /** The origin the key is bound to and the concurrency pool. */
  origin: string;
  /** The named preset, or the one the URL points at. */
  preset?: EndpointPreset;
  /** Query parameters every request carries (the preset's, then the entry's), e.g. Azure's api-version. */
  query?: Record<string, string>;
  /** Extra headers the entry names (never credentials: the config refuses them). */
  headers?: Record<string, string>;
}

export interface LlmFactoryArgs {
  model: ModelConfig;
  config: EvalConfig;
  /** Folder of the response cache (used when config.run.cache is true). */
  cacheDir: string;
  /** The key the front end gave for this model's origin (undefined: none, e.g. a local server). */
  apiKey: string | undefined;
  /** Prices by model name that override the default table (the entry's own `price` still wins). */
  priceOverrides?: Readonly<Record<string, Price>>;
}

/** One model entry, ready to make a predictor per template (a template's params are defaults under the model's). */
export interface LlmBinding {
  /** Endpoint origin: the concurrency pool. */
  origin: string;
  /** The runner needs a Predictor; every provider's is an LlmPredictor (requestBody, cacheKeyOf for batch files). */
  forTemplate(params: PromptParams): Predictor;
  /** USD for a usage; undefined when no price is known. */
  cost?: (usage: TokenUsage) => number | undefined;
  /** Prompt tokens of messages (exact tokenizer where known). */
  countTokens?: (messages: ChatMessage[]) => number;
}

export type LlmFactory = (args: LlmFactoryArgs) => Promise<LlmBinding>;

/** A failed attempt that will be retried: which model and case, the failure, the wait before the next one. */
export type RetryListener = (info: {
  predictor: string;
  caseId: string;
  attempt: AttemptRecord;
  index: number;
}) => void;

/** What every provider's predictor answers with, beyond a PredictResponse. */
export interface LlmPredictResponse extends PredictResponse {
  /** Wall time of predict(), ms (retries and waits included; ~0 for a cache hit). */
  latencyMs: number;
  /** One record per attempt (absent for a cache hit). */
  attemptLog?: AttemptRecord[];
  /** The model the endpoint says answered, when it differs from the one asked for. */
  servedModel?: string;
}

/** A predictor talking to a model endpoint. `requestBody` is what batch files are made of (issue 15). */
export interface LlmPredictor extends Predictor {
  readonly kind: 'llm';
  readonly provider: ProviderId;
  readonly model: string;
  /** The endpoint origin, e.g. "https://api.openai.com" (the concurrency pool and the key's binding). */
  readonly origin: string;
  predict(request: PredictRequest): Promise<LlmPredictResponse>;
  /** The JSON body that would be sent for a request (without sending it). */
  requestBody(request: Pick<PredictRequest, 'testCase' | 'messages' | 'sample'>): object;
  /** The response-cache key of a request. */
  cacheKeyOf(request: Pick<PredictRequest, 'testCase' | 'messages' | 'sample'>): string;
}

/** What a provider's transport and retry loop may be given (tests inject clocks and fetches). */
export interface ProviderDeps {
  /** Clock, sleep and random for the retry loop. */
  retryDeps?: RetryDeps;
  /** The fetch requests go through (default: the lean node:http one, transport.ts); the origin guard wraps it. */
  fetch?: typeof fetch;
  /** Told about every failed attempt that will be retried. */
  onRetry?: RetryListener;
}

export interface ConnectionCheck {
  ok: boolean;
  /** The models the endpoint lists (when it answered). */
  models?: string[];
  /** Why it failed, safe to show (never contains the key). */
  error?: string;
  latencyMs: number;
}

export interface ListModelsOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export interface Provider {
  readonly id: ProviderId;
  readonly label: string;
  /** The header the key travels in at this endpoint (for messages and the Models view). */
  keyHeader(endpoint: Endpoint): string;
  /** Model ids the endpoint offers, sorted. Rejects with a readable message that never contains the key. */
  listModels(endpoint: Endpoint, apiKey: string | undefined, options?: ListModelsOptions): Promise<string[]>;
  /** Whether the endpoint answers with this key (lists its models, timing the round trip). */
  testConnection(
    endpoint: Endpoint,
    apiKey: string | undefined,
    options?: ListModelsOptions,
  ): Promise<ConnectionCheck>;
  /** The price of a model at this endpoint (the entry's own price wins; undefined: unknown). */
  priceOf(
    model: ModelConfig,
    endpoint: Endpoint,
    overrides?: Readonly<Record<string, Price>>,
  ): Price | undefined;
  /** The runner's view of one model entry. Throws a PredictorError (kind `config`) on a bad entry. */
  bind(args: LlmFactoryArgs, endpoint: Endpoint, deps?: ProviderDeps): Promise<LlmBinding>;
  /**
   * Its batch API (src/core/batch), absent when it has none: the wire format of the batch input, and the price
   * of a batched request relative to an interactive one. Local servers of a batching provider still have none.
   */
  readonly batch?: { format: 'openai' | 'anthropic'; priceFactor: number };
}
