// Batch mode's words in the extension: the Runs tree's batch row and tooltip, the Cancel Batch confirmation and
// the choice offered by "Run UBP Eval".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchFigures,
  batchLines,
  batchProgress,
  batchRunLabel,
  cancelPrompt,
  isCancellable,
  isCancelling,
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

// `completed` counts every answered request, failed ones included (the engine's BatchCounts).
const batches = [
  part('p1', { batchId: 'b1', counts: { total: 100, completed: 42, failed: 2 } }),
  part('p2', { batchId: 'b2', status: 'validating' }),
  part('p3', {
    batchId: 'b3',
    status: 'completed',
    terminal: true,
    importedAt: at,
    imported: { lines: 50, notRun: 0 },
    counts: { total: 50, completed: 50, failed: 0 },
  }),
  part('p4', { status: 'not-created', terminal: true, error: 'HTTP 400' }),
];

test('the row: batches done of those sent, and requests answered of all, in the locale', () => {
  assert.deepEqual(batchFigures(batches), { sent: 3, ended: 1, done: 92, total: 250 });
  assert.equal(batchRunLabel(batches, 'en-US'), 'batch · 1 of 3 done · 92/250 requests');
  const big = [
    part('a', { batchId: 'x', counts: { total: 1500, completed: 1204, failed: 0 } }),
    part('b', {
      batchId: 'y',
      status: 'completed',
      terminal: true,
      counts: { total: 500, completed: 500, failed: 3 },
    }),
    part('c', {
      batchId: 'z',
      status: 'expired',
      terminal: true,
      importedAt: at,
      counts: { total: 0, completed: 0, failed: 0 },
    }),
  ];
  // A batch the provider has not counted yet (total 0) counts its requests.
  assert.equal(batchRunLabel(big, 'en-US'), 'batch · 2 of 3 done · 1,704/2,100 requests');
  assert.equal(batchRunLabel(big, 'de-DE'), 'batch · 2 of 3 done · 1.704/2.100 requests');
  assert.equal(batchRunLabel([part('p4', { error: 'x' })]), 'batch · no batch sent');
});

test('open batches: their states and answered count, imported and never-created ones left out', () => {
  assert.equal(batchProgress(batches), '2 batches in_progress, validating · 42/200 answered');
  assert.equal(batchProgress(batches.slice(2)), '1 batch imported');
  assert.equal(batchProgress([part('p4', { error: 'x' })]), 'no batch sent');
});

test('the tooltip: one line per batch with its provider id, state, counts, created and expiry dates', () => {
  const date = (iso: string) => `<${iso.slice(0, 10)}>`;
  const lines = batchLines(
    [{ ...batches[0]!, expiresAt: '2026-12-08T06:00:00.000Z' }, ...batches.slice(1)],
    date,
    'en-US',
  );
  assert.deepEqual(lines, [
    'p1 · gpt · b1: in_progress · 42/100 done, 2 failed · created <2026-12-07> · expires <2026-12-08>',
    'p2 · gpt · b2: validating · 100 requests · created <2026-12-07>',
    // Ended: no expiry any more.
    'p3 · gpt · b3: completed · 50/50 done · created <2026-12-07> · imported',
    'p4 · gpt: not-created (not created: HTTP 400)',
  ]);
});

test('cancel: only running batches, the pending count, and that answered requests are billed', () => {
  assert.deepEqual(
    batches.map((b) => isCancellable(b)),
    [true, true, false, false],
  );
  const cancelling = part('c', { batchId: 'c', status: 'cancelling' });
  assert.equal(isCancellable(cancelling), false);
  assert.equal(isCancelling([...batches, cancelling]), true);
  assert.equal(isCancelling(batches), false);
  assert.equal(isCancelling([{ ...cancelling, status: 'cancelled', terminal: true }]), false);
  assert.equal(batchRunLabel([cancelling], 'en-US'), 'batch cancelling · 0 of 1 done · 0/100 requests');
  const p = cancelPrompt('movies', batches, 'en-US');
  assert.ok(p);
  assert.equal(p.message, 'Cancel its 2 open batches of "movies"? 158 of 200 requests are still pending.');
  assert.match(p.detail, /The 42 requests answered so far \(as last checked\) are billed all the same/);
  assert.match(cancelPrompt('m', [batches[0]!])!.message, /^Cancel its open batch of "m"\? 58 of 100/);
  // Nothing answered as last polled: no "0 requests", but answers may still land before the provider stops.
  assert.match(
    cancelPrompt('m', [batches[1]!])!.detail,
    /Requests answered before the provider stops are billed all the same/,
  );
  assert.equal(cancelPrompt('movies', batches.slice(2)), undefined);
});

const offer = (o: Partial<BatchOfferLike>): BatchOfferLike => ({
  models: [{ id: 'gpt' }],
  refused: [],
  costUsd: 0.05,
  ...o,
});

test('both modes with their estimates when every model can batch', () => {
  const choices = runModeChoices(0.1, offer({}), 60);
  assert.deepEqual(
    choices?.map((c) => [c.mode, c.label]),
    [
      ['interactive', 'Interactive — est. $0.1000'],
      ['batch', 'Batch (about half price, results within 24 h) — est. $0.0500'],
    ],
  );
  assert.match(choices![1]!.detail, /the Runs tree checks them/);
  assert.match(runModeChoices(0.1, offer({}), 0)![1]!.detail, /refresh the run in the Runs tree/);
  assert.match(runModeChoices(null, offer({ costUsd: null }))![1]!.label, /cost unknown$/);
});

test('no batch offer when a model cannot batch or there is no model', () => {
  assert.equal(
    runModeChoices(0.1, offer({ refused: [{ id: 'llama', reason: 'a local server' }] })),
    undefined,
  );
  assert.equal(runModeChoices(0, offer({ models: [] })), undefined);
});

test('the tooltip of an offline export: its file, and what an import found once it was imported', () => {
  const exported = part('export-1', { format: 'offline', file: 'requests.jsonl', status: 'exported' });
  const imported = {
    ...exported,
    status: 'imported',
    importedAt: at,
    imported: { lines: 1200, notRun: 34 },
    requests: 1234,
  };
  assert.deepEqual(batchLines([exported, imported], undefined, 'en-US'), [
    'export-1 · gpt: exported → requests.jsonl · 100 requests',
    'export-1 · gpt: imported → requests.jsonl · 1,234 requests · 1,200 imported, 34 never ran',
  ]);
});
