// Human text of expected and predicted values, and where a config names its models and baselines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffSides, expectedHuman, failureHeadline, predictedHuman } from '../../../src/extension/caseText';
import { baselineEntryAt, modelEntryAt } from '../../../src/extension/configLocations';
import type { CaseResult, Candidate } from '../../../src/core';

const candidates: Candidate[] = ['Heat (1995)', 'Casino (1995)', 'Fargo (1996)'].map((title, i) => ({
  label: 'ABC'[i]!,
  item: `m${i}`,
  title,
  genres: [],
}));

test('choice: the true item and the answer are named by their titles', () => {
  assert.match(
    expectedHuman({ form: 'choice', label: 'B' }, { candidates, target: candidates[1] }),
    /Casino \(1995\)/,
  );
  assert.match(predictedHuman({ form: 'choice', label: 'C' }, { candidates }), /Fargo \(1996\)/);
});

test('rating and binary read as stars and likes', () => {
  assert.match(expectedHuman({ form: 'rating', value: 4.5 }, {}), /4\.5 star/);
  assert.match(expectedHuman({ form: 'binary', like: true, value: 4 }, {}), /like/);
});

test('ranking: the diff puts the true item first against the order given, in the same words', () => {
  const r = {
    outcome: 'success',
    expected: { form: 'ranking', label: 'B' },
    prediction: { form: 'ranking', order: ['C', 'A', 'B'] },
  } as unknown as CaseResult;
  const { expected, actual } = diffSides(r, { candidates });
  assert.ok(expected.indexOf('Casino') < expected.indexOf('Fargo'), expected);
  assert.ok(
    actual.indexOf('Fargo') < actual.indexOf('Heat') && actual.indexOf('Heat') < actual.indexOf('Casino'),
    actual,
  );
  assert.equal(expected.replace('Casino (1995)', '').length, actual.replace('Casino (1995)', '').length);
  assert.equal(failureHeadline(r, { candidates }, 'wrong'), 'wrong: B · Casino (1995) ranked 3 of 3');
});

test('invalid and error failures lead with their reason', () => {
  const r = {
    outcome: 'invalid',
    reason: 'no JSON object',
    expected: { form: 'choice', label: 'A' },
  } as unknown as CaseResult;
  assert.equal(failureHeadline(r, {}, 'invalid'), 'invalid: no JSON object');
  assert.equal(diffSides(r, {}).actual, '(invalid: no answer)');
});

test('entries of models and baselines are found in the config text', () => {
  const text = JSON.stringify(
    {
      name: 'x',
      models: [
        { id: 'gpt-a', model: 'a' },
        { id: 'gpt.b', model: 'b' },
      ],
      baselines: ['random', 'popularity'],
    },
    null,
    2,
  );
  const lines = text.split('\n');
  assert.equal(
    modelEntryAt(text, 'gpt.b')?.line,
    lines.findIndex((l) => l.includes('"id": "gpt.b"')),
  );
  assert.equal(modelEntryAt(text, 'gpt'), undefined, 'ids match whole, not by prefix');
  assert.equal(
    baselineEntryAt(text, 'popularity')?.line,
    lines.findIndex((l) => l.includes('"popularity"')),
  );
  assert.equal(baselineEntryAt('{"models": []}', 'random'), undefined);
});

test('a config without "baselines" runs the form\'s default baselines: they point at the task\'s "form"', () => {
  // What "New Eval…" writes: no baselines key, so a run has the form's baselines and CodeLens and Test Explorer
  // must still find a line for them (they showed nothing for a new user's first run).
  const text =
    '{\n  "name": "first",\n  "task": {\n    "form": "choice",\n    "users": 200\n  },\n  "models": []\n}\n';
  assert.deepEqual(baselineEntryAt(text, 'popularity'), { line: 3, character: 4 });
  // A "baselines" key decides: a baseline not in it is not pointed at the form.
  // (Both keys on one line: only the character tells the "baselines" key, at 29, from "form", at 10.)
  assert.deepEqual(baselineEntryAt('{"task": {"form": "choice"}, "baselines": []}', 'random'), {
    line: 0,
    character: 29,
  });
});
