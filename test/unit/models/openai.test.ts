// The OpenAI-compatible predictor against the local test server over real HTTP: answers, parameters, every
// fault kind, retries honouring Retry-After, timeouts, cancellation, key-origin binding and the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createOpenAIPredictor, originOf, type OpenAIPredictorSpec } from '../../../src/core/models/openai';
import { ResponseCache } from '../../../src/core/models/cache';
import { PredictorError } from '../../../src/core/models/retry';
import {
  defaultAnswer,
  promptHash,
  startTestServer,
  type FaultSpec,
  type TestServer,
} from '../../server/server';
import type { ChatMessage, TestCase } from '../../../src/core/types';

const KEY = 'sk-test-0123456789abcdef';

function testCase(form: TestCase['form'] = 'rating', labels: string[] = []): TestCase {
  return {
    id: `case-${form}`,
    form,
    user: 'u1',
    historyLength: 5,
    history: [],
    target: { item: 'i1', title: 'Heat (1995)', genres: ['Action'] },
    candidates: labels.length
      ? labels.map((label, i) => ({ label, item: `i${i}`, title: `T${i}`, genres: [] }))
      : undefined,
    expected: form === 'choice' ? { form, label: 'A' } : { form: 'rating', value: 4 },
    targetPopularity: 3,
  } as TestCase;
}

const msgs = (content: string): ChatMessage[] => [
  { role: 'system', content: 'You predict ratings.' },
  { role: 'user', content },
];

async function withServer(
  faults: FaultSpec | undefined,
  fn: (server: TestServer, spec: OpenAIPredictorSpec) => Promise<void>,
  extra: Parameters<typeof startTestServer>[0] = {},
): Promise<void> {
  const server = await startTestServer({ apiKey: KEY, faults, ...extra });
  try {
    await fn(server, {
      id: 'test',
      baseUrl: server.url,
      model: 'test-model',
      apiKey: KEY,
      timeoutMs: 5000,
      maxRetries: 4,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
  } finally {
    await server.close();
  }
}

const req = (content: string, signal = new AbortController().signal, sample = 0, tc = testCase()) => ({
  testCase: tc,
  messages: msgs(content),
  sample,
  signal,
});

test('answers with the raw text, usage and one attempt; the key is sent as a bearer token', async () => {
  await withServer(undefined, async (server, spec) => {
    const p = createOpenAIPredictor(spec);
    const r = await p.predict(req('How would user 1 rate Heat?'));
    assert.equal(r.raw, defaultAnswer(msgs('How would user 1 rate Heat?')));
    assert.equal(r.attempts, 1);
    assert.ok(r.usage && r.usage.prompt > 0 && r.usage.completion > 0);
    assert.equal(r.usage.reasoning, undefined);
    assert.ok(r.latencyMs > 0);
    const rec = server.stats().log[0]!;
    assert.equal(rec.headers.authorization, `Bearer ${KEY}`);
    assert.equal(rec.headers['x-stainless-retry-count'], '0');
    assert.equal(p.origin, originOf(server.url));
  });
});

test('sends the parameters: seed per sample, stop, json_schema with the labels, reasoning-model tokens', async () => {
  await withServer(
    undefined,
    async (server, spec) => {
      const p = createOpenAIPredictor({
        ...spec,
        model: 'o4-mini',
        params: {
          temperature: 0.3,
          top_p: 0.9,
          max_tokens: 50,
          seed: 10,
          stop: ['\n\n'],
          reasoning_effort: 'low',
          response_format: 'json_schema',
        },
      });
      await p.predict(req('Pick one', undefined, 2, testCase('choice', ['A', 'B', 'C'])));
      const body = server.stats().log[0]!.body!;
      assert.equal(body.model, 'o4-mini');
      assert.equal(body.temperature, 0.3);
      assert.equal(body.top_p, 0.9);
      assert.equal(body.max_completion_tokens, 50);
      assert.equal(body.max_tokens, undefined);
      assert.equal(body.seed, 12);
      assert.deepEqual(body.stop, ['\n\n']);
      assert.equal(body.reasoning_effort, 'low');
      const rf = body.response_format as {
        type: string;
        json_schema: { strict: boolean; schema: { properties: { choice: { enum: string[] } } } };
      };
      assert.equal(rf.type, 'json_schema');
      assert.equal(rf.json_schema.strict, true);
      assert.deepEqual(rf.json_schema.schema.properties.choice.enum, ['A', 'B', 'C']);

      const plain = createOpenAIPredictor({
        ...spec,
        params: { max_tokens: 50, response_format: 'json_schema' },
        supportsJsonSchema: false,
      });
      await plain.predict(req('x'));
      const b2 = server.stats().log[1]!.body!;
      assert.equal(b2.max_tokens, 50);
      assert.deepEqual(b2.response_format, { type: 'json_object' });
      const none = createOpenAIPredictor({
        ...spec,
        params: { response_format: 'json_object' },
        supportsJsonObject: false,
      });
      await none.predict(req('y'));
      assert.equal(server.stats().log[2]!.body!.response_format, undefined);
    },
    // A server that accepts any sampling value: this test is about what is sent.
    { refusesSampling: () => false },
  );
});

test('extra headers, query (Azure api-version) and the api-key header instead of Authorization', async () => {
  const server = await startTestServer();
  try {
    const p = createOpenAIPredictor({
      id: 'az',
      baseUrl: server.url,
      model: 'deploy-1',
      apiKey: KEY,
      keyHeader: 'api-key',
      headers: { 'x-team': 'recsys' },
      query: { 'api-version': '2024-10-21' },
    });
    await p.predict(req('hello'));
    const rec = server.stats().log[0]!;
    assert.equal(rec.headers['api-key'], KEY);
    assert.equal(rec.headers.authorization, undefined);
    assert.equal(rec.headers['x-team'], 'recsys');
    assert.match(rec.path, /\?api-version=2024-10-21$/);
  } finally {
    await server.close();
  }
});

test('without a key no Authorization header is sent, not even OPENAI_API_KEY from the environment', async () => {
  const server = await startTestServer();
  const saved = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = 'sk-env-should-never-be-sent';
  try {
    const p = createOpenAIPredictor({ id: 'local', baseUrl: server.url, model: 'llama' });
    await p.predict(req('hello'));
    assert.equal(server.stats().log[0]!.headers.authorization, undefined);
  } finally {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
    await server.close();
  }
});

test('reasoning tokens from completion_tokens_details are reported', async () => {
  await withServer(
    undefined,
    async (_server, spec) => {
      const r = await createOpenAIPredictor({ ...spec, model: 'test-reasoner' }).predict(req('think'));
      assert.equal(r.usage?.reasoning, 128);
      assert.ok(r.usage!.completion >= 128);
    },
    { reasoningTokens: 128 },
  );
});

test('429 with Retry-After, 500s, a dropped connection and a malformed body are retried to success', async () => {
  const faults: FaultSpec = {
    retryAfterMs: 60,
    script: [{ match: 'flaky', faults: ['429', '500', 'drop', 'malformed', '503'] }],
  };
  await withServer(faults, async (server, spec) => {
    const p = createOpenAIPredictor({ ...spec, maxRetries: 6 });
    const r = await p.predict(req('a flaky prompt'));
    assert.equal(r.attempts, 6);
    assert.deepEqual(
      r.attemptLog!.slice(0, 5).map((a) => a.failure?.kind),
      ['http', 'http', 'network', 'bad-response', 'http'],
    );
    assert.match(r.attemptLog![2]!.failure!.reason, /network error/);
    assert.match(r.attemptLog![3]!.failure!.reason, /malformed JSON/);
    const s = server.stats();
    assert.equal(s.byPrompt.get(promptHash(msgs('a flaky prompt'))), 6);
    assert.equal(s.retryWaits.length, 1);
    // Measured by the server: from the 429's response to the retry's arrival.
    assert.ok(s.retryWaits[0]!.waitedMs >= 60, `waited ${s.retryWaits[0]!.waitedMs} ms`);
    // Each retry carries the stainless retry count 0: the client's own retries are off.
    assert.ok(s.log.every((l) => l.headers['x-stainless-retry-count'] === '0'));
  });
});

test('Retry-After in seconds is honoured (server-measured wait >= 1 s)', async () => {
  await withServer(
    { retryAfterSec: 1, script: [{ match: 'slowpoke', faults: ['429'] }] },
    async (server, spec) => {
      const r = await createOpenAIPredictor(spec).predict(req('slowpoke'));
      assert.equal(r.attempts, 2);
      const w = server.stats().retryWaits[0]!;
      assert.equal(w.retryAfterMs, 1000);
      assert.ok(w.waitedMs >= 1000, `waited ${w.waitedMs}`);
    },
  );
});

test('gives up after maxRetries with a typed error naming the last failure', async () => {
  await withServer(
    { script: [{ match: 'doomed', faults: ['500', '502', '503', '500'] }] },
    async (server, spec) => {
      const p = createOpenAIPredictor({ ...spec, maxRetries: 2 });
      await assert.rejects(p.predict(req('doomed')), (e: unknown) => {
        assert.ok(e instanceof PredictorError);
        assert.equal(e.kind, 'http');
        assert.equal(e.status, 503);
        assert.equal(e.attempts, 3);
        assert.match(e.reason, /^HTTP 503: Injected 503/);
        return true;
      });
      assert.equal(server.stats().chatRequests, 3);
    },
  );
});

test('a hanging answer times out per attempt and is retried', async () => {
  await withServer({ script: [{ match: 'hangs', faults: ['hang'] }] }, async (server, spec) => {
    const p = createOpenAIPredictor({ ...spec, timeoutMs: 150 });
    const r = await p.predict(req('hangs once'));
    assert.equal(r.attempts, 2);
    assert.equal(r.attemptLog![0]!.failure?.kind, 'timeout');
    assert.ok(r.attemptLog![0]!.durationMs >= 149);
    assert.equal(server.stats().log[0]!.aborted, true);
  });
});

test('non-JSON model text is returned as the raw answer (the runner marks it invalid)', async () => {
  await withServer({ script: [{ match: 'prose', faults: ['nonjson'] }] }, async (_server, spec) => {
    const r = await createOpenAIPredictor(spec).predict(req('prose please'));
    assert.equal(r.attempts, 1);
    assert.throws(() => JSON.parse(r.raw));
  });
});

test('a wrong key fails at once (401 is not retried) and the reason never contains the key', async () => {
  await withServer(undefined, async (server, spec) => {
    const wrong = 'sk-wrong-key-9876543210';
    await assert.rejects(
      createOpenAIPredictor({ ...spec, apiKey: wrong }).predict(req('x')),
      (e: unknown) => {
        assert.ok(e instanceof PredictorError);
        assert.equal(e.status, 401);
        assert.ok(!e.reason.includes(wrong) && !e.message.includes(wrong));
        return true;
      },
    );
    assert.equal(server.stats().chatRequests + server.stats().requests, 1);
  });
});

test('cancel aborts the request in flight: the server sees its connection close within a second', async () => {
  await withServer({ script: [{ match: 'forever', faults: ['hang'] }] }, async (server, spec) => {
    const p = createOpenAIPredictor({ ...spec, timeoutMs: 60_000 });
    const ac = new AbortController();
    const pending = p.predict(req('forever', ac.signal));
    while (server.stats().chatRequests === 0) await new Promise((r) => setTimeout(r, 2));
    const cancelAt = performance.timeOrigin + performance.now();
    ac.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof PredictorError && e.kind === 'aborted');
    const settledAt = performance.timeOrigin + performance.now();
    assert.ok(settledAt - cancelAt < 200, `predict settled ${settledAt - cancelAt} ms after cancel`);
    let s = server.stats();
    const conn = () => s.connections.find((c) => c.id === s.log[0]!.connection)!;
    for (let i = 0; i < 100 && conn().closedAt === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      s = server.stats();
    }
    assert.ok(conn().closedAt !== undefined && conn().closedAt! - cancelAt < 1000);
    assert.equal(s.log[0]!.aborted, true);
    // Nothing is sent after a cancel.
    await assert.rejects(p.predict(req('forever', ac.signal)), { kind: 'aborted' });
    assert.equal(server.stats().chatRequests, 1);
  });
});

test('a key is bound to its origin: a different origin is refused before anything is sent', async () => {
  await withServer(undefined, async (server, spec) => {
    assert.throws(
      () => createOpenAIPredictor({ ...spec, keyOrigin: 'https://api.openai.com' }),
      (e: unknown) => e instanceof PredictorError && e.kind === 'origin' && !e.message.includes(KEY),
    );
    assert.equal(server.stats().requests, 0);
    // Same origin spelled differently is fine.
    const ok = createOpenAIPredictor({ ...spec, keyOrigin: server.url.replace('/v1', '/') });
    await ok.predict(req('x'));
    assert.equal(server.stats().requests, 1);
  });
});

test('a redirect to another origin is not followed: the other server never sees the key', async () => {
  const other = await startTestServer();
  const redirector = http.createServer((_req, res) => {
    res.writeHead(307, { location: `${other.url}/chat/completions` });
    res.end();
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (redirector.address() as AddressInfo).port;
    const p = createOpenAIPredictor({
      id: 'r',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      apiKey: KEY,
      maxRetries: 3,
    });
    await assert.rejects(p.predict(req('x')), (e: unknown) => {
      assert.ok(e instanceof PredictorError);
      assert.equal(e.kind, 'config');
      assert.match(e.reason, /redirect/);
      assert.equal(e.attempts, 1);
      return true;
    });
    assert.equal(other.stats().requests, 0);
  } finally {
    redirector.closeAllConnections();
    await new Promise((r) => redirector.close(r));
    await other.close();
  }
});

test('originOf normalises and rejects what is not an http(s) URL', () => {
  assert.equal(originOf('HTTPS://API.OpenAI.com:443/v1/'), 'https://api.openai.com');
  assert.equal(originOf('http://localhost:11434/v1'), 'http://localhost:11434');
  assert.throws(() => originOf('not a url'), { kind: 'config' });
  assert.throws(() => originOf('file:///etc/passwd'), { kind: 'config' });
});

test('with a cache: the second identical request is served from it, errors are never cached', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-cache-'));
  try {
    await withServer(
      { script: [{ match: 'broken', faults: ['500', '500', '500', '500', '500', '500'] }] },
      async (server, spec) => {
        const cache = ResponseCache.open(dir);
        const p = createOpenAIPredictor({ ...spec, maxRetries: 1 }, { cache });
        const a = await p.predict(req('cache me'));
        const b = await p.predict(req('cache me'));
        assert.equal(a.cached, undefined);
        assert.equal(b.cached, true);
        assert.equal(b.raw, a.raw);
        assert.deepEqual(b.usage, a.usage);
        assert.equal(b.attempts, 0);
        // Another sample is another entry.
        const c = await p.predict(req('cache me', undefined, 1));
        assert.equal(c.cached, undefined);
        assert.equal(server.stats().chatRequests, 2);
        await assert.rejects(p.predict(req('broken')));
        await assert.rejects(p.predict(req('broken')));
        assert.equal(server.stats().byPrompt.get(promptHash(msgs('broken'))), 4);
        assert.equal(cache.size, 2);
        await cache.close();
        // Reopened from disk, a fresh predictor makes no request.
        const again = createOpenAIPredictor(spec, { cache: ResponseCache.open(dir) });
        assert.equal((await again.predict(req('cache me'))).cached, true);
        assert.equal(server.stats().chatRequests, 6);
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the client's standard fetch works as a transport too (faults retried, cancel aborts)", async () => {
  const faults: FaultSpec = {
    retryAfterMs: 20,
    script: [
      { match: 'flaky', faults: ['429', 'drop', 'malformed'] },
      { match: 'forever', faults: ['hang'] },
    ],
  };
  await withServer(faults, async (server, spec) => {
    const p = createOpenAIPredictor(spec, { fetch: globalThis.fetch });
    const r = await p.predict(req('flaky again'));
    assert.equal(r.attempts, 4);
    assert.ok(server.stats().retryWaits[0]!.waitedMs >= 20);
    const ac = new AbortController();
    const pending = p.predict(req('forever', ac.signal));
    while (server.stats().chatRequests < 5) await new Promise((res) => setTimeout(res, 2));
    ac.abort();
    await assert.rejects(pending, { kind: 'aborted' });
  });
});

test('a compressed answer (a proxy that gzips anyway) is decoded', async () => {
  const { gzipSync } = await import('node:zlib');
  const server = http.createServer((_req, res) => {
    _req.resume();
    const body = gzipSync(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: 'm',
        choices: [
          { index: 0, message: { role: 'assistant', content: '{"rating": 4}' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      }),
    );
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': body.length,
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (server.address() as AddressInfo).port;
    const r = await createOpenAIPredictor({
      id: 'g',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
    }).predict(req('x'));
    assert.equal(r.raw, '{"rating": 4}');
    assert.deepEqual(r.usage, { prompt: 3, completion: 2 });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
