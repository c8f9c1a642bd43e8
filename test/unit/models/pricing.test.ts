// Prices: table lookups (snapshots, vendor prefixes, overrides), cost of a usage, and the estimate before a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PRICES,
  FREE,
  approxTokens,
  costOf,
  estimateRunCost,
  lookupPrice,
} from '../../../src/core/models/pricing';

test('lookupPrice: exact, dated snapshot, vendor prefix, longest match, overrides, unknown', () => {
  assert.deepEqual(lookupPrice('gpt-4o'), DEFAULT_PRICES['gpt-4o']);
  assert.deepEqual(lookupPrice('gpt-4o-2024-08-06'), DEFAULT_PRICES['gpt-4o']);
  assert.deepEqual(lookupPrice('gpt-4o-mini-2024-07-18'), DEFAULT_PRICES['gpt-4o-mini']);
  assert.deepEqual(lookupPrice('openai/gpt-4.1-nano'), DEFAULT_PRICES['gpt-4.1-nano']);
  assert.deepEqual(lookupPrice('o3-mini'), DEFAULT_PRICES['o3-mini']);
  assert.deepEqual(lookupPrice('o3-2025-04-16'), DEFAULT_PRICES.o3);
  assert.deepEqual(lookupPrice('anthropic/claude-sonnet-4-20250514'), DEFAULT_PRICES['claude-sonnet-4']);
  assert.equal(lookupPrice('llama3.1:8b'), undefined);
  assert.equal(lookupPrice('gpt-4omni'), undefined);
  const mine = { inputPerMTok: 1, outputPerMTok: 2 };
  assert.deepEqual(lookupPrice('gpt-4o', { 'gpt-4o': mine }), mine);
});

test('costOf prices prompt and completion (reasoning inside completion) per million tokens', () => {
  const price = { inputPerMTok: 2, outputPerMTok: 8 };
  assert.equal(costOf({ prompt: 1_000_000, completion: 0 }, price), 2);
  assert.equal(costOf({ prompt: 500, completion: 1500, reasoning: 1200 }, price), (500 * 2 + 1500 * 8) / 1e6);
  assert.equal(costOf({ prompt: 10, completion: 10 }, FREE), 0);
  assert.equal(costOf({ prompt: 10, completion: 10 }, undefined), undefined);
  assert.equal(costOf(undefined, price), undefined);
});

test('estimateRunCost from messages or totals, with samples, reasoning and cached requests', () => {
  const price = { inputPerMTok: 1, outputPerMTok: 4 };
  const prompts = [
    [{ role: 'user' as const, content: 'x'.repeat(400) }],
    [{ role: 'user' as const, content: 'y'.repeat(800) }],
  ];
  const count = (m: readonly { content: string }[]) => m[0]!.content.length / 4;
  const e = estimateRunCost({ prompts, samples: 3, outputTokensPerAnswer: 10, price, countTokens: count });
  assert.equal(e.requests, 6);
  assert.equal(e.inputTokens, 900);
  assert.equal(e.outputTokens, 60);
  assert.equal(e.usd, (900 * 1 + 60 * 4) / 1e6);
  const r = estimateRunCost({
    prompts: { requests: 100, promptTokens: 50_000 },
    reasoningTokensPerAnswer: 500,
    outputTokensPerAnswer: 20,
    price,
    cachedRequests: 25,
  });
  assert.equal(r.requests, 75);
  assert.equal(r.inputTokens, 37_500);
  assert.equal(r.outputTokens, 75 * 520);
  assert.equal(
    estimateRunCost({ prompts: { requests: 1, promptTokens: 1 }, price: undefined }).usd,
    undefined,
  );
  assert.ok(approxTokens([{ role: 'user', content: 'a'.repeat(400) }]) >= 100);
});
