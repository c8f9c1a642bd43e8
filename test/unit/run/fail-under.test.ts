// `ubp run --fail-under`: the CI gate exits 3 and names the model and metric that fell short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { bufferIO, tmpRoot } from './helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

const io = bufferIO;

test('--fail-under passes when every variant reaches the bar and exits 3 naming those that do not', async (t) => {
  const cwd = tmpRoot(t);
  const low = io(cwd);
  assert.equal(
    await main(['run', config, '--fail-under', 'hr@1>=0', '--fail-under', 'invalid<=0'], low),
    0,
    low.stderr(),
  );
  assert.match(low.stdout(), /fail-under: all 6 checks passed/);

  const high = io(cwd);
  assert.equal(await main(['run', config, '--fail-under', 'hr@1=1.01'], high), 3);
  // The run itself resumed (nothing to do) and every baseline fell short of an impossible bar.
  for (const b of ['random', 'popularity', 'item-knn'])
    assert.match(high.stderr(), new RegExp(`fail-under: baseline:${b}: .*HR@1.* = 0\\.\\d{4}`));
});

test('a malformed --fail-under is a usage error before anything runs', async (t) => {
  const cwd = tmpRoot(t);
  const bad = io(cwd);
  assert.equal(await main(['run', config, '--fail-under', 'ndcg@10 at least 0.3'], bad), 1);
  assert.match(bad.stderr(), /--fail-under: bad threshold "ndcg@10 at least 0.3"/);
  assert.doesNotMatch(bad.stdout(), /run mini-choice/);
});

test('a --fail-under metric the task form has not is an error before anything is sent', async (t) => {
  const cwd = tmpRoot(t);
  const bad = io(cwd);
  // A choice run has no NDCG or RMSE: said before the run, not after paying for it.
  assert.equal(await main(['run', config, '--fail-under', 'ndcg@10>=0.3'], bad), 1);
  assert.match(bad.stderr(), /--fail-under: unknown metric "ndcg@10" for a choice run \(known: accuracy/);
  assert.doesNotMatch(bad.stdout(), /\d+\/\d+ \(\d+%\)|done:/, 'nothing ran');
  assert.deepEqual(readdirSync(cwd), [], 'no run folder was made');
});
