// The Anthropic Messages provider against the local test server's /v1/messages: the request it builds (system
// field, max_tokens, forced answer tool, parameter mapping, headers), how it reads answers (tool input, text,
// finish reasons, reasoning-only), retries on 429/529 after retry-after, fatal errors, and the key's origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import {
  DEFAULT_MAX_TOKENS,
  createAnthropicPredictor,
  type AnthropicPredictor,
  type AnthropicPredictorSpec,
} from '../../../src/core/models/providers/anthropic';
import { apiKeyEnvOf, llmFactory, providerIdOf } from '../../../src/core/models/providers';
import type { EvalConfig, ModelConfig } from '../../../src/core/config';
import { PredictorError } from '../../../src/core/models/retry';
import { defaultAnswer, startTestServer, type FaultSpec, type TestServer } from '../../server/server';
import type { ChatMessage, TestCase } from '../../../src/core/types';

const KEY = 'sk-ant-test-0123456789abcdef';

function choiceCase(labels = ['A', 'B', 'C']): TestCase {
  return {
    id: 'case-choice',
    form: 'choice',
    user: 'u1',
    historyLength: 5,
    history: [],
    target: { item: 'i1', title: 'Heat (1995)', genres: ['Action'] },
    candidates: labels.map((label, i) => ({ label, item: `i${i}`, title: `T${i}`, genres: [] })),
    expected: { form: 'choice', label: 'A' },
    targetPopularity: 3,
  } as TestCase;
}

const msgs = (content: string): ChatMessage[] => [
  { role: 'system', content: 'You predict what one user picks next.' },
  { role: 'user', content },
];
const req = (content: string, tc = choiceCase(), signal = new AbortController().signal) => ({
  testCase: tc,
  messages: msgs(content),
  sample: 0,
  signal,
});

async function withServer(
  faults: FaultSpec | undefined,
  fn: (server: TestServer, spec: AnthropicPredictorSpec) => Promise<void>,
): Promise<void> {
  const server = await startTestServer({ apiKey: KEY, faults });
  try {
    await fn(server, {
      id: 'claude',
      baseUrl: server.root,
      model: 'claude-sonnet-4-5',
      apiKey: KEY,
      timeoutMs: 5000,
      maxRetries: 4,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
  } finally {
    await server.close();
  }
}

const question =
  'Which one does user 1 pick?\nA. Heat\nB. Alien\nC. Up\nAnswer with a JSON object {"choice": label}.';

test('a forced answer tool with the form schema; system in its own field; x-api-key and anthropic-version', async () => {
  await withServer(undefined, async (server, spec) => {
    const p = createAnthropicPredictor({
      ...spec,
      params: { temperature: 1.5, top_p: 0.9, stop: '\n\n', seed: 3, response_format: 'json_schema' },
    });
    const r = await p.predict(req(question));
    const rec = server.stats().log[0]!;
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/v1/messages');
    assert.equal(rec.headers['x-api-key'], KEY);
    assert.equal(rec.headers['anthropic-version'], '2023-06-01');
    assert.equal(rec.headers.authorization, undefined);
    const body = rec.body!;
    assert.equal(body.system, 'You predict what one user picks next.');
    assert.deepEqual(body.messages, [{ role: 'user', content: question }]);
    assert.equal(body.max_tokens, DEFAULT_MAX_TOKENS);
    assert.equal(body.temperature, 1, 'clamped to Anthropic 0..1');
    assert.equal(
      body.top_p,
      undefined,
      'Sonnet 4.5 refuses temperature with top_p: only temperature is sent',
    );
    assert.deepEqual(body.stop_sequences, ['\n\n']);
    assert.equal(body.seed, undefined);
    const tools = body.tools as {
      name: string;
      input_schema: { properties: { choice: { enum: string[] } } };
    }[];
    assert.equal(tools.length, 1);
    assert.deepEqual(tools[0]!.input_schema.properties.choice.enum, ['A', 'B', 'C']);
    assert.deepEqual(body.tool_choice, { type: 'tool', name: tools[0]!.name });
    // The tool's input is the answer, as JSON text.
    assert.deepEqual(JSON.parse(r.raw), JSON.parse(defaultAnswer(msgs(question))));
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.attempts, 1);
    assert.ok(r.usage && r.usage.prompt > 0 && r.usage.completion > 0);
    assert.equal(p.origin, new URL(server.root).origin);
  });
});

test('without a response format the text is the answer; older models get temperature and top_p both', async () => {
  await withServer(undefined, async (server, spec) => {
    const p = createAnthropicPredictor({
      ...spec,
      model: 'claude-3-5-haiku-20241022',
      params: { temperature: 0, top_p: 0.5, max_tokens: 64 },
    });
    const r = await p.predict(req(question));
    const body = server.stats().log[0]!.body!;
    assert.equal(body.temperature, 0);
    assert.equal(body.top_p, 0.5);
    assert.equal(body.max_tokens, 64);
    assert.equal(body.tools, undefined);
    assert.equal(r.raw, defaultAnswer(msgs(question)));
    assert.equal(r.finishReason, 'stop');
  });
});

test('extended thinking: no forced tool (the API refuses it), no temperature, max_tokens above the budget', async () => {
  await withServer(undefined, async (server, spec) => {
    const p = createAnthropicPredictor({
      ...spec,
      params: { temperature: 0, reasoning_effort: 'medium', response_format: 'json_schema', max_tokens: 200 },
    });
    const r = await p.predict(req(question));
    const body = server.stats().log[0]!.body!;
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 4096 });
    assert.equal(body.max_tokens, 4096 + 200);
    assert.equal(body.temperature, undefined);
    assert.equal(body.tools, undefined);
    assert.equal(body.tool_choice, undefined);
    assert.equal(server.stats().log[0]!.status, 200, 'the server would refuse a forced tool with thinking');
    assert.equal(r.raw, defaultAnswer(msgs(question)), 'the text block, not the thinking');
    assert.equal(r.reasoningOnly, undefined);
  });
});

test('429 and 529 (overloaded) are retried no sooner than retry-after asks', async () => {
  const faults: FaultSpec = { retryAfterMs: 40, script: [{ match: 'busy', faults: ['529', '429'] }] };
  await withServer(faults, async (server, spec) => {
    const r = await createAnthropicPredictor(spec).predict(req(`busy ${question}`));
    assert.equal(r.attempts, 3);
    assert.deepEqual(
      r.attemptLog!.map((a) => a.failure?.status),
      [529, 429, undefined],
    );
    const log = server.stats().log;
    assert.equal(log[0]!.status, 529);
    for (let i = 1; i < log.length; i++) {
      const waited = log[i]!.receivedAt - log[i - 1]!.respondedAt!;
      assert.ok(waited >= 40, `retry ${i} came ${waited} ms after the answer asking for 40 ms`);
    }
  });
});

test('stop_reason max_tokens is a cut answer, refusal a refusal, thinking alone reasoning-only', async () => {
  const faults: FaultSpec = {
    script: [
      { match: 'cut', faults: ['truncated'] },
      { match: 'refuse', faults: ['refusal'] },
      { match: 'ponder', faults: ['reasoning-only'] },
    ],
  };
  await withServer(faults, async (_server, spec) => {
    const p = createAnthropicPredictor(spec);
    const cut = await p.predict(req(`cut ${question}`));
    assert.equal(cut.finishReason, 'length');
    assert.ok(cut.raw.length > 0 && cut.raw.length < defaultAnswer(msgs(`cut ${question}`)).length);
    const refused = await p.predict(req(`refuse ${question}`));
    assert.equal(refused.finishReason, 'refusal');
    const pondered = await p.predict(req(`ponder ${question}`));
    assert.equal(pondered.reasoningOnly, true);
    assert.equal(pondered.raw, '');
    assert.equal(pondered.finishReason, 'length');
  });
});

test('a wrong key, an unknown model, a refused parameter are fatal after one request; a too-long prompt is not', async () => {
  const faults: FaultSpec = {
    script: [
      { match: 'nomodel', faults: ['404'] },
      { match: 'badparam', faults: ['400'] },
      { match: 'huge', faults: ['context'] },
      { match: 'forbidden', faults: ['403'] },
    ],
  };
  await withServer(faults, async (server, spec) => {
    const wrong = 'sk-ant-wrong-9876543210';
    await assert.rejects(
      createAnthropicPredictor({ ...spec, apiKey: wrong }).predict(req('x')),
      (e: unknown) => {
        assert.ok(e instanceof PredictorError);
        assert.equal(e.status, 401);
        assert.equal(e.fatal, true);
        assert.match(e.reason, /invalid x-api-key/);
        assert.ok(!e.reason.includes(wrong));
        return true;
      },
    );
    const p = createAnthropicPredictor(spec);
    for (const [word, status] of [
      ['nomodel', 404],
      ['badparam', 400],
      ['forbidden', 403],
    ] as const) {
      await assert.rejects(p.predict(req(word)), (e: unknown) => {
        assert.ok(e instanceof PredictorError);
        assert.equal(e.status, status);
        assert.equal(e.fatal, true, `${word} is fatal`);
        assert.equal(e.attempts, 1);
        return true;
      });
    }
    await assert.rejects(p.predict(req('huge')), (e: unknown) => {
      assert.ok(e instanceof PredictorError);
      assert.equal(e.status, 400);
      assert.equal(e.fatal, false, 'a prompt too long for the model says nothing about the other cases');
      return true;
    });
    assert.equal(server.stats().requests, 5, 'one request each: none was retried');
  });
});

test('the key is bound to its origin: a predictor refuses to be built for another one', () => {
  assert.throws(
    () =>
      createAnthropicPredictor({
        id: 'c',
        baseUrl: 'http://127.0.0.1:9/',
        model: 'claude-sonnet-4-5',
        apiKey: KEY,
        keyOrigin: 'https://api.anthropic.com',
      }),
    (e: unknown) => e instanceof PredictorError && e.kind === 'origin' && !e.reason.includes(KEY),
  );
});

test('binding: the provider and key variable come from the preset; a /v1 base URL is refused with the API root named', async () => {
  const config = {
    run: { cache: false, timeoutMs: 1000, connectTimeoutMs: 1000, maxRetries: 0 },
  } as unknown as EvalConfig;
  const entry = { id: 'c', preset: 'anthropic', model: 'claude-sonnet-4-5-20250929' } as ModelConfig;
  assert.equal(providerIdOf(entry), 'anthropic');
  assert.equal(apiKeyEnvOf(entry), 'ANTHROPIC_API_KEY');
  const b = await llmFactory()({ model: entry, config, cacheDir: os.tmpdir(), apiKey: KEY });
  assert.equal(b.origin, 'https://api.anthropic.com');
  assert.equal(b.cost?.({ prompt: 1e6, completion: 1e6 }), 3 + 15, 'a dated snapshot priced by its family');
  const p = b.forTemplate({ temperature: 0 }) as AnthropicPredictor;
  assert.equal(p.provider, 'anthropic');
  assert.equal(p.requestBody({ testCase: choiceCase(), messages: msgs('x'), sample: 0 }).temperature, 0);
  await assert.rejects(
    llmFactory()({
      model: {
        id: 'c',
        provider: 'anthropic',
        baseUrl: 'https://api.anthropic.com/v1',
        model: 'x',
      } as ModelConfig,
      config,
      cacheDir: os.tmpdir(),
      apiKey: KEY,
    }),
    (e: unknown) => e instanceof PredictorError && e.fatal && /API root/.test(e.reason),
  );
  await assert.rejects(
    llmFactory()({
      model: { id: 'c', provider: 'openai', preset: 'anthropic', model: 'x' } as ModelConfig,
      config,
      cacheDir: os.tmpdir(),
      apiKey: KEY,
    }),
    /speaks the "anthropic" API, not "openai"/,
  );
});
