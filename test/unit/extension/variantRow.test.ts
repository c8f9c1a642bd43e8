// The Runs tree's variant rows: whose figure it is leads the label, so rows of one metric differ in their label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VariantSummary } from '../../../src/core';
import { variantNames, variantRow } from '../../../src/extension/views/variantRow';

function summary(variant: string, value: number, invalid = 0.02): VariantSummary {
  const [template, model] = variant.startsWith('baseline:') ? [null, variant] : variant.split('×');
  return {
    variant,
    model,
    template,
    kind: template === null ? 'baseline' : 'llm',
    headline: 'hr@1',
    invalidShare: { value: invalid, lo: 0, hi: 0.05 },
    metrics: [{ key: 'hr@1', label: 'HR@1', all: { value, lo: value - 0.1, hi: value + 0.1 } }],
  } as unknown as VariantSummary;
}

test('one template: each LLM row is named by its model, a baseline by its id', () => {
  const s = [
    summary('builtin:choice×gpt-4o', 0.41),
    summary('builtin:choice×llama', 0.3),
    summary('baseline:popularity', 0.2),
  ];
  const names = variantNames(s);
  assert.deepEqual([...names.values()], ['gpt-4o', 'llama', 'baseline:popularity']);
  const row = variantRow(s[0], names.get(s[0].variant)!);
  assert.equal(row.label, 'gpt-4o · 0.410 [0.310, 0.510]');
  assert.equal(row.description, 'HR@1 · invalid 2.0% · builtin:choice×gpt-4o');
  assert.equal(row.spoken, 'builtin:choice×gpt-4o: HR@1 0.410, 95% interval 0.310 to 0.510; invalid 2.0%');
  assert.match(row.tooltip, /^builtin:choice×gpt-4o\nmodel gpt-4o; template builtin:choice\nHR@1 0\.410/);
  const base = variantRow(s[2], names.get(s[2].variant)!);
  assert.equal(base.description, 'HR@1 · invalid 2.0%', 'the name is the id: not said twice');
  assert.match(base.tooltip, /^baseline:popularity \(baseline\)\nHR@1/);
});

test('several templates: "model × template", every label distinct even with equal figures', () => {
  const s = ['builtin:rating×a', 'builtin:rating×b', 'terse×a', 'terse×b'].map((v) => summary(v, 0.5));
  const names = variantNames(s);
  const labels = s.map((x) => variantRow(x, names.get(x.variant)!).label);
  assert.deepEqual(labels, [
    'a × builtin:rating · 0.500 [0.400, 0.600]',
    'b × builtin:rating · 0.500 [0.400, 0.600]',
    'a × terse · 0.500 [0.400, 0.600]',
    'b × terse · 0.500 [0.400, 0.600]',
  ]);
});

test('names that would read alike fall back to the full variant ids', () => {
  // A model whose id is a baseline's id.
  const s = [summary('builtin:choice×baseline:popularity', 0.4), summary('baseline:popularity', 0.2)];
  const names = variantNames(s);
  assert.deepEqual([...names.values()], ['builtin:choice×baseline:popularity', 'baseline:popularity']);
});

test('a missing interval reads as a dash, and as "not available" to a screen reader', () => {
  const s = summary('builtin:choice×m', Number.NaN);
  const row = variantRow(s, 'm');
  assert.equal(row.label, 'm · – [–, –]');
  assert.match(row.spoken, /HR@1 not available, 95% interval not available to not available/);
});

test('errors show in the row: a model that never answered (a wrong key) does not read as a plain 0.000, invalid 0%', () => {
  const s = {
    ...summary('builtin:choice×keyless', 0, 0),
    errorShare: { value: 1, lo: 1, hi: 1 },
    counts: { cases: 10, observations: 10, users: 10, samples: 1, success: 0, invalid: 0, error: 10 },
  } as VariantSummary;
  const row = variantRow(s, 'keyless');
  assert.equal(row.label, 'keyless · no answer (10 errors)');
  assert.equal(row.description, 'HR@1 · invalid 0.0% · errors 100.0% · builtin:choice×keyless');
  assert.match(row.tooltip, /errors 100\.0%/);
  assert.match(row.spoken, /no answer, 10 errors/);
  // Some errors: the figure stays (errors score as the worst answer) and the error share stands beside it.
  const some = {
    ...s,
    errorShare: { value: 0.2, lo: 0.1, hi: 0.3 },
    counts: { ...s.counts, success: 8, error: 2 },
    metrics: [{ key: 'hr@1', label: 'HR@1', all: { value: 0.4, lo: 0.3, hi: 0.5 } }],
  } as VariantSummary;
  const r2 = variantRow(some, 'keyless');
  assert.equal(r2.label, 'keyless · 0.400 [0.300, 0.500]');
  assert.equal(r2.description, 'HR@1 · invalid 0.0% · errors 20.0% · builtin:choice×keyless');
});
