// `ubp run --endpoint` against the local test server: the response cache, resume, and SIGINT in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { listRuns, readRun } from '../../../src/core/run/store';
import { startTestServer } from '../../server/server';
import { bufferIO, tmpRoot } from './helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');
const repo = path.resolve(__dirname, '../../..');

const io = bufferIO;

test('ubp run --endpoint: requests once; a re-run resumes with none; --new is served by the cache; --no-cache asks again', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const args = ['run', config, '--endpoint', server.url, '--model', 'test-model', '--models', 'test-model'];

  const a = io(cwd);
  assert.equal(await main(args, a), 0, a.stderr());
  assert.match(a.stdout(), /builtin-choice×test-model\s+30\s+0\.\d{3} \[/);
  assert.equal(server.stats().chatRequests, 30);

  const b = io(cwd);
  assert.equal(await main(args, b), 0, b.stderr());
  assert.match(b.stdout(), /resuming: 30 of 30 already done/);
  assert.equal(server.stats().chatRequests, 30, 'a finished run makes no request');

  const c = io(cwd);
  assert.equal(await main([...args, '--new'], c), 0, c.stderr());
  assert.equal(server.stats().chatRequests, 30, 'a fresh run of the same config is answered from the cache');
  assert.match(
    c.stdout(),
    /30 of \d+ answers came from the response cache \(run with --no-cache to ask the models again\)/,
  );
  const fresh = listRuns(path.join(cwd, '.ubp')).find((r) => r.id.endsWith('-2'))!;
  const cached = (await readRun(fresh.dir)).results;
  assert.equal(cached.length, 30);
  assert.ok(cached.every((r) => r.cached === true));

  const d = io(cwd);
  assert.equal(await main([...args, '--new', '--no-cache'], d), 0, d.stderr());
  assert.equal(server.stats().chatRequests, 60);
});

test('SIGINT cancels a CLI run cleanly (exit 130, status cancelled); running again finishes it', async (t) => {
  const server = await startTestServer({ latencyMs: 60_000 });
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const runsDir = path.join(cwd, '.ubp');
  const args = ['run', config, '--endpoint', server.url, '--model', 'test-model', '--concurrency', '4'];
  // tsx needs the repository as the working folder; the run store goes to the temporary one.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), ...args, '--runs-dir', runsDir],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  // Wait on the server's state: the pool is full of hanging requests.
  while (server.stats().log.filter((r) => r.prompt && r.respondedAt === undefined).length < 4) {
    assert.equal(exitCode, undefined, `the CLI ended early: ${stderr}`);
    await new Promise((r) => setImmediate(r));
  }
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /cancelling/);
  const [run] = listRuns(path.join(cwd, '.ubp'));
  assert.equal(run!.manifest.status, 'cancelled');
  assert.equal(run!.activeBy, null, 'the lock was released');
  const before = await readRun(run!.dir);
  assert.equal(
    before.results.filter((r) => r.model === 'test-model').length,
    0,
    'cancelled requests leave no line',
  );

  server.setLatency(0);
  const again = io(cwd);
  assert.equal(await main(args, again), 0, again.stderr());
  const after = await readRun(run!.dir);
  assert.equal(after.manifest.status, 'done');
  assert.equal(after.results.filter((r) => r.model === 'test-model').length, 30);
});

test('SIGINT while the data loads: exit 130 and a line saying so, nothing run', async (t) => {
  const cwd = tmpRoot(t);
  const before = process.listenerCount('SIGINT');
  const a = io(cwd);
  const running = main(['run', config], a);
  // The CLI listens for Ctrl-C from the moment it starts preparing: the config and the data load next.
  while (process.listenerCount('SIGINT') === before) await new Promise((r) => setImmediate(r));
  process.emit('SIGINT');
  assert.equal(await running, 130, a.stderr());
  assert.match(a.stderr(), /interrupted while loading the data; nothing was run/);
  assert.doesNotMatch(a.stdout(), /run mini-choice/, 'no run was announced');
  assert.deepEqual(listRuns(path.join(cwd, '.ubp')), [], 'no run folder');
  assert.equal(process.listenerCount('SIGINT'), before, 'its listener is gone');
});
