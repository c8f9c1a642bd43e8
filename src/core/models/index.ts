// The model clients' public API (the baselines export theirs from ./baselines). The providers themselves (which
// load the `openai` package or talk to Anthropic) are reached through the registry's dynamic imports, so a
// baselines-only run and CLI start-up never pay for them; their types are re-exported here.
export * from './cache';
export { assertKeyOrigin, originOf } from './origin';
export * from './presets';
export * from './pricing';
export * from './providers';
export * from './retry';
export type {
  ChatParams,
  OpenAIPredictResponse,
  OpenAIPredictor,
  OpenAIPredictorDeps,
  OpenAIPredictorSpec,
} from './openai';
export type { AnthropicPredictor, AnthropicPredictorSpec } from './providers/anthropic';
