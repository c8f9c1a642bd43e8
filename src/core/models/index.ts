// The model clients' public API (the baselines export theirs from ./baselines). The OpenAI-compatible predictor
// itself (./openai, which loads the `openai` package) is reached through a dynamic import by the runner, so a
// baselines-only run and CLI start-up never pay for it; its types are re-exported here.
export * from './cache';
export { assertKeyOrigin } from './openaiOrigin'; // originOf: the run area exports its own (same rule)
export * from './presets';
export * from './pricing';
export * from './retry';
export type {
  ChatParams,
  OpenAIPredictResponse,
  OpenAIPredictor,
  OpenAIPredictorDeps,
  OpenAIPredictorSpec,
} from './openai';
