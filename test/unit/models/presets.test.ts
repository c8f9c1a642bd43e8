// Presets, and listing an endpoint's models through its provider (against the local server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, getPreset, presetForUrl } from '../../../src/core/models/presets';
import { listModelsOf, testConnectionOf } from '../../../src/core/models/providers';
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
  assert.equal(presetForUrl('https://api.anthropic.com')?.id, 'anthropic');
  assert.equal(presetForUrl('http://localhost:9999/v1'), undefined);
  assert.equal(presetForUrl('::'), undefined);
});

test('listing models goes through the provider: the key sent as a bearer token, errors clear and key-free', async () => {
  const server = await startTestServer({ apiKey: 'sk-list-123456789', models: ['zeta', 'alpha'] });
  const entry = { id: 'm', baseUrl: server.url };
  try {
    assert.deepEqual(await listModelsOf(entry, 'sk-list-123456789'), ['alpha', 'zeta']);
    assert.equal(server.stats().log[0]!.headers.authorization, 'Bearer sk-list-123456789');
    await assert.rejects(listModelsOf(entry, 'sk-bad-key-0000000'), (e: Error) => {
      assert.match(e.message, /HTTP 401/);
      assert.ok(!e.message.includes('sk-bad-key-0000000'));
      return true;
    });
  } finally {
    await server.close();
  }
  await assert.rejects(listModelsOf(entry, undefined), /cannot list models at .*: /);
});

test('Test Connection on Azure sends the key in api-key with the api-version query, never as a bearer token', async () => {
  const server = await startTestServer({ apiKey: 'azure-key-0123456789', models: ['dep'] });
  try {
    const check = await testConnectionOf(
      { id: 'az', preset: 'azure', baseUrl: server.url, query: { 'api-version': '2024-10-21' } },
      'azure-key-0123456789',
    );
    assert.equal(check.ok, true, check.error);
    assert.deepEqual(check.models, ['dep']);
    assert.equal(check.keyHeader, 'api-key');
    const rec = server.stats().log[0]!;
    assert.equal(rec.headers['api-key'], 'azure-key-0123456789');
    assert.equal(rec.headers.authorization, undefined);
    assert.match(rec.path, /^\/v1\/models\?api-version=2024-10-21$/);
    // A deployment URL lists the resource's models, with the same query.
    const deployment = `${server.root}/openai/deployments/dep`;
    await testConnectionOf(
      { id: 'az', preset: 'azure', baseUrl: deployment, query: { 'api-version': 'v' } },
      'azure-key-0123456789',
    );
    assert.match(server.stats().log[1]!.path, /^\/openai\/models\?api-version=v$/);
  } finally {
    await server.close();
  }
});

test('Test Connection on Anthropic sends x-api-key and anthropic-version to /v1/models, and reports failures', async () => {
  const server = await startTestServer({
    apiKey: 'sk-ant-test-0123456789',
    models: ['claude-b', 'claude-a'],
  });
  try {
    const entry = { id: 'c', provider: 'anthropic' as const, baseUrl: server.root };
    const check = await testConnectionOf(entry, 'sk-ant-test-0123456789');
    assert.equal(check.ok, true, check.error);
    assert.equal(check.provider, 'anthropic');
    assert.deepEqual(check.models, ['claude-a', 'claude-b']);
    const rec = server.stats().log[0]!;
    assert.equal(rec.headers['x-api-key'], 'sk-ant-test-0123456789');
    assert.equal(rec.headers['anthropic-version'], '2023-06-01');
    assert.equal(rec.headers.authorization, undefined);
    const bad = await testConnectionOf(entry, 'sk-ant-wrong-000000000');
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /HTTP 401 invalid x-api-key/);
    assert.ok(!bad.error!.includes('sk-ant-wrong-000000000'));
  } finally {
    await server.close();
  }
});
