// The provider registry: which API a model entry speaks (`models[].provider`, else its preset's, else the one
// its URL points at, else "openai"), where its requests go, and the provider module itself, loaded on first use
// (a baselines-only run or the CLI's start-up never loads the `openai` package). Adding a provider: a module in
// this folder implementing `Provider` (types.ts), its id in PROVIDER_IDS and a loader below (docs/models.md).
import type { ModelConfig } from '../../config';
import { originOf } from '../origin';
import { getPreset, presetForUrl, type EndpointPreset } from '../presets';
import { PredictorError } from '../retry';
import type {
  ConnectionCheck,
  Endpoint,
  LlmFactory,
  ListModelsOptions,
  Provider,
  ProviderDeps,
  ProviderId,
} from './types';

export * from './types';
export { isFatalHttp, isRetryableStatus, rejectedSamplingParam, type HttpErrorInfo } from './errors';

/** Each provider's label (for views, without loading it) and its module, imported on first use. */
export const PROVIDERS: Readonly<Record<ProviderId, { label: string; load: () => Promise<Provider> }>> = {
  openai: { label: 'OpenAI-compatible', load: async () => (await import('./openai')).openaiProvider },
  anthropic: { label: 'Anthropic', load: async () => (await import('./anthropic')).anthropicProvider },
};

const loaded = new Map<ProviderId, Promise<Provider>>();

/** The provider module (loaded once per process). */
export function loadProvider(id: ProviderId): Promise<Provider> {
  let p = loaded.get(id);
  if (!p) {
    const entry = Object.hasOwn(PROVIDERS, id) ? PROVIDERS[id] : undefined;
    if (!entry) return Promise.reject(new PredictorError('config', `unknown provider "${String(id)}"`));
    p = entry.load();
    loaded.set(id, p);
  }
  return p;
}

/** The preset a model entry names, else the one its URL points at. */
export function presetOf(model: Pick<ModelConfig, 'preset' | 'baseUrl'>): EndpointPreset | undefined {
  return getPreset(model.preset) ?? (model.baseUrl ? presetForUrl(model.baseUrl) : undefined);
}

/** Which provider speaks to a model entry: its own `provider`, its preset's, else "openai". */
export function providerIdOf(model: Pick<ModelConfig, 'provider' | 'preset' | 'baseUrl'>): ProviderId {
  return model.provider ?? presetOf(model)?.provider ?? 'openai';
}

/** The base URL a model entry talks to: its own, or its preset's. */
export function baseUrlOf(model: Pick<ModelConfig, 'preset' | 'baseUrl'>): string | undefined {
  return model.baseUrl ?? getPreset(model.preset)?.baseUrl;
}

/** The environment variable a model's key is read from by the CLI: the entry's apiKeyEnv, else its preset's. */
export function apiKeyEnvOf(
  model: Pick<ModelConfig, 'apiKeyEnv' | 'preset' | 'baseUrl'>,
): string | undefined {
  if (model.apiKeyEnv) return model.apiKeyEnv;
  const preset = presetOf(model);
  return preset?.needsKey ? preset.apiKeyEnv : undefined;
}

/**
 * Where a model entry's requests go. Throws a PredictorError (kind `config`) naming the entry when it has no
 * base URL (Azure's preset needs one) or its preset belongs to another provider than the one it names.
 */
export function endpointOf(
  model: Pick<ModelConfig, 'id' | 'provider' | 'preset' | 'baseUrl' | 'query' | 'headers'>,
): Endpoint {
  const named = getPreset(model.preset);
  const baseUrl = baseUrlOf(model);
  if (!baseUrl) {
    throw new PredictorError(
      'config',
      named
        ? `model "${model.id}": the ${named.label} preset needs a baseUrl (${named.notes})`
        : `model "${model.id}": no baseUrl and no preset`,
      { fatal: true },
    );
  }
  const provider = providerIdOf(model);
  const preset = presetOf(model);
  if (named && named.provider !== provider) {
    throw new PredictorError(
      'config',
      `model "${model.id}": the ${named.label} preset speaks the "${named.provider}" API, not "${provider}"`,
      { fatal: true },
    );
  }
  const query = { ...preset?.query, ...model.query };
  const endpoint: Endpoint = { provider, baseUrl: baseUrl.replace(/\/+$/, ''), origin: originOf(baseUrl) };
  // A preset found by URL only applies when it speaks the same API (the test server serves both).
  if (preset && preset.provider === provider) endpoint.preset = preset;
  if (Object.keys(query).length) endpoint.query = query;
  if (model.headers && Object.keys(model.headers).length) endpoint.headers = { ...model.headers };
  return endpoint;
}

/** The runner's factory: each model entry bound by its provider (loaded on first use). */
export function llmFactory(deps: ProviderDeps = {}): LlmFactory {
  return async (args) => {
    const endpoint = endpointOf(args.model);
    const provider = await loadProvider(endpoint.provider);
    return provider.bind(args, endpoint, deps);
  };
}

/** Lists the models of a model entry's endpoint through its provider (the Models view's "List Models"). */
export async function listModelsOf(
  model: Parameters<typeof endpointOf>[0],
  apiKey: string | undefined,
  options?: ListModelsOptions,
): Promise<string[]> {
  const endpoint = endpointOf(model);
  return (await loadProvider(endpoint.provider)).listModels(endpoint, apiKey, options);
}

/** Whether a model entry's endpoint answers with this key (the Models view's "Test Connection"). */
export async function testConnectionOf(
  model: Parameters<typeof endpointOf>[0],
  apiKey: string | undefined,
  options?: ListModelsOptions,
): Promise<ConnectionCheck & { provider: ProviderId; origin: string; keyHeader: string }> {
  const endpoint = endpointOf(model);
  const provider = await loadProvider(endpoint.provider);
  const check = await provider.testConnection(endpoint, apiKey, options);
  return {
    ...check,
    provider: endpoint.provider,
    origin: endpoint.origin,
    keyHeader: provider.keyHeader(endpoint),
  };
}
