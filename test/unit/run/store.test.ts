import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  chooseRunId,
  listRuns,
  openRunStore,
  readRun,
  readRunManifest,
  RUN_RESULTS_FILE,
  runSlug,
} from '../../../src/core/run/store';
import { buildReport } from '../../../src/core/scoring/report';
import { RunLockedError } from '../../../src/core/run/lock';
import type { CaseResult } from '../../../src/core/types';
import { manifestFor, tmpRoot } from './helpers';

function line(caseId: string, outcome: CaseResult['outcome'], extra: Partial<CaseResult> = {}): CaseResult {
  return {
    caseId,
    variant: 'v',
    model: 'm',
    template: 't',
    sample: 0,
    user: 'u',
    form: 'choice',
    outcome,
    expected: { form: 'choice', label: 'A' },
    historyLength: 5,
    targetPopularity: 1,
    latencyMs: 1,
    finishedAt: new Date(0).toISOString(),
    ...extra,
  };
}

test('readers take the last line per unit and ignore a torn last line; the next writer cuts it off', async (t) => {
  const root = tmpRoot(t);
  const s = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  s.append(line('c1', 'error', { reason: 'timeout' }));
  s.append(line('c2', 'success'));
  s.append(line('c1', 'success', { raw: 'A' }));
  s.close({ status: 'done' });
  const file = path.join(root, 'runs', 'r', RUN_RESULTS_FILE);
  appendFileSync(file, '{"caseId":"c3","variant":"v","sa'); // a crash mid-write
  const r = await readRun('r', root);
  assert.equal(r.results.length, 2);
  assert.equal(r.results.find((x) => x.caseId === 'c1')!.raw, 'A');
  assert.equal(r.scan.tornTail, true);

  const s2 = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  assert.equal(s2.previous.get('c1\u0000v\u00000'), 'success');
  assert.equal(s2.previous.size, 2);
  s2.append(line('c3', 'invalid', { reason: 'no JSON' }));
  s2.close({ status: 'done' });
  const text = readFileSync(file, 'utf8');
  assert.equal(text.split('\n').filter(Boolean).length, 4);
  assert.ok(text.endsWith('\n'));
  for (const l of text.split('\n').filter(Boolean)) JSON.parse(l); // every line whole
  const r2 = await readRun(path.join(root, 'runs', 'r'));
  assert.deepEqual(r2.results.map((x) => x.outcome).sort(), ['invalid', 'success', 'success']);
  assert.equal(r2.scan.tornTail, false);
});

test('a corrupt middle line is counted and skipped', async (t) => {
  const root = tmpRoot(t);
  const s = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  s.append(line('c1', 'success'));
  s.close({ status: 'done' });
  const file = path.join(root, 'runs', 'r', RUN_RESULTS_FILE);
  appendFileSync(file, 'not json\n' + JSON.stringify(line('c2', 'success')) + '\n');
  const r = await readRun('r', root);
  assert.equal(r.scan.corrupt, 1);
  assert.equal(r.results.length, 2);
});

test('the lock: a second writer is refused with the holder named; released on close', async (t) => {
  const root = tmpRoot(t);
  const s = await openRunStore({ root, runId: 'r', manifest: manifestFor(), tool: 'ubp run' });
  await assert.rejects(openRunStore({ root, runId: 'r', manifest: manifestFor() }), (e: unknown) => {
    assert.ok(e instanceof RunLockedError);
    assert.match(e.message, new RegExp(`in use by ubp run \\(pid ${process.pid} on ${os.hostname()}`));
    return true;
  });
  assert.equal(listRuns(root)[0]!.activeBy?.pid, process.pid);
  s.close({ status: 'done' });
  const again = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  again.close({ status: 'done' });
  assert.equal(listRuns(root)[0]!.activeBy, null);
});

test('the lock of a dead process is stale and taken over; a lock from another host is not', async (t) => {
  const root = tmpRoot(t);
  const dir = path.join(root, 'runs', 'r');
  mkdirSync(dir, { recursive: true });
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const deadPid = Number(child.stdout.toString());
  writeFileSync(
    path.join(dir, 'lock'),
    JSON.stringify({ pid: deadPid, hostname: os.hostname(), startedAt: 'x' }),
  );
  const s = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  assert.equal(s.tookOverFrom?.pid, deadPid);
  s.close({ status: 'done' });

  writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: 'x' }));
  await assert.rejects(
    openRunStore({ root, runId: 'r', manifest: manifestFor() }),
    /pid 1 on elsewhere.*delete .*lock/,
  );
});

test('a killed writer leaves status running: listRuns reports it as interrupted', async (t) => {
  const root = tmpRoot(t);
  const s = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  assert.equal(listRuns(root)[0]!.interrupted, false);
  // Simulate the kill: the lock names a dead pid, the manifest still says running.
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  s.close({ status: 'running' });
  writeFileSync(
    path.join(root, 'runs', 'r', 'lock'),
    JSON.stringify({ pid: Number(child.stdout.toString()), hostname: os.hostname(), startedAt: 'x' }),
  );
  const [run] = listRuns(root);
  assert.equal(readRunManifest(run!.dir).status, 'running', 'the file still says running');
  assert.equal(run!.manifest.status, 'interrupted', 'readers say interrupted');
  assert.equal(run!.interrupted, true);
  assert.equal((await readRun(run!.dir)).manifest.status, 'interrupted');
});

test('run ids: resume the latest of a base, --new takes the next free suffix', (t) => {
  const root = tmpRoot(t);
  assert.equal(runSlug('My Eval: ratings!'), 'my-eval-ratings');
  assert.equal(chooseRunId(root, 'e-1234abcd', false), 'e-1234abcd');
  assert.equal(chooseRunId(root, 'e-1234abcd', true), 'e-1234abcd');
  mkdirSync(path.join(root, 'runs', 'e-1234abcd'), { recursive: true });
  assert.equal(chooseRunId(root, 'e-1234abcd', false), 'e-1234abcd');
  assert.equal(chooseRunId(root, 'e-1234abcd', true), 'e-1234abcd-2');
  mkdirSync(path.join(root, 'runs', 'e-1234abcd-2'));
  mkdirSync(path.join(root, 'runs', 'e-1234abcd-10'));
  assert.equal(chooseRunId(root, 'e-1234abcd', false), 'e-1234abcd-10');
  assert.equal(chooseRunId(root, 'e-1234abcd', true), 'e-1234abcd-11');
});

test('a run made from other data is refused on resume', async (t) => {
  const root = tmpRoot(t);
  (await openRunStore({ root, runId: 'r', manifest: manifestFor() })).close({ status: 'done' });
  const other = manifestFor();
  other.dataset = { ...other.dataset, fingerprint: '0'.repeat(64) };
  await assert.rejects(openRunStore({ root, runId: 'r', manifest: other }), /different data.*--new/);
  // The refusal released the lock.
  (await openRunStore({ root, runId: 'r', manifest: manifestFor() })).close({ status: 'done' });
});

test('a run built under other case rules (casesVersion) is refused on resume, saying why', async (t) => {
  const root = tmpRoot(t);
  // A run from before casesVersion was recorded counts as version 1.
  (await openRunStore({ root, runId: 'old', manifest: manifestFor() })).close({ status: 'done' });
  const now = { ...manifestFor(), casesVersion: 2 };
  await assert.rejects(
    openRunStore({ root, runId: 'old', manifest: now }),
    /case rules version 1 .* version 2 .*--new/,
  );
  // The same version resumes.
  (await openRunStore({ root, runId: 'v2', manifest: now })).close({ status: 'done' });
  const again = await openRunStore({ root, runId: 'v2', manifest: now });
  assert.equal(again.resumed, true);
  assert.equal(again.manifest().casesVersion, 2);
  again.close({ status: 'done' });
});

test('durations are real: activeMs sums the sessions (gaps left out) and is the report duration', async (t) => {
  const root = tmpRoot(t);
  const busy = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const a = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  busy(60);
  a.updateManifest({ updatedAt: new Date().toISOString() });
  const live = a.manifest().activeMs!;
  assert.ok(live >= 60 && live < 5000, `live activeMs ${live}`);
  a.close({ status: 'cancelled' });
  const first = readRunManifest(path.join(root, 'runs', 'r')).activeMs!;
  busy(500); // a gap between sessions: not counted
  const b = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  busy(60);
  b.close({ status: 'done' });
  const total = readRunManifest(path.join(root, 'runs', 'r')).activeMs!;
  // The second session took 60 ms plus opening and closing (slow on a loaded machine), never the 500 ms gap.
  assert.ok(total >= first + 60 && total < first + 500, `first ${first}, total ${total}`);
  const report = buildReport((await readRun(path.join(root, 'runs', 'r'))).manifest, []);
  assert.equal(report.run.durationMs, total);
});
