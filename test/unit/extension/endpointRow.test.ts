// The Models view's endpoint rows: key state, "no key needed" for local servers, the last Test Connection result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionResults, endpointRow } from '../../../src/extension/views/endpointRow';
import { endpointOf } from '../../../src/core';

const base = { providerLabel: 'OpenAI-compatible', keyNeeded: true, hasStoredKey: false };

test('a service without a key says "no key" with a neutral icon, never the slashed circle', () => {
  const row = endpointRow(base);
  assert.equal(row.description, 'no key · OpenAI-compatible');
  assert.notEqual(row.icon, 'circle-slash');
  assert.equal(row.tooltip, '');
});

test('a stored key wins over an environment variable, which wins over none', () => {
  assert.match(
    endpointRow({ ...base, hasStoredKey: true, envKey: 'OPENAI_API_KEY' }).description,
    /^key set/,
  );
  assert.match(endpointRow({ ...base, envKey: 'OPENAI_API_KEY' }).description, /^key from \$OPENAI_API_KEY/);
});

test('local servers (by their preset) need no key', () => {
  const ollama = endpointOf({ id: 'o', preset: 'ollama' });
  const openai = endpointOf({ id: 'g', preset: 'openai' });
  assert.equal(ollama.preset?.needsKey, false);
  assert.equal(openai.preset?.needsKey, true);
  const row = endpointRow({ ...base, keyNeeded: ollama.preset?.needsKey ?? true });
  assert.equal(row.description, 'no key needed · OpenAI-compatible');
  assert.notEqual(row.icon, endpointRow(base).icon);
});

test('the last test comes first: reachable with its model count, or the error, shortened', () => {
  const ok = endpointRow({ ...base, lastTest: { ok: true, models: 3, at: 0 } });
  assert.equal(ok.description, 'reachable, 3 models · no key · OpenAI-compatible');
  assert.match(ok.tooltip, /reachable, 3 models/);
  assert.match(
    endpointRow({ ...base, lastTest: { ok: true, models: 1, at: 0 } }).description,
    /^reachable, 1 model ·/,
  );

  const long = `HTTP 401: ${'invalid key '.repeat(20)}`;
  const bad = endpointRow({ ...base, lastTest: { ok: false, error: long, at: 0 } });
  const shown = bad.description.split(' · ')[0]!;
  assert.ok(shown.startsWith('HTTP 401: invalid key') && shown.endsWith('…') && shown.length <= 60, shown);
  assert.equal(bad.icon, 'warning');
  assert.ok(bad.tooltip.includes(long.trim()), 'the tooltip keeps the whole error');
});

test('results are kept per provider and origin, and each one notifies the view', () => {
  const store = new ConnectionResults();
  let changes = 0;
  const stop = store.onDidChange(() => changes++);
  store.set('openai', 'http://127.0.0.1:9', { ok: false, error: 'refused', at: 1 });
  store.set('anthropic', 'http://127.0.0.1:9', { ok: true, models: 2, at: 2 });
  assert.equal(store.get('openai', 'http://127.0.0.1:9')?.error, 'refused');
  assert.equal(store.get('anthropic', 'http://127.0.0.1:9')?.models, 2);
  assert.equal(store.get('openai', 'http://127.0.0.1:8'), undefined);
  assert.equal(changes, 2);
  stop();
  store.set('openai', 'http://127.0.0.1:9', { ok: true, models: 0, at: 3 });
  assert.equal(changes, 2);
  assert.equal(store.get('openai', 'http://127.0.0.1:9')?.ok, true);
});
