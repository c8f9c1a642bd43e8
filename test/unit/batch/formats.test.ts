// Batch wire formats: custom ids, request lines, and the output lines of OpenAI, vLLM and Anthropic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CUSTOM_ID_RE,
  anthropicParams,
  customIdOf,
  openaiRequestLine,
  parseOutputLine,
} from '../../../src/core/batch';

test('custom ids: short, of the allowed characters, the same for the same unit, different for others', () => {
  const a = customIdOf({ caseId: 'u1:m2', variant: 'builtin-choice×gpt-4o-mini', sample: 0 });
  assert.match(a, CUSTOM_ID_RE);
  assert.ok(a.length <= 64);
  assert.equal(a, customIdOf({ caseId: 'u1:m2', variant: 'builtin-choice×gpt-4o-mini', sample: 0 }));
  assert.notEqual(a, customIdOf({ caseId: 'u1:m2', variant: 'builtin-choice×gpt-4o-mini', sample: 1 }));
  assert.notEqual(a, customIdOf({ caseId: 'u1:m2', variant: 'other×gpt-4o-mini', sample: 0 }));
});

test('an OpenAI request line carries the body untouched', () => {
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
  assert.deepEqual(JSON.parse(openaiRequestLine('u1', body)), {
    custom_id: 'u1',
    method: 'POST',
    url: '/v1/chat/completions',
    body,
  });
});

test('Anthropic params: system apart, max_tokens always, stop as stop_sequences', () => {
  const p = anthropicParams({
    model: 'claude',
    messages: [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
    ],
    max_completion_tokens: 50,
    stop: 'END',
    temperature: 0.2,
  });
  assert.deepEqual(p, {
    model: 'claude',
    max_tokens: 50,
    system: 'S',
    messages: [{ role: 'user', content: 'U' }],
    stop_sequences: ['END'],
    temperature: 0.2,
  });
  assert.equal(anthropicParams({ model: 'c', messages: [] }).max_tokens, 1024);
});

const completion = {
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: '{"choice":"B"}' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 3, completion_tokens_details: { reasoning_tokens: 2 } },
};

test('OpenAI and vLLM output lines: answers, failed requests, requests never run', () => {
  assert.deepEqual(
    parseOutputLine({ custom_id: 'a', response: { status_code: 200, body: completion }, error: null }),
    {
      customId: 'a',
      kind: 'answer',
      raw: '{"choice":"B"}',
      usage: { prompt: 10, completion: 3, reasoning: 2 },
      finishReason: 'stop',
      model: 'm',
    },
  );
  // An older vLLM puts the completion right in `response`.
  const old = parseOutputLine({ custom_id: 'b', response: completion, error: null });
  assert.equal(old.kind, 'answer');
  const failed = parseOutputLine({
    custom_id: 'c',
    response: { status_code: 400, body: { error: { message: 'bad model' } } },
    error: null,
  });
  assert.deepEqual(failed, { customId: 'c', kind: 'error', status: 400, message: 'HTTP 400: bad model' });
  // vLLM reports a failure as a bare string.
  const vllm = parseOutputLine({
    custom_id: 'd',
    response: { status_code: 400, body: null },
    error: 'model not found',
  });
  assert.deepEqual(vllm, { customId: 'd', kind: 'error', status: 400, message: 'HTTP 400: model not found' });
  const expired = parseOutputLine({
    custom_id: 'e',
    response: null,
    error: { code: 'batch_expired', message: 'x' },
  });
  assert.deepEqual(expired, { customId: 'e', kind: 'not-run', why: 'batch_expired' });
});

test('Anthropic result lines: text, usage and stop reason; errors; canceled and expired never ran', () => {
  const ok = parseOutputLine({
    custom_id: 'a',
    result: {
      type: 'succeeded',
      message: {
        model: 'claude',
        content: [{ type: 'text', text: '{"rating": 4}' }],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 7, output_tokens: 4 },
      },
    },
  });
  assert.deepEqual(ok, {
    customId: 'a',
    kind: 'answer',
    raw: '{"rating": 4}',
    usage: { prompt: 7, completion: 4 },
    finishReason: 'length',
    model: 'claude',
  });
  const err = parseOutputLine({
    custom_id: 'b',
    result: {
      type: 'errored',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'busy' } },
    },
  });
  assert.deepEqual(err, { customId: 'b', kind: 'error', message: 'busy' });
  assert.equal(parseOutputLine({ custom_id: 'c', result: { type: 'expired' } }).kind, 'not-run');
  assert.equal(parseOutputLine({ custom_id: 'd', result: { type: 'canceled' } }).kind, 'not-run');
});
