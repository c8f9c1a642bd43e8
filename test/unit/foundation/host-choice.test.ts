// The integration harness picks the VS Code host: told by UBP_TEST_HOST, else desktop where it can be had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error the harness is plain JavaScript without declarations
import { chooseHost } from '../../harness/hostChoice.mjs';

type Choice = { host: string; why: string };
const choose = (env: Record<string, string>, electronCacheExists = false): Choice =>
  chooseHost({ env, electronCacheExists });

test('an explicit UBP_TEST_HOST wins', () => {
  assert.equal(choose({ UBP_TEST_HOST: 'electron' }).host, 'electron');
  assert.equal(choose({ UBP_TEST_HOST: 'code-server' }, true).host, 'code-server');
});

test('a bad UBP_TEST_HOST is an error naming the allowed values', () => {
  assert.throws(() => choose({ UBP_TEST_HOST: 'desktop' }), /"electron" or "code-server"/);
});

test('desktop VS Code is used when one is available', () => {
  assert.equal(choose({ VSCODE_EXECUTABLE_PATH: '/opt/code/code' }).host, 'electron');
  assert.equal(choose({}, true).host, 'electron');
});

test('code-server is the fallback, with the reason', () => {
  const c = choose({});
  assert.equal(c.host, 'code-server');
  assert.match(c.why, /no desktop VS Code/);
});
