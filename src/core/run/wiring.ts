// The seams between the runner and the other areas: loading the dataset (dataset/), the model providers'
// registry (models/providers: the runner takes its factory and knows no provider), the openai package's version
// for the manifest. Kept apart so prepare.ts reads as the recipe.
import { VERSION as OPENAI_VERSION } from 'openai/version';
import type { DatasetConfig } from '../config';
import { loadDataset, resolveBundledDataset, type LoadDatasetOptions } from '../dataset';
import { llmFactory as providersFactory, type LlmFactory, type RetryListener } from '../models/providers';
import type { Interactions } from '../types';

export type { LlmBinding, LlmFactory, LlmFactoryArgs, RetryListener } from '../models/providers';
export { apiKeyEnvOf, baseUrlOf } from '../models/providers';

export function openaiVersion(): string {
  return OPENAI_VERSION;
}

export async function loadEvalDataset(
  target: string,
  config: DatasetConfig,
  packageRoot?: string,
  signal?: AbortSignal,
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
  if (signal) options.signal = signal;
  const loaded = await loadDataset(where, options);
  const { data, fingerprint, skippedRows, issues } = loaded;
  return { data, fingerprint, skippedRows, issues };
}

/** The default factory: each model entry bound by its provider, loaded on first use. */
export async function llmFactory(onRetry?: RetryListener): Promise<LlmFactory> {
  return providersFactory(onRetry ? { onRetry } : {});
}
