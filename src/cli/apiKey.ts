// The CLI's API keys: only from the environment variable a model entry (or its preset) names; never from a file.
import type { CliIO } from './command';
import { apiKeyEnvOf, type ModelConfig } from '../core';

/** The key of a model entry from `io.env`, undefined when it needs none; throws naming the variable when unset. */
export function envApiKey(io: CliIO, m: ModelConfig): string | undefined {
  const name = apiKeyEnvOf(m);
  if (!name) return undefined;
  const key = io.env[name];
  if (!key)
    throw new Error(
      `model "${m.id}" needs an API key in the environment variable ${name}, which is not set` +
        (m.apiKeyEnv ? ' (apiKeyEnv in the config)' : " (the preset's default)"),
    );
  return key;
}
