import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SAMPLE_INFO,
  builtinTemplates,
  countTokens,
  parsePromptFile,
  previewPrompt,
  renderPrompt,
  sampleCase,
} from '../../../src/core/prompt';
import type { TestCase } from '../../../src/core/types';

// Ten cases whose histories grow, so their prompts differ in length.
const cases: TestCase[] = Array.from({ length: 10 }, (_, i) => {
  const c = sampleCase('choice');
  return { ...c, id: `c${i}`, history: c.history.slice(0, 1 + (i % 6)) };
});
const parsed = parsePromptFile(builtinTemplates.choice, 'builtin:choice');
const price = { inputPerMTok: 2, outputPerMTok: 8 };

test('a preview gives the exact messages, their tokens and the case and eval costs', async () => {
  const p = await previewPrompt({
    parsed,
    cases,
    index: 3,
    info: SAMPLE_INFO,
    model: 'gpt-4.1',
    price,
    samples: 3,
  });
  assert.deepEqual(p.diagnostics, []);
  assert.deepEqual(p.messages, renderPrompt(parsed, cases[3]!, SAMPLE_INFO));
  const counted = await countTokens(p.messages!, 'gpt-4.1');
  assert.equal(p.tokens!.total, counted.total);
  assert.equal(p.caseCost!.costUsd, (counted.total * 2 + p.caseCost!.outputTokens * 8) / 1e6);
  let input = 0;
  for (const c of cases) input += (await countTokens(renderPrompt(parsed, c, SAMPLE_INFO), 'gpt-4.1')).total;
  assert.equal(p.eval!.requests, 30);
  assert.equal(p.eval!.inputTokens, input * 3);
  assert.equal(p.eval!.measuredCases, 10);
});

test('estimateFrom measures an even sample and extrapolates to every case', async () => {
  const p = await previewPrompt({
    parsed,
    cases,
    index: 0,
    info: SAMPLE_INFO,
    model: 'gpt-4o',
    estimateFrom: 5,
  });
  assert.equal(p.eval!.measuredCases, 5);
  let input = 0;
  for (const i of [0, 2, 4, 6, 8])
    input += (await countTokens(renderPrompt(parsed, cases[i]!, SAMPLE_INFO), 'gpt-4o')).total;
  assert.equal(p.eval!.inputTokens, Math.round(input * 2));
  assert.equal(p.eval!.costUsd, null, 'no price, no cost');
});

test('a template with errors previews as its diagnostics only; a missing case is a RangeError', async () => {
  const broken = parsePromptFile('user:\n{{ target.titel }}\n');
  const p = await previewPrompt({ parsed: broken, cases, index: 0, info: SAMPLE_INFO, model: 'gpt-4o' });
  assert.equal(p.messages, null);
  assert.equal(p.eval, null);
  assert.equal(p.diagnostics[0]!.code, 'unknown-field');
  await assert.rejects(
    previewPrompt({ parsed, cases, index: 10, info: SAMPLE_INFO, model: 'gpt-4o' }),
    /case 10 does not exist \(the eval has 10 cases\)/,
  );
});
