// Reliability of the runner against the local OpenAI-compatible test server, through the real client:
// injected faults, kill -9 and resume, cancel and resume. Synchronised on events and server state, never sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promptHash, startTestServer, now, type TestServer } from '../../server/server';
import { readRun, readRunManifest } from '../../../src/core/run/store';
import type { CaseResult } from '../../../src/core/types';
import { tmpRoot } from './helpers';
import { renderCase, startServerRun } from './serverRun';

/** A result without what legitimately differs between two runs of the same cases. */
function comparable(r: CaseResult): Partial<CaseResult> {
  const { latencyMs: _l, finishedAt: _f, attempts: _a, cached: _c, ...rest } = r;
  return rest;
}
function byCase(results: CaseResult[]): Map<string, Partial<CaseResult>> {
  return new Map(results.map((r) => [r.caseId, comparable(r)]));
}
const hashOf = (caseId: string, cases: Map<string, ReturnType<typeof renderCase>>): string =>
  promptHash(cases.get(caseId)!);

async function withServer(
  t: { after: (fn: () => Promise<void>) => void },
  latencyMs = 0,
): Promise<TestServer> {
  const server = await startTestServer({ latencyMs });
  t.after(() => server.close());
  return server;
}

test('2,000 cases with 20% injected faults: every case ends once as success, invalid or error; waits honour Retry-After', async (t) => {
  const server = await withServer(t);
  // 20% of requests draw a fault (at most 3 per prompt, so retries can win); five scripted cases fail every
  // attempt and must end as errors.
  const doomed = ['u7:m7', 'u77:m77', 'u777:m777', 'u1234:m1234', 'u1999:m1999'];
  server.setFaults({
    rate: 0.2,
    seed: 5,
    kinds: ['429', '500', '503', 'drop', 'malformed', 'nonjson'],
    maxPerPrompt: 3,
    retryAfterMs: 40,
    script: doomed.map((id) => ({ match: `Case ${id}.`, faults: ['500', '503', 'drop', '429'] })),
  });
  const root = tmpRoot(t);
  const { handle, cases } = await startServerRun({
    url: server.url,
    root,
    runId: 'faults',
    cases: 2000,
    concurrency: 32,
    maxRetries: 3,
  });
  const summary = await handle.done;
  assert.equal(summary.status, 'done');

  const run = await readRun('faults', root);
  assert.equal(run.scan.lines, 2000, 'one line per case: none duplicated');
  assert.equal(run.results.length, 2000);
  const ids = new Set(run.results.map((r) => r.caseId));
  assert.ok(
    cases.every((c) => ids.has(c.id)),
    'none lost',
  );
  const count = { success: 0, invalid: 0, error: 0 };
  for (const r of run.results) {
    assert.ok(r.outcome in count, r.outcome);
    count[r.outcome]++;
    if (r.outcome !== 'success') assert.ok(r.reason && r.reason.length > 0, 'a failure says why');
    if (r.outcome === 'invalid') assert.equal(typeof r.raw, 'string', 'an invalid answer keeps its raw text');
  }
  const stats = server.stats();
  // The faults really happened, and the run absorbed most of them by retrying.
  assert.ok((stats.faults['429'] ?? 0) > 50, JSON.stringify(stats.faults));
  assert.ok((stats.faults.nonjson ?? 0) > 20);
  assert.ok(stats.chatRequests > 2300);
  // Prose answers are invalid (final, not retried); only the scripted cases exhaust their retries.
  assert.equal(count.invalid, stats.faults.nonjson, JSON.stringify(count));
  assert.deepEqual(
    run.results
      .filter((r) => r.outcome === 'error')
      .map((r) => r.caseId)
      .sort(),
    [...doomed].sort(),
  );
  for (const r of run.results.filter((x) => x.outcome === 'error'))
    assert.match(r.reason!, /gave up after 4 attempts/);
  assert.equal(count.success, 2000 - count.invalid - doomed.length);
  assert.deepEqual(
    { success: summary.totals.success, invalid: summary.totals.invalid, error: summary.totals.error },
    count,
  );

  assert.ok(stats.retryWaits.length > 50);
  for (const w of stats.retryWaits) {
    assert.ok(
      w.waitedMs >= w.retryAfterMs,
      `retried after ${w.waitedMs.toFixed(1)} ms, asked for ${w.retryAfterMs}`,
    );
  }
});

/** Spawns child-run.ts; resolves `killedAt` after SIGKILL once `killAfter` cases were reported, or at its end. */
function runChild(
  options: object,
  killAfter: number | null,
): Promise<{ finished: number; killed: boolean; status?: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'child-run.ts'), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(__dirname, '../../..') },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let finished = 0;
  let killed = false;
  let status: string | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('F ')) {
      finished++;
      if (killAfter !== null && finished >= killAfter && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    } else if (line.startsWith('END ')) status = line.slice(4);
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (killed && signal === 'SIGKILL') resolve({ finished, killed, status });
      else if (code === 0) resolve({ finished, killed, status });
      else reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

test('a run killed with SIGKILL at several points, then resumed, equals an uninterrupted run; no case finished before a kill is asked again', async (t) => {
  const server = await withServer(t);
  const n = 600;
  const rootA = tmpRoot(t);
  const rootB = tmpRoot(t);

  // The reference: one uninterrupted run (in process).
  const reference = await startServerRun({
    url: server.url,
    root: rootA,
    runId: 'r',
    cases: n,
    concurrency: 8,
  });
  assert.equal((await reference.handle.done).status, 'done');
  const rendered = new Map(reference.cases.map((c) => [c.id, renderCase(c)]));
  server.reset();

  const options = { url: server.url, root: rootB, runId: 'r', cases: n, concurrency: 8 };
  // After each kill: which cases are on disk, and how often the server had been asked for each by then.
  const snapshots: { finished: string[]; counts: Map<string, number> }[] = [];
  for (const killAfter of [40, 150, 330]) {
    const r = await runChild(options, killAfter);
    assert.ok(r.killed, `the child was killed after ${killAfter} reports`);
    const onDisk = await readRun('r', rootB);
    assert.equal(readRunManifest(onDisk.dir).status, 'running', 'a killed run stays "running" on disk');
    assert.equal(onDisk.manifest.status, 'interrupted', 'and readers see it as interrupted');
    snapshots.push({ finished: onDisk.results.map((x) => x.caseId), counts: server.stats().byPrompt });
  }
  const lastOnDisk = snapshots[snapshots.length - 1]!.finished.length;
  assert.ok(lastOnDisk >= 300 && lastOnDisk < n, String(lastOnDisk));
  const last = await runChild(options, null);
  assert.equal(last.status, 'done');

  const resumed = await readRun('r', rootB);
  const expected = await readRun('r', rootA);
  assert.equal(resumed.results.length, n);
  assert.deepEqual(
    byCase(resumed.results),
    byCase(expected.results),
    'same results as the uninterrupted run',
  );
  assert.equal(resumed.manifest.resumes, 3);
  const finalCounts = server.stats().byPrompt;
  for (const [k, snap] of snapshots.entries()) {
    for (const id of snap.finished) {
      const h = hashOf(id, rendered);
      assert.equal(
        finalCounts.get(h),
        snap.counts.get(h),
        `case ${id}, on disk at kill ${k + 1}, was requested again`,
      );
    }
  }
});

test('cancel mid-run: in-flight connections close within a second; resume equals an uninterrupted run', async (t) => {
  const server = await withServer(t);
  const n = 300;
  const concurrency = 8;
  const rootA = tmpRoot(t);
  const rootB = tmpRoot(t);
  const reference = await startServerRun({ url: server.url, root: rootA, runId: 'r', cases: n, concurrency });
  assert.equal((await reference.handle.done).status, 'done');
  const rendered = new Map(reference.cases.map((c) => [c.id, renderCase(c)]));
  server.reset();

  const { handle } = await startServerRun({
    url: server.url,
    root: rootB,
    runId: 'r',
    cases: n,
    concurrency,
  });
  let finished = 0;
  const slowDown = new Promise<void>((resolve) =>
    handle.on('case-finished', () => {
      if (++finished === 100) {
        server.setLatency(60_000); // every later request hangs: the pool fills with requests in flight
        resolve();
      }
    }),
  );
  await slowDown;
  const inFlight = () =>
    server.stats().log.filter((r) => r.prompt && r.respondedAt === undefined && !r.aborted);
  while (inFlight().length < concurrency) await new Promise((r) => setImmediate(r));
  const hanging = inFlight();
  const cancelAt = now();
  handle.cancel();
  const summary = await handle.done;
  assert.equal(summary.status, 'cancelled');
  // Wait (on state) until the server has seen every hanging connection close, then check when it did.
  const closedAt = () => {
    const conns = new Map(server.stats().connections.map((c) => [c.id, c.closedAt]));
    return hanging.map((r) => conns.get(r.connection));
  };
  const deadline = cancelAt + 5000;
  while (closedAt().some((c) => c === undefined) && now() < deadline)
    await new Promise((r) => setImmediate(r));
  for (const c of closedAt()) {
    assert.ok(c !== undefined, 'an in-flight connection was never closed');
    assert.ok(c - cancelAt < 1000, `closed ${(c - cancelAt).toFixed(0)} ms after the cancel`);
  }

  const atCancel = await readRun('r', rootB);
  const finishedBefore = new Set(atCancel.results.map((r) => r.caseId));
  assert.ok(finishedBefore.size >= 100 && finishedBefore.size < n);
  assert.equal(atCancel.manifest.status, 'cancelled');

  server.setLatency(0);
  const resumed = await startServerRun({ url: server.url, root: rootB, runId: 'r', cases: n, concurrency });
  assert.equal((await resumed.handle.done).status, 'done');
  const final = await readRun('r', rootB);
  assert.deepEqual(byCase(final.results), byCase((await readRun('r', rootA)).results));
  const counts = server.stats().byPrompt;
  for (const id of finishedBefore) assert.equal(counts.get(hashOf(id, rendered)), 1, id);
});
