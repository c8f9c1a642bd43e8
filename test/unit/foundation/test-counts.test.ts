// npm test's closing line sums the layers' counts: the parsers must read each runner's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain JavaScript script
import { nodeTestCounts, mochaCounts } from '../../../scripts/test-counts.mjs';

test('node:test spec summaries are summed', () => {
  const out = '✔ a (1ms)\nℹ tests 3\nℹ pass 2\nℹ fail 1\n…\nℹ pass 5\nℹ fail 0\n';
  assert.deepEqual(nodeTestCounts(out), { passed: 7, failed: 1 });
  assert.equal(nodeTestCounts('crashed before any summary'), null);
});

test('the mocha result line is read, the last one wins', () => {
  assert.deepEqual(mochaCounts('x\nUBP_MOCHA_RESULT {"passed":4,"failed":0}\n'), { passed: 4, failed: 0 });
  assert.equal(mochaCounts('no line'), null);
  assert.deepEqual(
    mochaCounts('UBP_MOCHA_RESULT {"passed":4,"failed":1}\nUBP_HARNESS_RESULT {"passed":0,"failed":1}\n'),
    { passed: 4, failed: 2 },
  );
});
