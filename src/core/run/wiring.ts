// The seams between the runner and the other areas: loading the dataset (dataset/), building LLM predictors
// (models/openai), the openai package's version for the manifest. Kept apart so prepare.ts reads as the recipe.
import { VERSION as OPENAI_VERSION } from 'openai/version';
import type { DatasetConfig, EvalConfig, ModelConfig } from '../config';
import { loadDataset, resolveBundledDataset, type LoadDatasetOptions } from '../dataset';
import { getPreset, presetForUrl } from '../models/presets';
import type { AttemptRecord } from '../models/retry';
import type { PromptParams } from '../prompt';
import type { Price } from '../models/pricing';
import type { ChatMessage, Interactions, Predictor, TokenUsage } from '../types';

export function openaiVersion(): string {
  return OPENAI_VERSION;
}

export async function loadEvalDataset(
  target: string,
  config: DatasetConfig,
  packageRoot?: string,
): Promise<{
  data: Interactions;
  fingerprint: string;
  skippedRows: number;
  /** The first malformed rows skipped (see dataset/errors.ts). */
  issues: Awaited<ReturnType<typeof loadDataset>>['issues'];
}> {
  const where =
    target.startsWith('bundled:') && packageRoot ? resolveBundledDataset(target, packageRoot) : target;
  const options: LoadDatasetOptions = { format: config.format, mode: config.mode };
  if (config.columns) options.columns = config.columns as unknown as LoadDatasetOptions['columns'];
  const loaded = await loadDataset(where, options);
  const { data, fingerprint, skippedRows, issues } = loaded;
  return { data, fingerprint, skippedRows, issues };
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
  forTemplate(params: PromptParams): Predictor;
  /** USD for a usage; undefined when no price is known. */
  cost?: (usage: TokenUsage) => number | undefined;
  /** Prompt tokens of messages (exact tokenizer where known). */
  countTokens?: (messages: ChatMessage[]) => number;
}

export type LlmFactory = (args: LlmFactoryArgs) => Promise<LlmBinding>;

/** The base URL a model entry talks to: its own, or its preset's. */
export function baseUrlOf(model: ModelConfig): string | undefined {
  return model.baseUrl ?? getPreset(model.preset)?.baseUrl;
}

/** The environment variable a model's key is read from by the CLI: the entry's apiKeyEnv, else its preset's. */
export function apiKeyEnvOf(model: ModelConfig): string | undefined {
  if (model.apiKeyEnv) return model.apiKeyEnv;
  const preset = getPreset(model.preset) ?? (model.baseUrl ? presetForUrl(model.baseUrl) : undefined);
  return preset?.needsKey ? preset.apiKeyEnv : undefined;
}

/** A failed attempt that will be retried: which model and case, the failure, the wait before the next one. */
export type RetryListener = (info: {
  predictor: string;
  caseId: string;
  attempt: AttemptRecord;
  index: number;
}) => void;

/** The default factory: the OpenAI-compatible client (loaded on first use: a baselines-only run never pays). */
export async function llmFactory(onRetry?: RetryListener): Promise<LlmFactory> {
  const { createOpenAIBinding } = await import('../models/openaiBinding');
  return (args) => createOpenAIBinding(args, onRetry ? { onRetry } : {});
}
