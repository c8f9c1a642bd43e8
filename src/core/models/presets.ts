// Endpoint presets: the usual base URL, key variable, provider and abilities of the services and local servers
// people point UBP Eval at. Which requests go there is the provider's business (providers/).
import type { ProviderId } from './providers/types';

/** The presets, by the name `models[].preset` takes (the config's enum comes from here). */
export const PRESET_IDS = [
  'openai',
  'azure',
  'ollama',
  'vllm',
  'lmstudio',
  'llamacpp',
  'openrouter',
  'anthropic',
] as const;
export type PresetId = (typeof PRESET_IDS)[number];

export interface EndpointPreset {
  id: PresetId;
  label: string;
  /** The provider that speaks this endpoint's API. */
  provider: ProviderId;
  /** Undefined for Azure: the URL names the user's resource. */
  baseUrl: string | undefined;
  /** The environment variable a key is usually kept in; undefined for local servers that need none. */
  apiKeyEnv: string | undefined;
  /** Whether a request needs a key at all. */
  needsKey: boolean;
  /** How the key is sent: `Authorization: Bearer`, Azure's `api-key` or Anthropic's `x-api-key` header. */
  keyHeader: 'authorization' | 'api-key' | 'x-api-key';
  /** Whether `response_format: {type: "json_schema"}` is understood (else json_object is sent instead). */
  supportsJsonSchema: boolean;
  /** Whether `response_format: {type: "json_object"}` is understood. */
  supportsJsonObject: boolean;
  /** Runs on the user's machine: free, no key. */
  local: boolean;
  /** Query parameters every request needs. */
  query?: Record<string, string>;
  notes: string;
}

export const PRESETS: Readonly<Record<PresetId, EndpointPreset>> = {
  openai: {
    id: 'openai',
    label: 'OpenAI',
    provider: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: 'OPENAI_API_KEY',
    needsKey: true,
    keyHeader: 'authorization',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: false,
    notes:
      'Reasoning models (o1, o3, o4-mini, gpt-5) take max_completion_tokens and reasoning_effort, reject temperature ' +
      'other than 1, and bill their hidden reasoning tokens as output.',
  },
  azure: {
    id: 'azure',
    label: 'Azure OpenAI',
    provider: 'openai',
    baseUrl: undefined,
    apiKeyEnv: 'AZURE_OPENAI_API_KEY',
    needsKey: true,
    keyHeader: 'api-key',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: false,
    notes:
      'Set baseUrl to https://<resource>.openai.azure.com/openai/v1 (the v1 API; "model" is the deployment name), or ' +
      'to …/openai/deployments/<deployment> with query {"api-version": "2024-10-21"}. The key goes in the api-key header.',
  },
  ollama: {
    id: 'ollama',
    label: 'Ollama',
    provider: 'openai',
    baseUrl: 'http://localhost:11434/v1',
    apiKeyEnv: undefined,
    needsKey: false,
    keyHeader: 'authorization',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: true,
    notes:
      'Pull the model first (ollama pull <model>). Structured outputs (json_schema) need Ollama 0.5 or later.',
  },
  vllm: {
    id: 'vllm',
    label: 'vLLM',
    provider: 'openai',
    baseUrl: 'http://localhost:8000/v1',
    apiKeyEnv: 'VLLM_API_KEY',
    needsKey: false,
    keyHeader: 'authorization',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: true,
    notes: '"model" is the name vllm serve was started with; a key only when the server was given --api-key.',
  },
  lmstudio: {
    id: 'lmstudio',
    label: 'LM Studio',
    provider: 'openai',
    baseUrl: 'http://localhost:1234/v1',
    apiKeyEnv: undefined,
    needsKey: false,
    keyHeader: 'authorization',
    supportsJsonSchema: true,
    supportsJsonObject: false,
    local: true,
    notes: 'Start the local server in LM Studio (Developer tab). It accepts json_schema but not json_object.',
  },
  llamacpp: {
    id: 'llamacpp',
    label: "llama.cpp's server",
    provider: 'openai',
    baseUrl: 'http://localhost:8080/v1',
    apiKeyEnv: 'LLAMA_API_KEY',
    needsKey: false,
    keyHeader: 'authorization',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: true,
    notes: 'llama-server serves one model; "model" is informational. A key only when started with --api-key.',
  },
  openrouter: {
    id: 'openrouter',
    label: 'OpenRouter',
    provider: 'openai',
    baseUrl: 'https://openrouter.ai/api/v1',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    needsKey: true,
    keyHeader: 'authorization',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: false,
    notes:
      'Model names carry the vendor ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4"). Structured outputs depend on ' +
      'the model behind it; prices follow the vendor.',
  },
  anthropic: {
    id: 'anthropic',
    label: 'Anthropic',
    provider: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    needsKey: true,
    keyHeader: 'x-api-key',
    supportsJsonSchema: true,
    supportsJsonObject: true,
    local: false,
    notes:
      'The Messages API (baseUrl is the API root). The answer shape is enforced with a forced tool, except with ' +
      'extended thinking (reasoning_effort), where the prompt alone asks for it. temperature is 0..1.',
  },
};

export function getPreset(id: string | undefined): EndpointPreset | undefined {
  return id !== undefined && Object.hasOwn(PRESETS, id) ? PRESETS[id as PresetId] : undefined;
}

/** The preset whose base URL a URL points at (e.g. a bare baseUrl of http://localhost:11434/v1 is Ollama). */
export function presetForUrl(baseUrl: string): EndpointPreset | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (/\.openai\.azure\.com$/i.test(url.hostname)) return PRESETS.azure;
  for (const p of Object.values(PRESETS)) {
    if (!p.baseUrl) continue;
    const q = new URL(p.baseUrl);
    const local = (h: string): string => (h === '127.0.0.1' || h === '[::1]' ? 'localhost' : h);
    if (local(q.hostname) === local(url.hostname) && q.port === url.port && q.protocol === url.protocol)
      return p;
  }
  return undefined;
}
