// Runs that fail fast and say what happened, against the test server and a raw socket that never answers:
// fatal errors stop a model after at most the requests already in flight, other models go on, a resume asks
// the stopped model's cases again; a dead endpoint ends in bounded time through the per-request cap and the
// per-origin circuit breaker; waits and retries are printed; exit codes follow src/cli/exitCodes.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { EXIT } from '../../../src/cli/exitCodes';
import { listRuns, readRun } from '../../../src/core/run/store';
import { startTestServer, type FaultKind } from '../../server/server';
import { bufferIO, tmpRoot } from './helpers';

/** A choice eval of `users` cases over a synthetic MovieLens-style dataset (a few spare users to sample from). */
function writeEval(
  dir: string,
  users: number,
  extra: { models?: unknown[]; run?: Record<string, unknown> } = {},
): string {
  const movies = ['movieId,title,genres'];
  for (let m = 1; m <= 60; m++) movies.push(`${m},Movie ${m} (19${50 + (m % 50)}),Drama|Comedy`);
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let u = 1; u <= users + 10; u++)
    for (let j = 0; j < 12; j++)
      ratings.push(`${u},${((u * 7 + j * 11) % 60) + 1},${1 + ((u + j) % 5)},${1_000_000_000 + u * 100 + j}`);
  writeFileSync(path.join(dir, 'movies.csv'), movies.join('\n') + '\n');
  writeFileSync(path.join(dir, 'ratings.csv'), ratings.join('\n') + '\n');
  const file = path.join(dir, 'eval.ubp.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'fatal',
      dataset: { path: '.', format: 'movielens-csv' },
      task: { form: 'choice', users, candidates: 5, history: 8 },
      baselines: ['popularity'],
      models: extra.models ?? [],
      ...(extra.run ? { run: extra.run } : {}),
    }),
  );
  return file;
}

const MESSAGES: Partial<Record<FaultKind, RegExp>> = {
  '401': /HTTP 401: Incorrect API key provided/,
  '404': /HTTP 404: The model `test-model` does not exist/,
  '400': /HTTP 400: Unsupported parameter: 'max_tokens' is not supported with this model/,
};

for (const fault of ['401', '404', '400'] as const) {
  test(`a ${fault} on every request stops the model within the requests in flight; a resume after the fix asks the rest`, async (t) => {
    const server = await startTestServer({ faults: { rate: 1, kinds: [fault] } });
    t.after(() => server.close());
    const cwd = tmpRoot(t);
    const config = writeEval(cwd, 100);
    const args = ['run', config, '--endpoint', server.url, '--model', 'test-model', '--no-cache'];
    const io = bufferIO(cwd);
    const code = await main(args, io);
    assert.equal(code, EXIT.unitsFailed, io.stderr());
    const sent = server.stats().chatRequests;
    assert.ok(sent >= 1 && sent <= 10, `at most 10 requests with concurrency 8, got ${sent}`);
    assert.match(io.stderr(), new RegExp(`model test-model failed: ${MESSAGES[fault]!.source}`));
    assert.match(io.stderr(), /units not sent; fix the cause and run the same command to ask them/);

    const [listed] = listRuns(path.join(cwd, '.ubp'));
    const run = await readRun(listed!.dir);
    assert.equal(run.manifest.status, 'failed');
    assert.equal(run.manifest.stoppedModels?.[0]?.model, 'test-model');
    assert.equal(run.manifest.stoppedModels?.[0]?.notSent, 100 - sent);
    const llm = run.results.filter((r) => r.model === 'test-model');
    assert.equal(llm.length, 100, 'every unit has a line');
    assert.equal(llm.filter((r) => r.reasonCode === `http-${fault}`).length, sent);
    assert.equal(llm.filter((r) => r.reasonCode === 'fatal').length, 100 - sent);
    const base = run.results.filter((r) => r.model === 'baseline:popularity');
    assert.equal(base.length, 100);
    assert.ok(
      base.every((r) => r.outcome === 'success'),
      'the baseline went on',
    );

    // The key is fixed: the same command asks every case of the model again and ends done.
    server.setFaults(undefined);
    server.reset();
    const again = bufferIO(cwd);
    assert.equal(await main(args, again), EXIT.ok, again.stderr());
    assert.match(again.stdout(), /estimate: 100 requests \(100 units already done\)/);
    assert.equal(server.stats().chatRequests, 100);
    const after = await readRun(listed!.dir);
    assert.equal(after.manifest.status, 'done');
    assert.equal(after.manifest.stoppedModels, undefined);
    assert.equal(after.results.filter((r) => r.outcome === 'success').length, 200);
  });
}

test('a model stopped by a fatal error does not stop the others', async (t) => {
  const bad = await startTestServer({ faults: { rate: 1, kinds: ['401'] } });
  const good = await startTestServer();
  t.after(() => Promise.all([bad.close(), good.close()]));
  const cwd = tmpRoot(t);
  const config = writeEval(cwd, 60, {
    models: [
      { id: 'bad', baseUrl: bad.url, model: 'test-model' },
      { id: 'good', baseUrl: good.url, model: 'test-model' },
    ],
    run: { cache: false },
  });
  const io = bufferIO(cwd);
  assert.equal(await main(['run', config], io), EXIT.unitsFailed, io.stderr());
  assert.ok(bad.stats().chatRequests <= 10);
  assert.equal(good.stats().chatRequests, 60);
  const run = await readRun(listRuns(path.join(cwd, '.ubp'))[0]!.dir);
  assert.equal(run.results.filter((r) => r.model === 'good' && r.outcome === 'success').length, 60);
  assert.deepEqual(
    run.manifest.stoppedModels?.map((m) => m.model),
    ['bad'],
  );
  assert.match(io.stderr(), /model bad stopped, nothing more is sent to it: HTTP 401/);
});

/** A server that accepts connections, reads requests, and never answers. Counts the requests it got. */
async function silentServer(t: { after: (fn: () => Promise<void>) => void }): Promise<{
  url: string;
  requests: () => number;
}> {
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => (requests += (d.toString('latin1').match(/^POST /gm) ?? []).length));
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/v1`, requests: () => requests };
}

test('a dead endpoint trips the circuit breaker: pause, one probe, then the model stops with a clear message', async (t) => {
  const silent = await silentServer(t);
  const cwd = tmpRoot(t);
  const config = writeEval(cwd, 40, {
    models: [{ id: 'dead', baseUrl: silent.url, model: 'test-model' }],
    run: { cache: false, timeoutMs: 1000, connectTimeoutMs: 1000 },
  });
  const io = bufferIO(cwd);
  const t0 = performance.now();
  assert.equal(await main(['run', config], io), EXIT.unitsFailed, io.stderr());
  const seconds = (performance.now() - t0) / 1000;
  // 8 requests time out (1 s), the breaker opens, waits 10 s, one probe times out: about 12 s.
  assert.ok(seconds < 30, `ended in ${seconds.toFixed(1)} s`);
  assert.ok(silent.requests() <= 8 + 8 + 1, `requests sent: ${silent.requests()}`);
  assert.match(
    io.stderr(),
    /endpoint http:\/\/127\.0\.0\.1:\d+: \d+ connection failures or timeouts in a row .*pausing 10 s, then one probe request/,
  );
  assert.match(
    io.stderr(),
    /model dead failed: http:\/\/127\.0\.0\.1:\d+ is not answering: .*check that the server is up/,
  );
  const run = await readRun(listRuns(path.join(cwd, '.ubp'))[0]!.dir);
  assert.equal(run.manifest.status, 'failed');
  assert.ok((run.manifest.stoppedModels?.[0]?.notSent ?? 0) >= 40 - 9);
});

test('with default settings a 2-case run against a port that never answers ends within 3 minutes, and says so as it waits', async (t) => {
  const silent = await silentServer(t);
  const cwd = tmpRoot(t);
  const config = writeEval(cwd, 2, { models: [{ id: 'silent', baseUrl: silent.url, model: 'test-model' }] });
  const io = bufferIO(cwd);
  const t0 = performance.now();
  const code = await main(['run', config, '--no-cache'], io);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(code, EXIT.unitsFailed, io.stderr());
  assert.ok(seconds < 180, `ended in ${seconds.toFixed(0)} s`);
  // Every wait is visible: retry lines, and (no TTY) a progress line at least every 10 s.
  assert.match(io.stderr(), /^retry 1\/6 in \d+\.\d s: .*(timed out|no answer).*\(silent, case /m);
  const progressLines = io
    .stdout()
    .split('\n')
    .filter((l) => /^\d+\/4 \(\d+%\)/.test(l));
  assert.ok(
    progressLines.length >= Math.floor(seconds / 10) - 1,
    `${progressLines.length} progress lines in ${seconds.toFixed(0)} s:\n${io.stdout()}`,
  );
  assert.match(io.stdout(), /2 in flight/);
  const run = await readRun(listRuns(path.join(cwd, '.ubp'))[0]!.dir);
  const llm = run.results.filter((r) => r.model === 'silent');
  assert.equal(llm.length, 2);
  assert.ok(
    llm.every((r) => r.outcome === 'error' && r.reasonCode === 'timeout'),
    JSON.stringify(llm.map((r) => r.reason)),
  );
  assert.match(llm[0]!.reason!, /gave up after \d attempts in \d+ s/);
});

test('a cut, refused or reasoning-only reply is an invalid line with the finish reason and a reason code', async (t) => {
  const expected = {
    truncated: { finishReason: 'length', reasonCode: 'cut' },
    refusal: { finishReason: 'refusal', reasonCode: 'refusal' },
    'reasoning-only': { finishReason: 'length', reasonCode: 'reasoning-only' },
  } as const;
  for (const fault of Object.keys(expected) as (keyof typeof expected)[]) {
    const server = await startTestServer({ faults: { rate: 1, kinds: [fault] } });
    t.after(() => server.close());
    const cwd = tmpRoot(t);
    const config = writeEval(cwd, 5, {
      models: [{ id: 'm', baseUrl: server.url, model: 'test-model' }],
      run: { cache: false },
    });
    const io = bufferIO(cwd);
    assert.equal(await main(['run', config, '--models', 'm'], io), EXIT.ok, io.stderr());
    assert.equal(server.stats().chatRequests, 5, 'an answer is not retried');
    const run = await readRun(listRuns(path.join(cwd, '.ubp'))[0]!.dir);
    for (const r of run.results) {
      assert.equal(r.outcome, 'invalid', fault);
      assert.equal(r.finishReason, expected[fault].finishReason, fault);
      assert.equal(r.reasonCode, expected[fault].reasonCode, `${fault}: ${r.reason}`);
    }
  }
});

test('a run stopped by its budget exits 5 and says how to continue; raising the budget finishes it (exit 0)', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const models = [
    {
      id: 'priced',
      baseUrl: server.url,
      model: 'test-model',
      price: { inputPerMTok: 1000, outputPerMTok: 1000 },
    },
  ];
  // About 450 prompt tokens per request at $1000/Mtok: ~$0.45 each, so $2 stops after a few requests.
  const config = writeEval(cwd, 20, { models, run: { cache: false, budgetUsd: 2, concurrency: 1 } });
  const io = bufferIO(cwd);
  assert.equal(await main(['run', config, '--models', 'priced'], io), EXIT.budget, io.stderr());
  assert.match(io.stdout(), /stopped at the budget: raise run\.budgetUsd and run again to continue/);
  const sent = server.stats().chatRequests;
  assert.ok(sent > 0 && sent < 20, `${sent} requests before the budget`);
  writeEval(cwd, 20, { models, run: { cache: false, budgetUsd: 1000, concurrency: 1 } });
  const again = bufferIO(cwd);
  assert.equal(await main(['run', config, '--models', 'priced'], again), EXIT.ok, again.stderr());
  assert.equal(server.stats().chatRequests, 20, 'the resume asked only the rest');
});
