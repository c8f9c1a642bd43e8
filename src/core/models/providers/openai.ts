// The OpenAI-compatible provider: OpenAI, Azure OpenAI, OpenRouter and every local server that speaks
// /v1/chat/completions (Ollama, vLLM, LM Studio, llama.cpp). The key goes as a bearer token, or in Azure's
// `api-key` header, only to the origin it is bound to; models are listed by GET <baseUrl>/models (Azure's
// deployment URLs by <resource>/openai/models with their api-version). Reasoning families (o1, o3, o4-mini,
// gpt-5…) get a template's temperature and top_p only when the model entry sets them.
import type { ModelConfig } from '../../config';
import { sharedResponseCache } from '../cache';
import { REASONING_TIMEOUT_MS, createOpenAIPredictor, isReasoningModel, type ChatParams } from '../openai';
import { costOf, lookupPrice, type Price } from '../pricing';
import { checkByListing, getJson } from './http';
import type {
  Endpoint,
  LlmBinding,
  LlmFactoryArgs,
  ListModelsOptions,
  Provider,
  ProviderDeps,
} from './types';

function keyHeaders(endpoint: Endpoint, apiKey: string | undefined): Record<string, string> {
  if (!apiKey) return {};
  return endpoint.preset?.keyHeader === 'api-key'
    ? { 'api-key': apiKey }
    : { authorization: `Bearer ${apiKey}` };
}

/** Where the model list lives: <baseUrl>/models, or for an Azure deployment URL the resource's /openai/models. */
export function modelsUrl(endpoint: Endpoint): string {
  const base = endpoint.baseUrl.replace(/\/+$/, '');
  const deployment = /^(.*\/openai)\/deployments\/[^/]+$/i.exec(base);
  const url = new URL(deployment ? `${deployment[1]}/models` : `${base}/models`);
  for (const [k, v] of Object.entries(endpoint.query ?? {})) url.searchParams.set(k, v);
  return url.href;
}

export async function listOpenAIModels(
  endpoint: Endpoint,
  apiKey: string | undefined,
  options: ListModelsOptions = {},
): Promise<string[]> {
  const url = modelsUrl(endpoint);
  const what = `cannot list models at ${url.replace(/\?.*$/, '')}`;
  const { body } = await getJson(
    url,
    { ...endpoint.headers, ...keyHeaders(endpoint, apiKey) },
    { ...options, what, keyOrigin: apiKey ? endpoint.origin : undefined, secrets: [apiKey] },
  );
  const data = (body as { data?: unknown }).data ?? (body as { models?: unknown }).models;
  if (!Array.isArray(data)) throw new Error(`${what}: no "data" list in the answer`);
  return data
    .map((m) => (typeof m === 'string' ? m : (m as { id?: unknown; name?: unknown }).id))
    .filter((id): id is string => typeof id === 'string')
    .sort();
}

function priceOf(
  model: ModelConfig,
  endpoint: Endpoint,
  overrides?: Readonly<Record<string, Price>>,
): Price | undefined {
  // A local server is not free by assumption, nor priced like the hosted model whose name it may serve: its
  // cost is unknown unless the entry sets `price` (0 included).
  return model.price ?? (endpoint.preset?.local ? undefined : lookupPrice(model.model, overrides));
}

/**
 * The parameters one template's predictor sends: the template's as defaults under the model entry's. For a
 * reasoning model a template's temperature and top_p are left out (those models refuse them); the entry's own
 * are sent as written.
 */
export function effectiveParams(model: ModelConfig, templateParams: object): ChatParams {
  const own = (model.params ?? {}) as ChatParams;
  const params: ChatParams = { ...(templateParams as ChatParams), ...own };
  if (isReasoningModel(model.model)) {
    if (own.temperature === undefined) delete params.temperature;
    if (own.top_p === undefined) delete params.top_p;
  }
  return params;
}

/** The runner's view of one OpenAI-compatible model entry. */
export async function createOpenAIBinding(
  args: LlmFactoryArgs,
  endpoint: Endpoint,
  deps: ProviderDeps = {},
): Promise<LlmBinding> {
  const { model, config } = args;
  const price = priceOf(model, endpoint, args.priceOverrides);
  const cache = config.run.cache ? sharedResponseCache(args.cacheDir) : undefined;
  const preset = endpoint.preset;
  return {
    origin: endpoint.origin,
    forTemplate(templateParams) {
      return createOpenAIPredictor(
        {
          id: model.id,
          baseUrl: endpoint.baseUrl,
          model: model.model,
          apiKey: args.apiKey,
          keyHeader: preset?.keyHeader === 'api-key' ? 'api-key' : 'authorization',
          params: effectiveParams(model, templateParams),
          headers: endpoint.headers,
          query: endpoint.query,
          supportsJsonSchema: preset?.supportsJsonSchema,
          supportsJsonObject: preset?.supportsJsonObject,
          timeoutMs: model.timeoutMs ?? responseTimeout(model.model, config.run.timeoutMs),
          connectTimeoutMs: config.run.connectTimeoutMs,
          maxRetries: config.run.maxRetries,
        },
        { ...deps, cache },
      );
    },
    cost: price ? (usage) => costOf(usage, price) : undefined,
  };
}

/** run.timeoutMs, raised to five minutes for reasoning models (they think before the first byte). */
function responseTimeout(model: string, runTimeoutMs: number | undefined): number {
  const base = runTimeoutMs ?? 60_000;
  return isReasoningModel(model) ? Math.max(base, REASONING_TIMEOUT_MS) : base;
}

export const openaiProvider: Provider = {
  id: 'openai',
  label: 'OpenAI-compatible',
  keyHeader: (endpoint) => (endpoint.preset?.keyHeader === 'api-key' ? 'api-key' : 'authorization'),
  listModels: listOpenAIModels,
  testConnection: (endpoint, apiKey, options) =>
    checkByListing(() => listOpenAIModels(endpoint, apiKey, options)),
  priceOf,
  bind: createOpenAIBinding,
  // /v1/files + /v1/batches at half price (OpenAI; Azure's differs and local servers have none: see src/core/batch).
  batch: { format: 'openai', priceFactor: 0.5 },
};
