// From a config's model entry to predictors through the provider registry: presets, prices, params layering,
// reasoning models' sampling parameters, the shared cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { llmFactory } from '../../../src/core/models/providers';
import { PredictorError } from '../../../src/core/models/retry';
import { DEFAULT_PRICES } from '../../../src/core/models/pricing';
import { startTestServer } from '../../server/server';
import type { EvalConfig, ModelConfig } from '../../../src/core/config';
import type { TestCase } from '../../../src/core/types';
import type { OpenAIPredictor } from '../../../src/core/models/openai';

const createOpenAIBinding = llmFactory();

const config = (cache: boolean) =>
  ({ run: { cache, timeoutMs: 5000, maxRetries: 1 } }) as unknown as EvalConfig;
const tc = { id: 'c1', form: 'rating', expected: { form: 'rating', value: 4 } } as unknown as TestCase;
const req = (content: string) => ({
  testCase: tc,
  messages: [{ role: 'user' as const, content }],
  sample: 0,
  signal: new AbortController().signal,
});

test('a local preset has an unknown price (0 only when set) and points at its port; the origin is the pool', async () => {
  const local = (model: Partial<ModelConfig>) =>
    createOpenAIBinding({
      model: { id: 'llama', preset: 'ollama', model: 'llama3.1:8b', ...model } as ModelConfig,
      config: config(false),
      cacheDir: os.tmpdir(),
      apiKey: undefined,
    });
  const b = await local({});
  assert.equal(b.origin, 'http://localhost:11434');
  assert.equal(b.cost, undefined, 'unknown, not $0');
  // A local server serving a hosted model's name does not borrow the hosted price.
  assert.equal((await local({ model: 'gpt-4o-mini' })).cost, undefined);
  const free = await local({ price: { inputPerMTok: 0, outputPerMTok: 0 } });
  assert.equal(free.cost?.({ prompt: 1000, completion: 1000 }), 0);
  const p = b.forTemplate({}) as OpenAIPredictor;
  assert.equal(p.id, 'llama');
  assert.equal(p.model, 'llama3.1:8b');
});

test('prices: the table by model name, the entry overriding it, none for an unknown hosted model', async () => {
  const args = (model: Partial<ModelConfig>) => ({
    model: { id: 'm', baseUrl: 'https://openrouter.ai/api/v1', model: 'x', ...model } as ModelConfig,
    config: config(false),
    cacheDir: os.tmpdir(),
    apiKey: 'sk-or-0123456789',
  });
  const table = await createOpenAIBinding(args({ model: 'openai/gpt-4o-mini' }));
  const p = DEFAULT_PRICES['gpt-4o-mini']!;
  assert.equal(table.cost?.({ prompt: 1e6, completion: 1e6 }), p.inputPerMTok + p.outputPerMTok);
  const own = await createOpenAIBinding(
    args({ model: 'openai/gpt-4o-mini', price: { inputPerMTok: 1, outputPerMTok: 1 } }),
  );
  assert.equal(own.cost?.({ prompt: 1e6, completion: 1e6 }), 2);
  assert.equal((await createOpenAIBinding(args({ model: 'someone/mystery-7b' }))).cost, undefined);
});

test('Azure without a baseUrl is a config error naming the model; with one the key goes in api-key', async () => {
  await assert.rejects(
    createOpenAIBinding({
      model: { id: 'az', preset: 'azure', model: 'gpt-4o' } as ModelConfig,
      config: config(false),
      cacheDir: os.tmpdir(),
      apiKey: 'k',
    }),
    (e: unknown) =>
      e instanceof PredictorError && e.kind === 'config' && /model "az".*baseUrl/.test(e.reason),
  );
  const server = await startTestServer();
  try {
    const b = await createOpenAIBinding({
      model: {
        id: 'az',
        preset: 'azure',
        baseUrl: server.url,
        model: 'dep',
        query: { 'api-version': '2024-10-21' },
      } as ModelConfig,
      config: config(false),
      cacheDir: os.tmpdir(),
      apiKey: 'azure-key-0123456789',
    });
    await b.forTemplate({}).predict(req('hi'));
    const rec = server.stats().log[0]!;
    assert.equal(rec.headers['api-key'], 'azure-key-0123456789');
    assert.equal(rec.headers.authorization, undefined);
    assert.match(rec.path, /api-version=2024-10-21/);
  } finally {
    await server.close();
  }
});

test("a template's params are defaults under the model's; run.cache decides the cache", async () => {
  const server = await startTestServer();
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ubp-binding-'));
  try {
    const model = {
      id: 'local',
      baseUrl: server.url,
      model: 'test-model',
      params: { temperature: 0 },
    } as ModelConfig;
    const cached = await createOpenAIBinding({ model, config: config(true), cacheDir, apiKey: undefined });
    const p = cached.forTemplate({ temperature: 0.9, max_tokens: 12 });
    await p.predict(req('one'));
    const body = server.stats().log[0]!.body!;
    assert.equal(body.temperature, 0);
    assert.equal(body.max_tokens, 12);
    assert.equal((await p.predict(req('one'))).cached, true);
    assert.equal(server.stats().chatRequests, 1);
    const uncached = await createOpenAIBinding({ model, config: config(false), cacheDir, apiKey: undefined });
    assert.equal(
      (await uncached.forTemplate({ temperature: 0.9, max_tokens: 12 }).predict(req('one'))).cached,
      undefined,
    );
    assert.equal(server.stats().chatRequests, 2);
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
