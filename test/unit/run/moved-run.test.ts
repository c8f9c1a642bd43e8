// A run folder is the run, wherever it is: `ubp batch import` and `ubp rerun` on a folder that was moved, renamed
// or written by `ubp merge --out` outside `<root>/runs/` write into that folder, never into `<root>/runs/<id>`
// of some other root (which used to create a second, partial run, or append to the original run it was copied
// from, and drop a `.gitignore` of `*` two folders up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { listRuns, readRun } from '../../../src/core/run/store';
import { startTestServer } from '../../server/server';
import { bufferIO, tmpRoot } from './helpers';
import { exportedIds, vllmAnswer, vllmFailure } from '../batch/vllmOutput';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

test('batch import and rerun write into the run folder given, also when it is not <root>/runs/<id>', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const file = path.join(cwd, 'requests.jsonl');
  const exp = bufferIO(cwd);
  const endpoint = ['--endpoint', server.url, '--model', 'test-model'];
  assert.equal(await main(['batch', 'export', config, ...endpoint, '--out', file], exp), 0, exp.stderr());
  const [original] = listRuns(path.join(cwd, '.ubp'));
  // The user keeps the run somewhere else under a name of their own (copied from a cluster, say).
  const moved = path.join(cwd, 'results', 'my-run');
  cpSync(original!.dir, moved, { recursive: true });
  const baselineLines = (await readRun(moved)).results.length;
  assert.ok(baselineLines > 0);

  const requests = exportedIds(file);
  const output = requests.map((id, i) =>
    i < 3 ? vllmFailure(id, 'model overloaded') : vllmAnswer(id, '{"choice": "A"}'),
  );
  const results = path.join(cwd, 'results.jsonl');
  writeFileSync(results, output.join('\n') + '\n');
  const imp = bufferIO(cwd);
  assert.equal(await main(['batch', 'import', moved, results], imp), 4, imp.stdout() + imp.stderr());
  const afterImport = await readRun(moved);
  assert.equal(
    afterImport.results.length,
    baselineLines + requests.length,
    'the answers are in the folder given',
  );
  assert.equal(afterImport.results.filter((r) => r.outcome === 'error').length, 3);
  assert.equal((await readRun(original!.dir)).results.length, baselineLines, 'the original is untouched');
  assert.ok(!existsSync(path.join(cwd, 'runs')), 'no run made under the folder two levels up');
  assert.ok(!existsSync(path.join(cwd, '.gitignore')), 'no .gitignore dropped two levels up');

  const re = bufferIO(cwd);
  assert.equal(await main(['rerun', moved], re), 0, re.stdout() + re.stderr());
  const afterRerun = await readRun(moved);
  assert.equal(
    afterRerun.results.filter((r) => r.outcome === 'error').length,
    0,
    'the errors were asked again',
  );
  assert.equal(afterRerun.manifest.status, 'done');
  assert.equal(
    (await readRun(original!.dir)).results.length,
    baselineLines,
    'the original is still untouched',
  );
  assert.ok(!existsSync(path.join(cwd, 'runs')));
  assert.ok(!existsSync(path.join(cwd, '.gitignore')));
});
