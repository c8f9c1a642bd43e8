// Where a config's model entry sends its requests: its baseUrl, else its preset's default.
import { PRESETS, type ModelConfig } from '../../core';

export function endpointBaseUrl(model: ModelConfig): string | undefined {
  if (model.baseUrl) return model.baseUrl;
  const preset = model.preset ? PRESETS[model.preset] : undefined;
  return preset?.baseUrl;
}
