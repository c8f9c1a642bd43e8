// The run pickers' empty message: "run an eval first" only when there is no run at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noRunText } from '../../../src/extension/commands/noRunText';

test('a picker with runs to offer says nothing', () => {
  assert.equal(noRunText(3, 1, 'No run has invalid or error answers to re-run'), undefined);
});

test('no run at all: run an eval first', () => {
  assert.match(noRunText(0, 0, 'whatever')!, /No UBP runs in this workspace yet/);
});

test('runs, none fitting: the reason, never "no runs yet"', () => {
  const text = noRunText(2, 0, 'No run has invalid or error answers to re-run')!;
  assert.equal(text, 'No run has invalid or error answers to re-run (2 runs in this workspace).');
  assert.doesNotMatch(text, /run an eval first/);
});
