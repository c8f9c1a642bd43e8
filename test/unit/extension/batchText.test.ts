// Batch mode's words in the extension: the Runs tree's batch progress and the choice offered by "Run UBP Eval".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchLines,
  batchProgress,
  runModeChoices,
  type BatchOfferLike,
} from '../../../src/extension/batchText';
import type { BatchRecord } from '../../../src/core';

const at = '2026-12-07T06:00:00.000Z';
const part = (name: string, patch: Partial<BatchRecord>): BatchRecord => ({
  name,
  format: 'openai',
  model: 'gpt',
  requests: 100,
  bytes: 1000,
  status: 'in_progress',
  createdAt: at,
  updatedAt: at,
  ...patch,
});

test('open batches: their states and answered count, imported and never-created ones left out', () => {
  const batches = [
    part('p1', { batchId: 'b1', counts: { total: 100, completed: 40, failed: 2 } }),
    part('p2', { batchId: 'b2', status: 'validating' }),
    part('p3', {
      batchId: 'b3',
      status: 'completed',
      importedAt: at,
      counts: { total: 50, completed: 50, failed: 0 },
    }),
    part('p4', { status: 'not-created', error: 'HTTP 400' }),
  ];
  assert.equal(batchProgress(batches), '2 batches in_progress, validating · 42/200 answered');
  assert.equal(batchProgress(batches.slice(2)), '1 batch imported');
  assert.equal(batchProgress([part('p4', { error: 'x' })]), 'no batch sent');
  const lines = batchLines(batches);
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^p1 · gpt: in_progress, 40 done, 2 failed of 100$/);
  assert.match(lines[2]!, /\(imported\)$/);
  assert.match(lines[3]!, /not created: HTTP 400/);
});

const offer = (o: Partial<BatchOfferLike>): BatchOfferLike => ({
  models: [{ id: 'gpt' }],
  refused: [],
  costUsd: 0.05,
  ...o,
});

test('both modes with their estimates when every model can batch', () => {
  const choices = runModeChoices(0.1, offer({}));
  assert.deepEqual(
    choices?.map((c) => [c.mode, c.label]),
    [
      ['interactive', 'Interactive — est. $0.1000'],
      ['batch', 'Batch (about half price, results within 24 h) — est. $0.0500'],
    ],
  );
  assert.match(runModeChoices(null, offer({ costUsd: null }))![1]!.label, /cost unknown$/);
});

test('no batch offer when a model cannot batch or there is no model', () => {
  assert.equal(
    runModeChoices(0.1, offer({ refused: [{ id: 'llama', reason: 'a local server' }] })),
    undefined,
  );
  assert.equal(runModeChoices(0, offer({ models: [] })), undefined);
});
