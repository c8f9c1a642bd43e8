// Binds a model entry to the OpenAI-compatible client (models/openai). Filled in once that client lands.
import type { LlmFactory } from './wiring';

export const openaiLlmFactory: LlmFactory = async ({ model }) => {
  throw new Error(`the OpenAI-compatible client is not available yet (model "${model.id}")`);
};
