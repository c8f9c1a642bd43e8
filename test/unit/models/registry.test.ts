// The provider registry: which provider speaks to a model entry, where its requests go, and that providers load
// only when asked for (the engine's entry point loads none of them, nor the openai client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  PROVIDERS,
  PROVIDER_IDS,
  apiKeyEnvOf,
  endpointOf,
  loadProvider,
  providerIdOf,
} from '../../../src/core/models/providers';
import { PredictorError } from '../../../src/core/models/retry';

test('the provider: the entry says, else its preset (named or found by URL), else openai', () => {
  assert.equal(providerIdOf({ baseUrl: 'http://localhost:9/v1' }), 'openai');
  assert.equal(providerIdOf({ preset: 'ollama' }), 'openai');
  assert.equal(providerIdOf({ preset: 'anthropic' }), 'anthropic');
  assert.equal(providerIdOf({ baseUrl: 'https://api.anthropic.com' }), 'anthropic');
  assert.equal(providerIdOf({ provider: 'anthropic', baseUrl: 'http://127.0.0.1:8/' }), 'anthropic');
  assert.equal(apiKeyEnvOf({ baseUrl: 'https://api.anthropic.com' }), 'ANTHROPIC_API_KEY');
  assert.equal(apiKeyEnvOf({ provider: 'anthropic', baseUrl: 'http://127.0.0.1:8' } as never), undefined);
  assert.deepEqual(Object.keys(PROVIDERS).sort(), [...PROVIDER_IDS].sort());
});

test('the endpoint: base URL, origin, the preset query under the entry query; clear errors', () => {
  const e = endpointOf({
    id: 'az',
    preset: 'azure',
    baseUrl: 'https://res.openai.azure.com/openai/v1/',
    query: { 'api-version': '2024-10-21' },
  });
  assert.deepEqual(
    { ...e, preset: e.preset?.id },
    {
      provider: 'openai',
      baseUrl: 'https://res.openai.azure.com/openai/v1',
      origin: 'https://res.openai.azure.com',
      preset: 'azure',
      query: { 'api-version': '2024-10-21' },
    },
  );
  assert.throws(
    () => endpointOf({ id: 'az', preset: 'azure' }),
    (err: unknown) =>
      err instanceof PredictorError && err.fatal && /model "az".*needs a baseUrl/.test(err.reason),
  );
  // A URL that a preset of another API would match (the test server serves both) keeps the entry's provider.
  const local = endpointOf({ id: 'c', provider: 'anthropic', baseUrl: 'http://localhost:11434' });
  assert.equal(local.provider, 'anthropic');
  assert.equal(local.preset, undefined);
});

test('loadProvider gives each provider once, by its id, and refuses an unknown one', async () => {
  const a = await loadProvider('anthropic');
  assert.equal(a.id, 'anthropic');
  assert.equal(await loadProvider('anthropic'), a);
  assert.equal((await loadProvider('openai')).id, 'openai');
  await assert.rejects(loadProvider('gemini' as never), /unknown provider "gemini"/);
});

test('providers load lazily: the engine entry point loads neither provider nor the openai client', () => {
  const repo = path.resolve(__dirname, '../../..');
  const script = `
    const core = require('./src/core/index.ts');
    const seen = () => Object.keys(require.cache)
      .filter((k) => /node_modules[\\\\/]openai[\\\\/](?!version)|providers[\\\\/](openai|anthropic)\\.ts$/.test(k))
      .map((k) => k.slice(k.lastIndexOf('node_modules') >= 0 ? k.lastIndexOf('node_modules') : k.lastIndexOf('providers')));
    const atStart = seen();
    core.loadProvider('anthropic').then(() => {
      const anthropic = seen();
      return core.loadProvider('openai').then(() => console.log(JSON.stringify({ atStart, anthropic, all: seen().length })));
    });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    atStart: string[];
    anthropic: string[];
    all: number;
  };
  assert.deepEqual(out.atStart, []);
  assert.deepEqual(out.anthropic, ['providers/anthropic.ts'], 'the Anthropic provider does not load openai');
  assert.ok(out.all > 2, 'the OpenAI provider brings the openai client');
});
