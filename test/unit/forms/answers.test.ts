// Answers real models give (issue 12): cut replies, refusals, reasoning only, several JSON answers, titles for
// labels, rankings as one string, "4.5 stars" inside JSON; each invalid answer with its reason code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPromptVariables,
  parseAnswer,
  parsePromptFile,
  promptDiagnostics,
  SAMPLE_INFO,
  sampleCase,
  summariseVariant,
  type ParseContext,
} from '../../../src/core';
import type { CaseResult, Prediction } from '../../../src/core/types';

const scale = { min: 0.5, max: 5, step: 0.5 };
const labels = ['A', 'B', 'C', 'D', 'E'];
const titles = ['Heat (1995)', 'Matrix, The (1999)', 'It (2017)', 'Amélie (2001)', 'Toy Story (1995)'];
const ctx: ParseContext = { scale, labels, titles };

function ok(raw: string, form: string, want: Prediction, c: ParseContext = ctx): void {
  const r = parseAnswer(raw, form, c);
  assert.ok(r.ok, `${JSON.stringify(raw)} should parse, got ${r.ok ? '' : `${r.reasonCode}: ${r.reason}`}`);
  assert.deepEqual(r.prediction, want);
}
function code(raw: string, form: string, want: string, c: ParseContext = ctx): void {
  const r = parseAnswer(raw, form, c);
  assert.equal(r.ok, false, `${JSON.stringify(raw)} should be invalid, got ${JSON.stringify(r)}`);
  if (!r.ok) assert.equal(r.reasonCode, want, r.reason);
}

test('cut at the token limit: invalid unless a complete JSON answer stands before the cut', () => {
  const cut = { ...ctx, finishReason: 'length' };
  code('1. C\n2. A\n3. B\n4.', 'ranking', 'cut', cut); // a numbered list that stops: never a perfect ranking
  code('{"ranking": ["C", "A", "B"', 'ranking', 'cut', cut);
  code('', 'rating', 'cut', cut);
  code('<think>the user likes', 'rating', 'cut', cut);
  ok('{"rating": 4} and my reasons are that the user', 'rating', { form: 'rating', value: 4 }, cut);
  ok('1. C\n2. A\n3. B', 'ranking', { form: 'ranking', order: ['C', 'A', 'B'] }); // not cut: read
});

test('refusals, reasoning only and tool calls get their codes', () => {
  code('I cannot predict this.', 'rating', 'refusal');
  code("I'm sorry, but I can't help with that.", 'choice', 'refusal');
  code('{"rating": 4}', 'rating', 'refusal', { ...ctx, finishReason: 'refusal' });
  code('', 'rating', 'reasoning-only', { ...ctx, reasoningOnly: true });
  code('<think>long thoughts</think>', 'rating', 'reasoning-only');
  code('', 'choice', 'tool-call', { ...ctx, finishReason: 'tool_calls' });
  code('Hard to say, it depends.', 'rating', 'no-answer');
  code('{"rating": 9}', 'rating', 'off-scale');
  code('{"choice": "Z"}', 'choice', 'unknown-label');
});

test('several JSON answers: disagreeing ones are ambiguous, repeats count once, prose is ignored', () => {
  code('{"choice":"A"} … {"choice":"B"} … {"choice":"E"}', 'choice', 'ambiguous');
  ok('{"choice":"B"} To be clear: {"choice": "B"}', 'choice', { form: 'choice', label: 'B' });
  // A JSON answer wins over a letter mentioned in prose.
  ok('Option A is tempting, but {"choice": "D"}', 'choice', { form: 'choice', label: 'D' });
  // An echoed placeholder is not an answer, so it does not disagree.
  ok('Format: {"choice": "<label>"}. {"choice": "C"}', 'choice', { form: 'choice', label: 'C' });
});

test('a candidate title names its label, in JSON or plain text, for choice and ranking', () => {
  ok('{"choice": "The Matrix"}', 'choice', { form: 'choice', label: 'B' });
  ok('{"choice": "heat (1995)"}', 'choice', { form: 'choice', label: 'A' });
  ok('Amelie', 'choice', { form: 'choice', label: 'D' });
  ok('{"choice": "It"}', 'choice', { form: 'choice', label: 'C' }); // a title, not the label "IT"
  ok('{"ranking": ["Toy Story", "Heat (1995)", "C"]}', 'ranking', {
    form: 'ranking',
    order: ['E', 'A', 'C'],
  });
  ok('1. Matrix, The (1999)\n2. It (2017)\n3. Heat', 'ranking', { form: 'ranking', order: ['B', 'C', 'A'] });
  code('{"choice": "Casablanca"}', 'choice', 'unknown-label');
});

test('a ranking as one string is split; a repeated label keeps its first place', () => {
  ok('{"ranking": "C, A, B"}', 'ranking', { form: 'ranking', order: ['C', 'A', 'B'] });
  ok('{"ranking": "Matrix, The (1999), Heat (1995)"}', 'ranking', { form: 'ranking', order: ['B', 'A'] });
  ok('{"ranking": ["C", "A", "C", "B"]}', 'ranking', { form: 'ranking', order: ['C', 'A', 'B'] });
});

test('"4.5 stars" inside JSON reads as it does outside', () => {
  ok('{"rating": "4.5 stars"}', 'rating', { form: 'rating', value: 4.5 });
  ok('{"rating": "4/5"}', 'rating', { form: 'rating', value: 4 });
  code('{"rating": "great"}', 'rating', 'no-answer');
});

test('a like with a contradicting probability is counted as given and flagged', () => {
  const base = {
    variant: 'm',
    model: 'm',
    template: null,
    sample: 0,
    form: 'binary',
    historyLength: 5,
    targetPopularity: 1,
    latencyMs: 1,
    finishedAt: '',
  };
  const results: CaseResult[] = [0.2, 0.9, 0.4].map((p, i) => ({
    ...base,
    caseId: `c${i}`,
    user: `u${i}`,
    outcome: 'success',
    expected: { form: 'binary', like: true, value: 5 },
    prediction: { form: 'binary', like: true, probability: p },
  }));
  const r = parseAnswer('{"like": true, "probability": 0.2}', 'binary', ctx);
  assert.ok(r.ok, 'counted');
  const s = summariseVariant(results, { form: 'binary', k: 10, scale, bootstrap: { resamples: 50 } });
  assert.deepEqual(s.flags, { contradictory: 2 });
  assert.equal(s.metrics.find((m) => m.key === 'accuracy')!.all.value, 1, 'scored as the like it says');
  assert.equal(s.headline, 'balancedAccuracy');
});

test('a choice or ranking template that reads target is an error at its position; the target renders empty', () => {
  const text =
    '---\nforms: [choice]\n---\nuser:\n{% for c in candidates %}{{ c.label }}. {{ c.title }}\n{% endfor %}' +
    'Hint: {{ target.title }}\n';
  const parsed = parsePromptFile(text, 'leak.prompt');
  const leaks = promptDiagnostics(parsed).filter((d) => d.code === 'target-leak');
  assert.equal(leaks.length, 1);
  assert.equal(leaks[0]!.severity, 'error');
  assert.equal(
    leaks[0]!.range.start.line,
    text.split('\n').findIndex((l) => l.includes('Hint')),
  );
  // A rating template may show its target; a template without forms is not checked statically, but a choice
  // case never carries its target into the variables.
  const rating = parsePromptFile('---\nforms: [rating]\n---\nuser:\n{{ target.title }}\n', 'r.prompt');
  assert.deepEqual(
    promptDiagnostics(rating).filter((d) => d.code === 'target-leak'),
    [],
  );
  const vars = buildPromptVariables(sampleCase('choice'), SAMPLE_INFO);
  assert.deepEqual(vars.target, { title: '', genres: [], item: '' });
  assert.ok(buildPromptVariables(sampleCase('rating'), SAMPLE_INFO).target.title.length > 0);
});

test('knowledge probe: external item ids are not template variables (item reads the opaque id)', () => {
  const tc = sampleCase('choice');
  const probe = { ...SAMPLE_INFO, task: { ...SAMPLE_INFO.task, probe: true } };
  const vars = buildPromptVariables(tc, probe);
  for (const x of [...vars.history, ...vars.candidates]) assert.equal(x.item, x.title);
  assert.equal(buildPromptVariables(tc, SAMPLE_INFO).history[0]!.item, tc.history[0]!.item);
});
