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

test('choice: labels become titles on both sides', () => {
  assert.equal(expectedHuman({ form: 'choice', label: 'B' }, { candidates }), 'B · Casino (1995)');
  assert.equal(predictedHuman({ form: 'choice', label: 'c' }, { candidates }), 'C · Fargo (1996)');
  assert.equal(
    predictedHuman({ form: 'choice', label: 'Z' }, { candidates }),
    'Z',
    'an unknown label stays as given',
  );
});

test('rating and binary read as stars and likes', () => {
  assert.equal(expectedHuman({ form: 'rating', value: 4.5 }, {}), '4.5 stars');
  assert.equal(predictedHuman({ form: 'rating', value: 1 }, {}), '1 star');
  assert.equal(expectedHuman({ form: 'binary', like: true, value: 4 }, {}), 'likes it (rated 4 stars)');
  assert.equal(
    predictedHuman({ form: 'binary', like: false, probability: 0.2 }, {}),
    'does not like it (probability 0.2)',
  );
});

test('ranking: the diff puts the true item first against the order given', () => {
  const r = {
    outcome: 'success',
    expected: { form: 'ranking', label: 'B' },
    prediction: { form: 'ranking', order: ['C', 'A', 'B'] },
  } as unknown as CaseResult;
  const { expected, actual } = diffSides(r, { candidates });
  assert.equal(expected, '1. B · Casino (1995)\n2. C · Fargo (1996)\n3. A · Heat (1995)');
  assert.equal(actual, '1. C · Fargo (1996)\n2. A · Heat (1995)\n3. B · Casino (1995)');
  assert.equal(failureHeadline(r, { candidates }, 'wrong'), 'wrong: B · Casino (1995) ranked 3 of 3');
});

test('invalid and error failures lead with their reason', () => {
  const r = {
    outcome: 'invalid',
    reason: 'no JSON object',
    expected: { form: 'choice', label: 'A' },
  } as CaseResult;
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
