// The engine's shared helpers that replaced same-named copies (issue 11): one canonical JSON for every hash,
// one "did you mean" for config fields and template names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, canonicalJson, closestName, configHash, editDistance } from '../../../src/core';

test('canonicalJson: keys sorted at every level whatever the build order, undefined as JSON drops it', () => {
  const a = canonicalJson({ b: 1, a: { d: [1, undefined, 'x'], c: null }, z: undefined });
  const b = canonicalJson({ a: { c: null, d: [1, undefined, 'x'] }, b: 1 });
  assert.equal(a, '{"a":{"c":null,"d":[1,null,"x"]},"b":1}');
  assert.equal(a, b);
  // Integer-like keys sort as text too (a plain object would put "2" before "10").
  assert.equal(canonicalJson({ '2': 'x', '10': 'y' }), '{"10":"y","2":"x"}');
  assert.equal(canonicalJson(undefined), 'null');
  assert.equal(canonicalJson(new Date(0)), '"1970-01-01T00:00:00.000Z"');
});

test('the answer cache and the config hash both hash the canonical form (order-insensitive)', () => {
  const parts = (params: Record<string, unknown>) => ({
    endpoint: 'http://127.0.0.1:1/v1',
    model: 'm',
    messages: [{ role: 'user' as const, content: 'hi' }],
    params,
    sample: 0,
  });
  assert.equal(
    cacheKey(parts({ temperature: 0, max_tokens: 5 })),
    cacheKey(parts({ max_tokens: 5, temperature: 0 })),
  );
  assert.notEqual(cacheKey(parts({ temperature: 0 })), cacheKey(parts({ temperature: 1 })));
  const c1 = { name: 'x', seed: 1 } as unknown as Parameters<typeof configHash>[0];
  const c2 = { seed: 1, name: 'x' } as unknown as Parameters<typeof configHash>[0];
  assert.equal(configHash(c1), configHash(c2));
});

test('editDistance and closestName: case-insensitive hint within the limit, first name wins a tie', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(closestName('Histroy', ['target', 'history']), 'history');
  assert.equal(closestName('xyz', ['history']), undefined);
  assert.equal(closestName('cat', ['bat', 'hat']), 'bat');
  assert.equal(closestName('modles', ['models'], 1), undefined); // a swap is two edits
  assert.equal(closestName('modles', ['models'], 2), 'models');
});
