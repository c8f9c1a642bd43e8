// `ubp rerun` against the local test server: exactly the failed units are asked again (counted at the server),
// their new lines win, the run keeps its start time and records the re-run; nothing to re-run is said so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { listRuns, readRun } from '../../../src/core/run/store';
import { failureOf, selectRerunUnits } from '../../../src/core/run/rerun';
import { scoringContext } from '../../../src/core/scoring/report';
import { startTestServer } from '../../server/server';
import { bufferIO, tmpRoot } from './helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

test('ubp rerun re-asks exactly the invalid answers, then says there is nothing left; --outcome wrong re-asks the wrong ones', async (t) => {
  // A third of the prompts get prose instead of an answer on their first request only: invalid, then fine.
  const server = await startTestServer({
    faults: { rate: 0.3, kinds: ['nonjson'], maxPerPrompt: 1, seed: 7 },
  });
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const run = bufferIO(cwd);
  const args = [
    'run',
    config,
    '--endpoint',
    server.url,
    '--model',
    'test-model',
    '--models',
    'test-model,popularity',
  ];
  assert.equal(await main(args, run), 0, run.stderr());
  const [listing] = listRuns(path.join(cwd, '.ubp'));
  const before = await readRun(listing!.dir);
  const invalid = before.results.filter((r) => r.outcome === 'invalid');
  assert.ok(invalid.length > 0 && invalid.length < 30, `some invalid answers (${invalid.length})`);
  assert.ok(invalid.every((r) => r.model === 'test-model'));
  const requestsBefore = server.stats().chatRequests;
  const linesBefore = readFileSync(path.join(listing!.dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n').length;

  const re = bufferIO(cwd);
  assert.equal(await main(['rerun', listing!.id], re), 0, re.stderr());
  assert.match(re.stdout(), new RegExp(`re-asking ${invalid.length} invalid, error units?`));
  assert.equal(server.stats().chatRequests - requestsBefore, invalid.length, 'one request per invalid unit');
  const after = await readRun(listing!.dir);
  const lines = readFileSync(path.join(listing!.dir, 'results.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, linesBefore + invalid.length, 'new lines appended, none rewritten');
  for (const r of invalid) {
    const now = after.results.find((x) => x.caseId === r.caseId && x.variant === r.variant)!;
    assert.equal(now.outcome, 'success', `${r.caseId} answered on the re-run`);
    assert.notEqual(now.cached, true);
  }
  const m = after.manifest;
  assert.equal(m.startedAt, before.manifest.startedAt, 'the run keeps its start time');
  assert.equal(m.status, 'done');
  assert.equal(m.totals.invalid, 0);
  assert.equal(m.totals.success, 60);
  assert.equal(m.totals.units, 60);
  assert.equal(m.resumes, before.manifest.resumes, 'a re-run is not a resume');
  assert.equal(m.reruns?.length, 1);
  assert.deepEqual(
    { outcomes: m.reruns![0]!.outcomes, units: m.reruns![0]!.units, finished: m.reruns![0]!.finished },
    { outcomes: ['invalid', 'error'], units: invalid.length, finished: invalid.length },
  );

  const again = bufferIO(cwd);
  assert.equal(await main(['rerun', listing!.dir], again), 0, again.stderr());
  assert.match(again.stdout(), /nothing to re-run/);
  assert.equal(
    server.stats().chatRequests - requestsBefore,
    invalid.length,
    'no request when nothing failed',
  );

  const ctx = scoringContext(m);
  const wrong = after.results.filter((r) => r.model === 'test-model' && failureOf(r, ctx) === 'wrong');
  assert.ok(wrong.length > 0, 'the test server answers some cases wrongly');
  const requestsWrong = server.stats().chatRequests;
  const w = bufferIO(cwd);
  assert.equal(
    await main(['rerun', listing!.id, '--outcome', 'wrong', '--models', 'test-model'], w),
    0,
    w.stderr(),
  );
  assert.equal(server.stats().chatRequests - requestsWrong, wrong.length, 'one request per wrong answer');
  assert.equal((await readRun(listing!.dir)).manifest.reruns?.length, 2);

  assert.equal(
    readFileSync(path.join(cwd, '.ubp', '.gitignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .join(),
    '*',
  );
});

test('selectRerunUnits: outcomes, models and named units', async (t) => {
  const server = await startTestServer({
    faults: { rate: 0.3, kinds: ['nonjson'], maxPerPrompt: 1, seed: 7 },
  });
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const io = bufferIO(cwd);
  assert.equal(
    await main(
      ['run', config, '--endpoint', server.url, '--model', 'test-model', '--models', 'test-model,popularity'],
      io,
    ),
    0,
    io.stderr(),
  );
  const { manifest, results } = await readRun(listRuns(path.join(cwd, '.ubp'))[0]!.dir);
  const invalid = results.filter((r) => r.outcome === 'invalid');
  assert.equal(selectRerunUnits(manifest, results).length, invalid.length);
  assert.equal(
    selectRerunUnits(manifest, results, { models: ['popularity'] }).length,
    0,
    'baselines never answer invalid',
  );
  const ctx = scoringContext(manifest);
  const wrongPop = results.filter((r) => r.model === 'popularity' && failureOf(r, ctx) === 'wrong').length;
  assert.equal(
    selectRerunUnits(manifest, results, { outcomes: ['wrong'], models: ['popularity'] }).length,
    wrongPop,
  );
  const one = results.find((r) => r.outcome === 'success')!;
  const picked = selectRerunUnits(manifest, results, {
    units: [{ caseId: one.caseId, variant: one.variant, sample: 0 }],
  });
  assert.deepEqual(
    picked.map((r) => r.caseId),
    [one.caseId],
    'a named unit is chosen whatever its outcome',
  );
  assert.ok(existsSync(path.join(cwd, '.ubp', '.gitignore')));
});

test('ubp rerun --models with a model the run has not is an error, not "nothing to re-run"', async (t) => {
  const cwd = tmpRoot(t);
  const run = bufferIO(cwd);
  assert.equal(await main(['run', config], run), 0, run.stderr());
  const [listing] = listRuns(path.join(cwd, '.ubp'));
  const re = bufferIO(cwd);
  assert.equal(await main(['rerun', listing!.id, '--models', 'baseline:popularty'], re), 1);
  assert.match(re.stderr(), /--models names "baseline:popularty", not in run .* \(models: baseline:random, /);
  assert.doesNotMatch(re.stdout(), /nothing to re-run/);
  const ok = bufferIO(cwd);
  assert.equal(await main(['rerun', listing!.id, '--models', 'baseline:popularity'], ok), 0, ok.stderr());
  assert.match(ok.stdout(), /nothing to re-run/);
});

test('SIGINT while ubp rerun loads the data: exit 130 and a line saying so, nothing re-asked', async (t) => {
  const server = await startTestServer({
    faults: { rate: 0.3, kinds: ['nonjson'], maxPerPrompt: 1, seed: 7 },
  });
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const run = bufferIO(cwd);
  const args = ['run', config, '--endpoint', server.url, '--model', 'test-model', '--models', 'test-model'];
  assert.equal(await main(args, run), 0, run.stderr());
  const [listing] = listRuns(path.join(cwd, '.ubp'));
  const linesBefore = readFileSync(path.join(listing!.dir, 'results.jsonl'), 'utf8');
  const requestsBefore = server.stats().chatRequests;

  const before = process.listenerCount('SIGINT');
  const re = bufferIO(cwd);
  const rerunning = main(['rerun', listing!.id], re);
  // The CLI listens for Ctrl-C from the moment it starts preparing: the config and the data load next.
  while (process.listenerCount('SIGINT') === before) await new Promise((r) => setImmediate(r));
  process.emit('SIGINT');
  assert.equal(await rerunning, 130, re.stderr());
  assert.match(re.stderr(), /interrupted while loading the data; nothing was re-asked/);
  assert.doesNotMatch(re.stdout(), /re-asking/, 'no re-run was announced');
  assert.equal(server.stats().chatRequests, requestsBefore, 'no request sent');
  assert.equal(
    readFileSync(path.join(listing!.dir, 'results.jsonl'), 'utf8'),
    linesBefore,
    'no line written',
  );
  assert.equal(process.listenerCount('SIGINT'), before, 'its listener is gone');
});
