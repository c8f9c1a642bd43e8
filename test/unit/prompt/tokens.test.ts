// Token counts against published figures: the OpenAI cookbook "How to count tokens with tiktoken" counts its
// example conversation as 129 prompt tokens for gpt-3.5-turbo / gpt-4 and 124 for gpt-4o / gpt-4o-mini (the
// numbers the API reported), and "tiktoken is great!" as 6 cl100k_base tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  countTokens,
  estimateCost,
  expectedAnswerTokens,
  loadChatTokenizer,
  tokenizerFor,
  type CountedMessage,
} from '../../../src/core/prompt';

const COOKBOOK: CountedMessage[] = [
  {
    role: 'system',
    content:
      'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  {
    role: 'system',
    name: 'example_assistant',
    content: 'Things working well together will increase revenue.',
  },
  {
    role: 'system',
    name: 'example_user',
    content:
      "Let's circle back when we have more time to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: 'user',
    content: "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

test('cl100k_base families count the cookbook conversation as 129 tokens', async () => {
  for (const model of ['gpt-3.5-turbo', 'gpt-4-0613', 'gpt-4']) {
    const c = await countTokens(COOKBOOK, model);
    assert.equal(c.total, 129, model);
    assert.equal(c.encoding, 'cl100k_base');
    assert.equal(c.exact, true);
  }
});

test('o200k_base families count it as 124 tokens', async () => {
  for (const model of ['gpt-4o', 'gpt-4o-mini', 'openai/gpt-4.1-mini', 'o3-mini']) {
    const c = await countTokens(COOKBOOK, model);
    assert.equal(c.total, 124, model);
    assert.equal(c.encoding, 'o200k_base');
  }
});

test('per-message counts include the framing, and the total the reply priming', async () => {
  const c = await countTokens(
    [
      { role: 'user', content: 'tiktoken is great!' },
      { role: 'assistant', content: '' },
    ],
    'gpt-3.5-turbo',
  );
  // 3 framing + 1 ("user") + 6 content; 3 + 1 ("assistant") + 0; + 3 priming.
  assert.deepEqual(c.perMessage, [10, 4]);
  assert.equal(c.total, 17);
});

test('other families are approximated with cl100k_base and say so', async () => {
  const choice = tokenizerFor('llama3.1:8b');
  assert.equal(choice.encoding, 'cl100k_base');
  assert.equal(choice.exact, false);
  assert.match(choice.note, /approximation/);
  const c = await countTokens(
    [{ role: 'user', content: 'tiktoken is great!' }],
    'meta-llama/Llama-3.1-8B-Instruct',
  );
  assert.equal(c.exact, false);
  assert.equal(c.total, 13);
});

test('special-token strings in a prompt are counted as text, not rejected', async () => {
  const t = await loadChatTokenizer('gpt-4o');
  assert.ok(t.countText('<|endoftext|>') > 1);
});

test('estimateCost uses per-million prices', () => {
  assert.equal(
    estimateCost({ input: 2_000_000, output: 500_000 }, { inputPerMTok: 0.15, outputPerMTok: 0.6 }),
    0.6,
  );
  assert.equal(estimateCost({ input: 0, output: 0 }, { inputPerMTok: 5, outputPerMTok: 15 }), 0);
  assert.ok(expectedAnswerTokens('ranking', 20) > expectedAnswerTokens('choice', 20));
});
