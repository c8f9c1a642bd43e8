// Batch wire formats: custom ids, request lines, and the output lines of OpenAI, vLLM and Anthropic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOM_ID_RE, customIdOf, openaiRequestLine, parseOutputLine } from '../../../src/core/batch';

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
      // The body whole: the provider's own reader makes the answer of it, as for an interactive request.
      format: 'openai',
      body: completion,
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

test('Anthropic result lines: the message; errors; canceled and expired never ran', () => {
  const message = {
    model: 'claude',
    content: [{ type: 'text', text: '{"rating": 4}' }],
    stop_reason: 'max_tokens',
    usage: { input_tokens: 7, output_tokens: 4 },
  };
  assert.deepEqual(parseOutputLine({ custom_id: 'a', result: { type: 'succeeded', message } }), {
    customId: 'a',
    kind: 'answer',
    format: 'anthropic',
    body: message,
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
