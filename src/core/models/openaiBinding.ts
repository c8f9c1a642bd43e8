// From a config's model entry to predictors: resolves the preset (base URL, key header, structured-output
// support), the price (the entry's own, else the table for hosted services; a local server's price is unknown
// unless the entry sets one, 0 included) and the shared response cache,
// then builds one OpenAI-compatible predictor per template (a template's params are defaults under the model's).
// The run area's `LlmFactory` is exactly `createOpenAIBinding`.
import type { LlmBinding, LlmFactoryArgs } from '../run/wiring';
import type { TokenUsage } from '../types';
import { sharedResponseCache } from './cache';
import { createOpenAIPredictor, type ChatParams, type OpenAIPredictorDeps } from './openai';
import { PredictorError } from './retry';
import { originOf } from './openaiOrigin';
import { getPreset, presetForUrl } from './presets';
import { costOf, lookupPrice, type Price } from './pricing';

export async function createOpenAIBinding(
  args: LlmFactoryArgs,
  deps: Omit<OpenAIPredictorDeps, 'cache'> = {},
): Promise<LlmBinding> {
  const { model, config } = args;
  const named = getPreset(model.preset);
  const baseUrl = model.baseUrl ?? named?.baseUrl;
  if (!baseUrl) {
    throw new PredictorError(
      'config',
      named
        ? `model "${model.id}": the ${named.label} preset needs a baseUrl (${named.notes})`
        : `model "${model.id}": no baseUrl and no preset`,
    );
  }
  const preset = named ?? presetForUrl(baseUrl);
  const origin = originOf(baseUrl);
  // A local server is not free by assumption (electricity, rented GPUs): unknown unless `price` says 0.
  const price: Price | undefined =
    model.price ?? (preset?.local ? undefined : lookupPrice(model.model, args.priceOverrides));
  const cache = config.run.cache ? sharedResponseCache(args.cacheDir) : undefined;
  const query = { ...preset?.query, ...model.query };
  return {
    origin,
    forTemplate(templateParams) {
      const params: ChatParams = {
        ...(templateParams as ChatParams),
        ...(model.params as ChatParams | undefined),
      };
      return createOpenAIPredictor(
        {
          id: model.id,
          baseUrl,
          model: model.model,
          apiKey: args.apiKey,
          keyHeader: preset?.keyHeader,
          params,
          headers: model.headers as Record<string, string> | undefined,
          query: Object.keys(query).length ? query : undefined,
          supportsJsonSchema: preset?.supportsJsonSchema,
          supportsJsonObject: preset?.supportsJsonObject,
          timeoutMs: config.run.timeoutMs,
          maxRetries: config.run.maxRetries,
        },
        { ...deps, cache },
      );
    },
    cost: price ? (usage: TokenUsage) => costOf(usage, price) : undefined,
  };
}
