// What a failed request means, provider side (issue 13): fatal errors (a wrong key, an unknown model, a refused
// parameter) are marked fatal after one request; a too-long prompt or a 5xx is not; reasoning models get a
// template's temperature only when their entry sets one, and a 400 naming a sampling parameter drops it and
// sends once more (then never again); cut, refused and reasoning-only replies are reported as such; the lean
// transport's connect and response timeouts end dead endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createOpenAIPredictor, type OpenAIPredictorSpec } from '../../../src/core/models/openai';
import { isFatalHttp, rejectedSamplingParam } from '../../../src/core/models/providers/errors';
import { llmFactory, type LlmPredictor } from '../../../src/core/models/providers';
import { PredictorError } from '../../../src/core/models/retry';
import { TransportTimeoutError, createNodeFetch } from '../../../src/core/models/transport';
import { startTestServer, type FaultSpec, type TestServer } from '../../server/server';
import type { EvalConfig, ModelConfig } from '../../../src/core/config';
import type { TestCase } from '../../../src/core/types';

const tc = { id: 'c1', form: 'rating', expected: { form: 'rating', value: 4 } } as unknown as TestCase;
const req = (content: string) => ({
  testCase: tc,
  messages: [{ role: 'user' as const, content }],
  sample: 0,
  signal: new AbortController().signal,
});

async function withServer(
  faults: FaultSpec | undefined,
  fn: (server: TestServer, spec: OpenAIPredictorSpec) => Promise<void>,
): Promise<void> {
  const server = await startTestServer({ faults });
  try {
    await fn(server, {
      id: 't',
      baseUrl: server.url,
      model: 'test-model',
      timeoutMs: 5000,
      maxRetries: 4,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
  } finally {
    await server.close();
  }
}

test('fatal or not, from the error bodies OpenAI, Anthropic and local servers send', () => {
  const fatal = (status: number, message: string, extra: object = {}) =>
    isFatalHttp({ status, message, ...extra });
  assert.equal(fatal(401, 'Incorrect API key provided'), true);
  assert.equal(fatal(403, 'not allowed'), true);
  assert.equal(fatal(404, 'The model `gpt-9` does not exist', { code: 'model_not_found' }), true);
  assert.equal(
    fatal(400, "Unsupported value: 'temperature'", { param: 'temperature', code: 'unsupported_value' }),
    true,
  );
  assert.equal(fatal(400, 'max_tokens: Input should be a valid integer'), true, "Anthropic's field: message");
  assert.equal(fatal(400, 'Unrecognized request argument supplied: foo'), true);
  assert.equal(fatal(400, 'model "llama9" not found, try pulling it first'), true, 'Ollama');
  assert.equal(
    fatal(400, "This model's maximum context length is 4096 tokens.", {
      param: 'messages',
      code: 'context_length_exceeded',
    }),
    false,
  );
  assert.equal(fatal(400, 'prompt is too long: 210000 tokens > 200000 maximum'), false);
  assert.equal(fatal(400, 'messages.0.content: must not be empty'), false, 'about the case, not the model');
  assert.equal(fatal(429, 'Rate limit reached'), false);
  assert.equal(fatal(500, 'server error'), false);
  assert.equal(fatal(529, 'Overloaded'), false);
});

test('the sampling parameter a 400 refuses', () => {
  const p = (message: string, extra: object = {}) =>
    rejectedSamplingParam({ status: 400, message, ...extra });
  assert.equal(
    p(
      "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
      {
        param: 'temperature',
        code: 'unsupported_value',
      },
    ),
    'temperature',
  );
  assert.equal(
    p('`temperature` and `top_p` cannot both be specified for this model. Please use only one.'),
    'top_p',
  );
  assert.equal(p('temperature may only be set to 1 when thinking is enabled.'), 'temperature');
  assert.equal(
    p("Unsupported parameter: 'max_tokens' is not supported with this model.", { param: 'max_tokens' }),
    undefined,
  );
  assert.equal(
    p('temperature: Input should be less than or equal to 1'),
    undefined,
    'a bad value, not a refusal',
  );
  assert.equal(rejectedSamplingParam({ status: 500, message: 'temperature not supported' }), undefined);
});

test('401, 403, 404 and a refused parameter fail after one request and are fatal; 5xx and a long prompt are not fatal', async () => {
  const faults: FaultSpec = {
    script: [
      { match: 'k401', faults: ['401'] },
      { match: 'k403', faults: ['403'] },
      { match: 'k404', faults: ['404'] },
      { match: 'k400', faults: ['400'] },
      { match: 'long', faults: ['context'] },
      { match: 'flaky', faults: ['500', '500', '500', '500', '500', '500'] },
    ],
  };
  await withServer(faults, async (server, spec) => {
    const p = createOpenAIPredictor(spec);
    for (const [word, status] of [
      ['k401', 401],
      ['k403', 403],
      ['k404', 404],
      ['k400', 400],
    ] as const) {
      server.reset();
      await assert.rejects(p.predict(req(word)), (e: unknown) => {
        assert.ok(e instanceof PredictorError);
        assert.equal(e.status, status);
        assert.equal(e.fatal, true, `${word} is fatal`);
        return true;
      });
      assert.equal(server.stats().chatRequests, 1, `${word}: one request`);
    }
    server.reset();
    await assert.rejects(p.predict(req('long')), (e: unknown) => e instanceof PredictorError && !e.fatal);
    assert.equal(server.stats().chatRequests, 1);
    server.reset();
    await assert.rejects(
      p.predict(req('flaky')),
      (e: unknown) => e instanceof PredictorError && !e.fatal && e.status === 500,
    );
    assert.equal(server.stats().chatRequests, 5, 'retried: 1 + maxRetries');
  });
});

test('an unknown model on a strict server is a fatal 404 with the model named', async () => {
  const server = await startTestServer({ strictModels: true, models: ['test-model'] });
  try {
    const p = createOpenAIPredictor({ id: 't', baseUrl: server.url, model: 'gpt-9', maxRetries: 3 });
    await assert.rejects(p.predict(req('x')), (e: unknown) => {
      assert.ok(e instanceof PredictorError && e.fatal && e.status === 404);
      assert.match(e.reason, /gpt-9/);
      return true;
    });
    assert.equal(server.stats().chatRequests, 1);
  } finally {
    await server.close();
  }
});

test("reasoning models: a template's temperature is left out; the entry's own is sent, refused once, then dropped", async () => {
  await withServer(undefined, async (server) => {
    const config = {
      run: { cache: false, timeoutMs: 5000, connectTimeoutMs: 2000, maxRetries: 3 },
    } as unknown as EvalConfig;
    const bind = (model: Partial<ModelConfig>) =>
      llmFactory({
        retryDeps: {
          now: Date.now,
          sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
          random: () => 0,
        },
      })({
        model: { id: 'r', baseUrl: server.url, ...model } as ModelConfig,
        config,
        cacheDir: os.tmpdir(),
        apiKey: undefined,
      });
    // The template's temperature 0 is a default: not sent to a reasoning model, behind any prefix.
    const fromTemplate = (await bind({ model: 'openai/gpt-5-mini' })).forTemplate({
      temperature: 0,
      top_p: 0.5,
    });
    const r1 = await fromTemplate.predict(req('one'));
    assert.equal(r1.attempts, 1);
    let body = server.stats().log[0]!.body!;
    assert.equal(body.temperature, undefined);
    assert.equal(body.top_p, undefined);
    // An ordinary model gets it.
    await (await bind({ model: 'test-model' })).forTemplate({ temperature: 0 }).predict(req('two'));
    assert.equal(server.stats().log[1]!.body!.temperature, 0);

    // The entry's own temperature is sent; the server refuses it (400 naming it): dropped, sent once more.
    server.reset();
    const own = (await bind({ model: 'o4-mini', params: { temperature: 0 } })).forTemplate(
      {},
    ) as LlmPredictor;
    const r2 = await own.predict(req('three'));
    assert.equal(r2.attempts, 2);
    assert.equal(r2.attemptLog![0]!.failure?.status, 400);
    assert.match(r2.attemptLog![0]!.failure!.reason, /temperature.*sent again without temperature/);
    let log = server.stats().log;
    assert.equal(log.length, 2);
    assert.equal(log[0]!.body!.temperature, 0);
    assert.equal(log[1]!.body!.temperature, undefined);
    // Learnt: the next case costs one request.
    const r3 = await own.predict(req('four'));
    assert.equal(r3.attempts, 1);
    log = server.stats().log;
    assert.equal(log.length, 3);
    body = log[2]!.body!;
    assert.equal(body.temperature, undefined);
  });
});

test('each refused sampling parameter is dropped once; a 400 about another parameter stays fatal', async () => {
  const server = await startTestServer({ refusesSampling: () => true });
  try {
    const p = createOpenAIPredictor({
      id: 't',
      baseUrl: server.url,
      model: 'picky',
      params: { temperature: 0, top_p: 0.5 },
      maxRetries: 4,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    // temperature refused, dropped; top_p refused, dropped; then answered.
    const r = await p.predict(req('x'));
    assert.equal(r.attempts, 3);
    assert.equal(server.stats().chatRequests, 3);
  } finally {
    await server.close();
  }
  const strict = await startTestServer({ faults: { script: [{ match: 'x', faults: ['400'] }] } });
  try {
    const p = createOpenAIPredictor({
      id: 't',
      baseUrl: strict.url,
      model: 'test-model',
      params: { temperature: 0 },
    });
    await assert.rejects(p.predict(req('x')), (e: unknown) => e instanceof PredictorError && e.fatal);
    assert.equal(strict.stats().chatRequests, 1, 'a 400 about max_tokens does not drop temperature');
  } finally {
    await strict.close();
  }
});

test('finish reasons: a cut answer is length, a refusal is refusal with its text, reasoning alone is flagged', async () => {
  const faults: FaultSpec = {
    script: [
      { match: 'cut', faults: ['truncated'] },
      { match: 'refuse', faults: ['refusal'] },
      { match: 'ponder', faults: ['reasoning-only'] },
    ],
  };
  await withServer(faults, async (_server, spec) => {
    const p = createOpenAIPredictor(spec);
    const ok = await p.predict(req('fine'));
    assert.equal(ok.finishReason, 'stop');
    assert.equal(ok.reasoningOnly, undefined);
    const cut = await p.predict(req('cut'));
    assert.equal(cut.finishReason, 'length');
    const refused = await p.predict(req('refuse'));
    assert.equal(refused.finishReason, 'refusal');
    assert.match(refused.raw, /can't help/);
    const pondered = await p.predict(req('ponder'));
    assert.equal(pondered.reasoningOnly, true);
    assert.equal(pondered.raw, '');
    assert.equal(pondered.finishReason, 'length');
  });
});

test('the response timeout ends a connected request that never answers, as a retryable timeout', async () => {
  await withServer({ script: [{ match: 'hangs', faults: ['hang', 'hang'] }] }, async (server, spec) => {
    const p = createOpenAIPredictor({ ...spec, timeoutMs: 200, maxRetries: 1 });
    const t0 = performance.now();
    await assert.rejects(p.predict(req('hangs')), (e: unknown) => {
      assert.ok(e instanceof PredictorError);
      assert.equal(e.kind, 'timeout');
      assert.match(e.reason, /no answer within 200 ms/);
      assert.equal(e.fatal, false);
      return true;
    });
    const took = performance.now() - t0;
    assert.ok(took >= 400 && took < 3000, `two attempts of 200 ms took ${took} ms`);
    assert.equal(server.stats().chatRequests, 2);
  });
});

test('the connect timeout ends a connection that never completes (a TLS handshake that never answers)', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (silent.address() as AddressInfo).port;
    const fetchFn = createNodeFetch({ connectTimeoutMs: 150, responseTimeoutMs: 10_000 });
    const t0 = performance.now();
    await assert.rejects(fetchFn(`https://127.0.0.1:${port}/v1/models`), (e: unknown) => {
      const cause = (e as { cause?: unknown }).cause;
      assert.ok(cause instanceof TransportTimeoutError);
      assert.equal(cause.phase, 'connect');
      assert.match(cause.message, /no connection within 150 ms/);
      return true;
    });
    const took = performance.now() - t0;
    assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('the whole-request deadline ends an answer whose body never ends, with one timer for every phase', async () => {
  const sockets: net.Socket[] = [];
  // Headers and a first chunk at once, then nothing more: the first-byte limit is met, the body never ends.
  const trickle = net.createServer((s) => {
    sockets.push(s);
    s.once('data', () =>
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":'),
    );
  });
  await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (trickle.address() as AddressInfo).port;
    const fetchFn = createNodeFetch({
      connectTimeoutMs: 1000,
      responseTimeoutMs: 100,
      attemptTimeoutMs: 300,
    });
    const t0 = performance.now();
    await assert.rejects(fetchFn(`http://127.0.0.1:${port}/v1/chat/completions`), (e: unknown) => {
      const cause = (e as { cause?: unknown }).cause;
      assert.ok(cause instanceof TransportTimeoutError);
      assert.equal(cause.phase, 'attempt');
      assert.match(cause.message, /no answer within 300 ms/);
      return true;
    });
    const took = performance.now() - t0;
    // Not at the first-byte limit (100 ms: the answer had begun), at the whole request's.
    assert.ok(took >= 290 && took < 2500, `took ${took} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => trickle.close(r));
  }
});

test('a predictor on the lean transport times a never-ending body as a retryable timeout', async () => {
  const sockets: net.Socket[] = [];
  const trickle = net.createServer((s) => {
    sockets.push(s);
    s.on('data', () =>
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":'),
    );
  });
  await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (trickle.address() as AddressInfo).port;
    const p = createOpenAIPredictor({
      id: 't',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'test-model',
      timeoutMs: 150,
      connectTimeoutMs: 100,
      maxRetries: 0,
    });
    await assert.rejects(p.predict(req('x')), (e: unknown) => {
      assert.ok(e instanceof PredictorError);
      assert.equal(e.kind, 'timeout');
      assert.match(e.reason, /no answer within 250 ms/);
      return true;
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => trickle.close(r));
  }
});
