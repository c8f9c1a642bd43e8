// Presets and listing an endpoint's models over GET /v1/models (against the local server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, getPreset, listModels, presetForUrl } from '../../../src/core/models/presets';
import { MODEL_PRESETS } from '../../../src/core/config';
import { startTestServer } from '../../server/server';

test('every preset the config knows exists, with a base URL (or Azure notes) and a key variable when needed', () => {
  for (const id of MODEL_PRESETS) {
    const p = getPreset(id);
    assert.ok(p, id);
    assert.ok(p.baseUrl || id === 'azure');
    if (p.needsKey) assert.ok(p.apiKeyEnv);
    assert.ok(p.notes.length > 10);
  }
  assert.equal(PRESETS.ollama.baseUrl, 'http://localhost:11434/v1');
  assert.equal(PRESETS.vllm.baseUrl, 'http://localhost:8000/v1');
  assert.equal(PRESETS.lmstudio.baseUrl, 'http://localhost:1234/v1');
  assert.equal(PRESETS.llamacpp.baseUrl, 'http://localhost:8080/v1');
  assert.equal(PRESETS.azure.keyHeader, 'api-key');
  assert.equal(getPreset('nonsense'), undefined);
  assert.equal(getPreset('toString'), undefined);
});

test('presetForUrl recognises local servers and Azure resources', () => {
  assert.equal(presetForUrl('http://127.0.0.1:11434/v1')?.id, 'ollama');
  assert.equal(presetForUrl('http://localhost:1234/v1')?.id, 'lmstudio');
  assert.equal(presetForUrl('https://myres.openai.azure.com/openai/v1')?.id, 'azure');
  assert.equal(presetForUrl('https://api.openai.com/v1')?.id, 'openai');
  assert.equal(presetForUrl('http://localhost:9999/v1'), undefined);
  assert.equal(presetForUrl('::'), undefined);
});

test('listModels lists the endpoint models, sends the key, and says clearly what went wrong', async () => {
  const server = await startTestServer({ apiKey: 'sk-list-123456789', models: ['zeta', 'alpha'] });
  try {
    assert.deepEqual(await listModels(server.url, 'sk-list-123456789'), ['alpha', 'zeta']);
    assert.equal(server.stats().log[0]!.headers.authorization, 'Bearer sk-list-123456789');
    await assert.rejects(listModels(server.url, 'sk-bad-key-0000000'), (e: Error) => {
      assert.match(e.message, /HTTP 401/);
      assert.ok(!e.message.includes('sk-bad-key-0000000'));
      return true;
    });
  } finally {
    await server.close();
  }
  await assert.rejects(listModels(server.url), /cannot list models at .*: /);
});
