// The response cache: content addressing (each ingredient changes the key), hits and misses, persistence,
// torn lines, two processes' segments, and that only answers go in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs, { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import {
  ResponseCache,
  cacheKey,
  sharedResponseCache,
  type CacheKeyParts,
} from '../../../src/core/models/cache';

const base: CacheKeyParts = {
  endpoint: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You predict ratings.' },
    { role: 'user', content: 'Rate Heat (1995).' },
  ],
  params: { temperature: 0, response_format: { type: 'json_object' } },
  sample: 0,
};

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'ubp-cache-test-'));
}

test('the key is a sha256 and changes with every ingredient, not with key order', () => {
  const k = cacheKey(base);
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(
    cacheKey({ ...base, params: { response_format: { type: 'json_object' }, temperature: 0 } }),
    k,
  );
  const variants: CacheKeyParts[] = [
    { ...base, endpoint: 'http://localhost:11434/v1' },
    { ...base, model: 'gpt-4o' },
    { ...base, messages: [base.messages[0]!, { role: 'user', content: 'Rate Heat (1995)!' }] },
    { ...base, messages: [{ role: 'user', content: 'You predict ratings.' }, base.messages[1]!] },
    { ...base, params: { ...base.params, temperature: 0.7 } },
    { ...base, params: { ...base.params, seed: 1 } },
    { ...base, params: { ...base.params, response_format: { type: 'text' } } },
    { ...base, sample: 1 },
  ];
  const keys = new Set([k, ...variants.map(cacheKey)]);
  assert.equal(keys.size, variants.length + 1);
  // A boundary between messages cannot be faked by moving text across it.
  const a = cacheKey({
    ...base,
    messages: [
      { role: 'user', content: 'ab' },
      { role: 'user', content: 'c' },
    ],
  });
  const b = cacheKey({
    ...base,
    messages: [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'bc' },
    ],
  });
  assert.notEqual(a, b);
});

test('get misses then hits; entries survive a reopen; counters count', async () => {
  const dir = tmp();
  try {
    const cache = ResponseCache.open(dir);
    const k = cacheKey(base);
    assert.equal(cache.get(k), undefined);
    cache.put(k, { raw: '{"rating": 4}', usage: { prompt: 30, completion: 5 } });
    assert.deepEqual(cache.get(k), { raw: '{"rating": 4}', usage: { prompt: 30, completion: 5 } });
    assert.equal(cache.hits, 1);
    assert.equal(cache.misses, 1);
    await cache.close();
    assert.throws(() => cache.put(k, { raw: 'x' }), /closed/);
    const again = ResponseCache.open(dir);
    assert.equal(again.size, 1);
    assert.deepEqual(again.get(k), { raw: '{"rating": 4}', usage: { prompt: 30, completion: 5 } });
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last line (crash mid-write) is skipped, the rest is kept', async () => {
  const dir = tmp();
  try {
    const cache = ResponseCache.open(dir);
    for (let i = 0; i < 3; i++) cache.put(`k${i}`, { raw: `answer ${i}` });
    await cache.close();
    const seg = readdirSync(path.join(dir, 'v1'))[0]!;
    appendFileSync(path.join(dir, 'v1', seg), '{"k":"k9","raw":"half an ans');
    const again = ResponseCache.open(dir);
    assert.equal(again.size, 3);
    assert.equal(again.skippedLines, 1);
    assert.equal(again.get('k9'), undefined);
    assert.equal(again.get('k2')?.raw, 'answer 2');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two writers get a segment each and a reopen sees both', async () => {
  const dir = tmp();
  try {
    const a = ResponseCache.open(dir);
    const b = ResponseCache.open(dir);
    a.put('from-a', { raw: 'A' });
    b.put('from-b', { raw: 'B' });
    await Promise.all([a.close(), b.close()]);
    assert.equal(readdirSync(path.join(dir, 'v1')).length, 2);
    const c = ResponseCache.open(dir);
    assert.equal(c.get('from-a')?.raw, 'A');
    assert.equal(c.get('from-b')?.raw, 'B');
    await c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('many puts are batched into few writes, whole lines, and flush() puts them on disk', async () => {
  const dir = tmp();
  try {
    const cache = ResponseCache.open(dir);
    for (let i = 0; i < 5000; i++)
      cache.put(`key-${i}`, { raw: `{"rating": ${i % 5}}`, usage: { prompt: 200, completion: 6 } });
    await cache.flush();
    const seg = readdirSync(path.join(dir, 'v1'))[0]!;
    const lines = readFileSync(path.join(dir, 'v1', seg), 'utf8')
      .trimEnd()
      .split('\n');
    assert.equal(lines.length, 5000);
    assert.equal((JSON.parse(lines[4999]!) as { k: string }).k, 'key-4999');
    await cache.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flush() waits for a write another flush started with the rest of the queue', async () => {
  const dir = tmp();
  // Writes complete only when the test lets them: a write must never be in flight when flush() resolves.
  const held: (() => void)[] = [];
  const write = fs.write;
  (fs as unknown as { write: unknown }).write = (...args: unknown[]) => {
    const cb = args.pop() as (...r: unknown[]) => void;
    (write as (...a: unknown[]) => void)(...args, (...r: unknown[]) => held.push(() => cb(...r)));
  };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  try {
    const cache = ResponseCache.open(dir);
    // Over 64 KB: a flush starts on its own, and a second is queued behind it.
    for (let i = 0; i < 3000; i++) cache.put(`key-${i}`, { raw: `{"rating": ${i % 5}}` });
    let resolved = false;
    const flushed = cache.flush().then(() => void (resolved = true));
    while (held.length === 0) await turn(); // the first write reached the disk, held
    held.shift()!();
    await turn();
    await turn();
    // The first write's end started the next one (the rest of the queue): flush() must still be waiting.
    assert.equal(resolved, false, 'flush() resolved with a write in flight');
    while (!resolved) {
      if (held.length) held.shift()!();
      await turn();
    }
    await flushed;
    const seg = readdirSync(path.join(dir, 'v1'))[0]!;
    assert.equal(
      readFileSync(path.join(dir, 'v1', seg), 'utf8')
        .trimEnd()
        .split('\n').length,
      3000,
    );
    const closing = cache.close();
    while (held.length) held.shift()!();
    await closing;
  } finally {
    (fs as unknown as { write: unknown }).write = write;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only answers go in: a put without raw text is refused', async () => {
  const dir = tmp();
  try {
    const cache = ResponseCache.open(dir);
    assert.throws(() => cache.put('k', { raw: undefined as unknown as string }), TypeError);
    assert.equal(cache.size, 0);
    await cache.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sharedResponseCache opens one cache per folder; clear() empties it', async () => {
  const dir = tmp();
  try {
    const a = sharedResponseCache(dir);
    assert.equal(sharedResponseCache(path.join(dir, '.')), a);
    a.put('k', { raw: 'v' });
    await a.clear();
    assert.equal(a.size, 0);
    await a.close();
    assert.notEqual(sharedResponseCache(dir), a);
    await sharedResponseCache(dir).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
