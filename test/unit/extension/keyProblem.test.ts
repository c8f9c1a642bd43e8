// After a run stopped a model on a refused key, the end-of-run message offers to set that endpoint's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyProblemOrigin } from '../../../src/extension/commands/keyProblem';

const variants = [
  { model: 'popularity' },
  { model: 'gpt', origin: 'https://api.openai.com' },
  { model: 'local', origin: 'http://127.0.0.1:8000' },
];

test("a 401 or 403 names the stopped model's endpoint", () => {
  const reason = 'HTTP 401: Incorrect API key provided: sk-***';
  assert.equal(keyProblemOrigin([{ model: 'gpt', reason, notSent: 3 }], variants), 'https://api.openai.com');
  assert.equal(
    keyProblemOrigin([{ model: 'local', reason: 'HTTP 403: no access to the model', notSent: 0 }], variants),
    'http://127.0.0.1:8000',
  );
});

test('other fatal errors (a missing model, a dead endpoint) offer no key', () => {
  assert.equal(
    keyProblemOrigin([{ model: 'gpt', reason: 'HTTP 404: model not found', notSent: 1 }], variants),
    undefined,
  );
  assert.equal(keyProblemOrigin(undefined, variants), undefined);
  assert.equal(keyProblemOrigin([{ model: 'nowhere', reason: 'HTTP 401', notSent: 1 }], variants), undefined);
});
