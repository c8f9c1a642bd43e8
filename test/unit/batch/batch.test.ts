// Batch mode end to end against the local test server's batch APIs: submit (split at a limit), poll, import;
// `ubp run` never sends a unit an open batch holds; cancel, failures and expiry; the offline export/import path
// as `vllm run-batch` would serve it; the Anthropic Message Batches client. An imported run must equal an
// interactive run of the same config line for line, timings aside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import {
  CUSTOM_ID_RE,
  batchOffer,
  createBatchClient,
  isOpen,
  parseOutputLine,
  readBatchState,
  submitBatches,
} from '../../../src/core/batch';
import type { ModelConfig } from '../../../src/core/config';
import { prepareEval } from '../../../src/core/run/prepare';
import { listRuns, readRun, unitKey } from '../../../src/core/run/store';
import type { CaseResult } from '../../../src/core/types';
import { buildReport } from '../../../src/core/scoring/report';
import { defaultAnswer, startTestServer, type TestServer } from '../../server/server';
import { bufferIO, tmpRoot } from '../run/helpers';
import { exportedIds, vllmAnswer, vllmFailure } from './vllmOutput';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

async function cli(cwd: string, args: string[]): Promise<string> {
  const io = bufferIO(cwd);
  const code = await main(args, io);
  assert.equal(code, 0, `ubp ${args.join(' ')}: ${io.stderr()}${io.stdout()}`);
  return io.stdout();
}

const endpoint = (s: TestServer): string[] => ['--endpoint', s.url, '--model', 'test-model'];

function runDir(cwd: string): string {
  const runs = listRuns(path.join(cwd, '.ubp'));
  assert.equal(runs.length, 1);
  return runs[0]!.dir;
}

/** A results line without what differs between two runs of the same answers: timings. */
function comparable(r: CaseResult): Omit<CaseResult, 'latencyMs' | 'finishedAt'> {
  const { latencyMs: _l, finishedAt: _f, ...rest } = r;
  return rest;
}

async function linesOf(dir: string): Promise<Map<string, unknown>> {
  const run = await readRun(dir);
  return new Map(run.results.map((r) => [unitKey(r.caseId, r.variant, r.sample), comparable(r)]));
}

/** A report's variants from results in a fixed order, timings left out (the bootstrap depends on line order). */
function reportOf(manifest: Parameters<typeof buildReport>[0], results: CaseResult[]): unknown {
  const sorted = [...results].sort((a, b) =>
    unitKey(a.caseId, a.variant, a.sample) < unitKey(b.caseId, b.variant, b.sample) ? -1 : 1,
  );
  return JSON.parse(
    JSON.stringify(buildReport(manifest, sorted).variants, (k, v: unknown) =>
      k === 'latencyMs' ? undefined : v,
    ),
  );
}

async function interactive(server: TestServer, t: Parameters<typeof tmpRoot>[0]): Promise<string> {
  const cwd = tmpRoot(t);
  await cli(cwd, ['run', config, ...endpoint(server)]);
  return runDir(cwd);
}

async function pollUntilClosed(cwd: string, dir: string): Promise<void> {
  for (let i = 0; i < 10 && readBatchState(dir).batches.some(isOpen); i++)
    await cli(cwd, ['batch', 'status', dir]);
  assert.equal(readBatchState(dir).batches.filter(isOpen).length, 0, 'every batch ended and was imported');
}

test('submit splits at the limit; ubp run sends nothing while batches are open; the imported run equals an interactive one', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const reference = await interactive(server, t);
  const sentInteractively = server.stats().chatRequests;
  assert.equal(sentInteractively, 30);

  const cwd = tmpRoot(t);
  const out = await cli(cwd, ['batch', 'submit', config, ...endpoint(server), '--max-requests', '12']);
  assert.match(out, /30 requests in 3 batches/);
  const dir = runDir(cwd);
  const state = readBatchState(dir).batches;
  assert.deepEqual(
    state.map((b) => b.requests),
    [12, 12, 6],
  );
  assert.ok(state.every((b) => isOpen(b) && b.batchId));
  for (const b of state) {
    const lines = readFileSync(path.join(dir, 'batch', `${b.name}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    assert.equal(lines.length, b.requests);
    for (const l of lines) {
      const req = JSON.parse(l) as { custom_id: string; body: { model: string } };
      assert.match(req.custom_id, CUSTOM_ID_RE);
      assert.equal(req.body.model, 'test-model');
    }
  }
  assert.equal((await readRun(dir)).manifest.status, 'batch');

  // No double spending: the open batches hold every LLM unit, for a second submit and for ubp run.
  assert.match(
    await cli(cwd, ['batch', 'submit', config, ...endpoint(server)]),
    /30 already in open batches/,
  );
  assert.equal(server.batches.stats().created, 3);
  await cli(cwd, ['run', config, ...endpoint(server)]);
  assert.equal(server.stats().chatRequests, sentInteractively, 'ubp run sent no unit of an open batch');
  assert.equal((await readRun(dir)).manifest.status, 'batch');

  await pollUntilClosed(cwd, dir);
  const got = await readRun(dir);
  assert.equal(got.manifest.status, 'done');
  assert.deepEqual(await linesOf(dir), await linesOf(reference));
  const want = await readRun(reference);
  assert.deepEqual(reportOf(got.manifest, got.results), reportOf(want.manifest, want.results));
  assert.equal(server.stats().chatRequests, sentInteractively, 'answers came from the batch API only');
});

test('cancel: answers made before it are imported; the rest is sent by ubp run once', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const reference = await interactive(server, t);
  server.reset();
  server.batches.setRequestsPerPoll(10);
  const cwd = tmpRoot(t);
  await cli(cwd, ['batch', 'submit', config, ...endpoint(server)]);
  const dir = runDir(cwd);
  await cli(cwd, ['batch', 'status', dir]); // validating -> in_progress
  const progress = await cli(cwd, ['batch', 'status', dir]); // 10 answered
  assert.match(progress, /in_progress 10\/30/);
  assert.match(await cli(cwd, ['batch', 'cancel', dir]), /cancelling/);
  await pollUntilClosed(cwd, dir);
  const afterCancel = await readRun(dir);
  assert.equal(afterCancel.results.filter((r) => r.template !== null).length, 10);
  assert.equal(afterCancel.manifest.status, 'cancelled');
  // The 20 requests the cancel stopped have no line in its files: the status says they never ran.
  assert.match(await cli(cwd, ['batch', 'status', dir]), /cancelled 10\/30 .*, imported 10 \(20 never ran\)/);
  assert.equal(readBatchState(dir).batches[0]!.imported?.notRun, 20);

  // A restart of the run finishes what the batch did not.
  await cli(cwd, ['run', config, ...endpoint(server)]);
  assert.equal(server.stats().chatRequests, 20);
  assert.deepEqual(await linesOf(dir), await linesOf(reference));
});

test('a batch cancelled before it ran anything: status says imported 0 (30 never ran)', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  await cli(cwd, ['batch', 'submit', config, ...endpoint(server)]);
  const dir = runDir(cwd);
  await cli(cwd, ['batch', 'cancel', dir]);
  await pollUntilClosed(cwd, dir);
  assert.match(await cli(cwd, ['batch', 'status', dir]), /cancelled.*, imported 0 \(30 never ran\)/);
});

test('failed requests become error lines (retried by ubp run); expired ones stay pending', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  let failures = 0;
  server.batches.setFailures(() => (failures++ < 3 ? { status: 500, message: 'injected' } : undefined));
  server.batches.setRequestsPerPoll(20);
  const cwd = tmpRoot(t);
  await cli(cwd, ['batch', 'submit', config, ...endpoint(server)]);
  const dir = runDir(cwd);
  await cli(cwd, ['batch', 'status', dir]);
  await cli(cwd, ['batch', 'status', dir]);
  // `completed` counts every answered request, failed ones too (OpenAI's own `completed` counts successes only),
  // and the provider's expiry is kept.
  const polled = readBatchState(dir).batches[0]!;
  assert.deepEqual(polled.counts, { total: 30, completed: 20, failed: 3 });
  assert.ok(polled.expiresAt, 'the expiry the provider gave');
  const window = Date.parse(polled.expiresAt) - Date.parse(polled.createdAt);
  assert.ok(Math.abs(window - 24 * 3600_000) < 5000, `expires 24 h after its creation, not ${window} ms`);
  server.batches.expire(readBatchState(dir).batches[0]!.batchId!);
  // The batch ended with 3 failed lines: units in error, exit 4 as `ubp run` would, naming what re-asks them.
  const io = bufferIO(cwd);
  assert.equal(await main(['batch', 'status', dir], io), 4, io.stdout() + io.stderr());
  assert.match(io.stdout(), /expired; imported 20 answers, 10 never ran/);
  assert.match(io.stderr(), /3 units ended in error: `ubp rerun /);
  const run = await readRun(dir);
  const llm = run.results.filter((r) => r.template !== null);
  assert.equal(llm.length, 20);
  const errors = llm.filter((r) => r.outcome === 'error');
  assert.equal(errors.length, 3);
  assert.ok(
    errors.every((r) => /HTTP 500: injected/.test(r.reason ?? '')),
    errors[0]?.reason,
  );

  server.reset();
  await cli(cwd, ['run', config, ...endpoint(server)]);
  assert.equal(server.stats().chatRequests, 13, '3 errors retried and 10 expired units sent');
  assert.equal((await readRun(dir)).manifest.status, 'done');
});

test('export for vllm run-batch, then import its output in any order: equals an interactive run', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const reference = await interactive(server, t);
  const cwd = tmpRoot(t);
  const file = path.join(cwd, 'requests.jsonl');
  await cli(cwd, ['batch', 'export', config, ...endpoint(server), '--out', file]);
  const dir = runDir(cwd);
  const requests = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(requests.length, 30);

  // What `vllm run-batch` writes: one line per request, any order, {id, custom_id, response{status_code, body}, error}.
  const output = requests
    .map(
      (l) =>
        JSON.parse(l) as {
          custom_id: string;
          body: { model: string; messages: { role: string; content: string }[] };
        },
    )
    .reverse()
    .map((r, i) => {
      assert.equal(r.body.model, 'test-model', 'the served model name must equal the config model');
      const text = r.body.messages.map((m) => m.content).join('\n');
      const content = defaultAnswer(r.body.messages);
      return JSON.stringify({
        id: `vllm-${i}`,
        custom_id: r.custom_id,
        response: {
          status_code: 200,
          request_id: `vllm-batch-${i}`,
          body: {
            id: `cmpl-${i}`,
            object: 'chat.completion',
            model: r.body.model,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: {
              prompt_tokens: Math.max(1, Math.ceil(text.length / 4)),
              completion_tokens: Math.max(1, Math.ceil(content.length / 4)),
            },
          },
        },
        error: null,
      });
    });
  output.push(JSON.stringify({ id: 'x', custom_id: 'not-ours', response: null, error: 'unknown' }));
  const results = path.join(cwd, 'results.jsonl');
  writeFileSync(results, output.join('\n') + '\n');
  assert.match(await cli(cwd, ['batch', 'status', dir]), /30 requests {2}exported -> /);
  const out = await cli(cwd, ['batch', 'import', dir, results]);
  assert.match(out, /imported 30 answers from 31 lines; 1 unknown custom_id/);
  assert.deepEqual(await linesOf(dir), await linesOf(reference));
  assert.equal((await readRun(dir)).manifest.status, 'done');
  // The export is marked imported: status no longer lists it as merely exported.
  const status = await cli(cwd, ['batch', 'status', dir]);
  assert.match(status, /30 requests {2}imported -> .*, imported 30\n/);
  assert.doesNotMatch(status, /exported/);
  // The same file again writes nothing, and says so (it used to say "imported 30 answers").
  const again = await cli(cwd, ['batch', 'import', dir, results]);
  assert.match(
    again,
    /imported 0 answers from 31 lines; 30 already answered in the run \(kept\); 1 unknown custom_id/,
  );
  assert.deepEqual(await linesOf(dir), await linesOf(reference));
});

test('import: a file with a byte order mark and CRLF loses no line; unreadable lines are named; missing units are told', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const file = path.join(cwd, 'requests.jsonl');
  await cli(cwd, ['batch', 'export', config, ...endpoint(server), '--out', file]);
  const dir = runDir(cwd);
  const ids = exportedIds(file);
  // As a Windows tool writes it: a BOM before the first line, CRLF endings; one request has no line, one line is cut.
  const lines = ids.slice(0, -1).map((id) => vllmAnswer(id, '{"choice": "B"}'));
  lines.splice(2, 0, '{"custom_id": "cut-off", "respo');
  const results = path.join(cwd, 'results.jsonl');
  writeFileSync(results, '\ufeff' + lines.join('\r\n') + '\r\n');
  const io = bufferIO(cwd);
  assert.equal(await main(['batch', 'import', dir, results], io), 0, io.stdout() + io.stderr());
  assert.match(io.stdout(), /imported 29 answers from 30 lines; 1 unreadable lines/);
  assert.match(io.stderr(), /unreadable \(not a JSON object\): results\.jsonl:3\n/);
  assert.match(
    io.stderr(),
    /1 unit has no answer yet \(no line in these files\): import a file that has it, or `ubp run`/,
  );
  const run = await readRun(dir);
  const llm = run.results.filter((r) => r.variant !== undefined && !r.variant.startsWith('baseline:'));
  assert.equal(llm.length, 29, 'the first line, after the BOM, is imported too');
  assert.ok(llm.every((r) => r.outcome === 'success' && r.raw === '{"choice": "B"}'));
});

test('import: failed lines leave units in error, exit 4 naming `ubp rerun`, which asks exactly those', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const file = path.join(cwd, 'requests.jsonl');
  await cli(cwd, ['batch', 'export', config, ...endpoint(server), '--out', file]);
  const dir = runDir(cwd);
  // vLLM writes a failed request as a line with no response and an error.
  const output = exportedIds(file).map((id, i) =>
    i < 3 ? vllmFailure(id, 'model overloaded') : vllmAnswer(id, '{"choice": "A"}'),
  );
  const results = path.join(cwd, 'results.jsonl');
  writeFileSync(results, output.join('\n') + '\n');
  const io = bufferIO(cwd);
  assert.equal(await main(['batch', 'import', dir, results], io), 4, io.stdout() + io.stderr());
  assert.match(io.stderr(), /3 units ended in error: `ubp rerun .+` asks them again/);
  const failed = (await readRun(dir)).results.filter((r) => r.outcome === 'error');
  assert.deepEqual(
    failed.map((r) => [r.reasonCode, r.reason]),
    Array.from({ length: 3 }, () => ['batch-error', 'model overloaded']),
  );
  const before = server.stats().requests;
  const rerun = bufferIO(cwd);
  assert.equal(await main(['rerun', dir], rerun), 0, rerun.stdout() + rerun.stderr());
  assert.equal(server.stats().requests - before, 3);
});

test('submit splits at the byte limit: no part over it', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = path.join(tmpRoot(t), '.ubp');
  const prepared = await prepareEval(config, {
    root,
    addModels: [{ id: 'test-model', baseUrl: server.url, model: 'test-model' }],
    getApiKey: () => undefined,
  });
  const maxBytes = 9000;
  const r = await submitBatches(prepared, { getApiKey: () => undefined, limits: { maxBytes } });
  assert.ok(r.batches.length > 1, `${r.batches.length} batches`);
  let lines = 0;
  for (const b of r.batches) {
    const file = path.join(r.dir, 'batch', `${b.name}.jsonl`);
    assert.ok(statSync(file).size <= maxBytes, `${b.name}: ${statSync(file).size} bytes`);
    lines += readFileSync(file, 'utf8').trim().split('\n').length;
  }
  assert.equal(lines, 30);
  assert.equal(server.batches.stats().created, r.batches.length);
  assert.ok(readdirSync(path.join(r.dir, 'batch')).includes('ids.jsonl'));
});

test('Anthropic Message Batches: create, poll to the end, results; cancel ends the rest as canceled', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const model = {
    id: 'claude',
    baseUrl: server.url,
    model: 'claude-x',
    provider: 'anthropic',
  } as ModelConfig;
  const client = await createBatchClient(model, undefined);
  assert.equal(client.format, 'anthropic');
  const dir = tmpRoot(t);
  const input = path.join(dir, 'in.jsonl');
  const params = (n: number) => ({
    model: 'claude-x',
    max_tokens: 16,
    system: 'Answer with one label.',
    messages: [{ role: 'user', content: `Case ${n}. Which one?\nA. One\nB. Two\nC. Three` }],
  });
  writeFileSync(
    input,
    [0, 1, 2].map((n) => JSON.stringify({ custom_id: `c${n}`, params: params(n) })).join('\n') + '\n',
  );
  const made = await client.create(input, {});
  let info = made.info;
  for (let i = 0; i < 5 && !info.terminal; i++) info = await client.retrieve(made.batchId);
  assert.equal(info.status, 'ended');
  assert.deepEqual(info.counts, { total: 3, completed: 3, failed: 0 });
  const files = await client.download(info, {
    output: path.join(dir, 'out.jsonl'),
    errors: path.join(dir, 'err.jsonl'),
  });
  const answers = readFileSync(files.output!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => parseOutputLine(JSON.parse(l) as Record<string, unknown>));
  assert.deepEqual(
    answers.map((a) => (a.kind === 'answer' ? (a.body.content as { text: string }[])[0]!.text : a.kind)),
    [0, 1, 2].map((n) =>
      defaultAnswer([
        { role: 'system', content: params(n).system },
        { role: 'user', content: params(n).messages[0]!.content },
      ]),
    ),
  );

  server.batches.setRequestsPerPoll(1);
  const second = await client.create(input, {});
  await client.retrieve(second.batchId); // one answered
  assert.equal((await client.cancel(second.batchId)).status, 'canceling');
  const ended = await client.retrieve(second.batchId);
  assert.equal(ended.status, 'ended');
  assert.deepEqual(ended.counts, { total: 3, completed: 3, failed: 2 });
  const out2 = await client.download(ended, { output: path.join(dir, 'out2.jsonl'), errors: '' });
  const kinds = readFileSync(out2.output!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => parseOutputLine(JSON.parse(l) as Record<string, unknown>).kind);
  assert.deepEqual(kinds, ['answer', 'not-run', 'not-run']);
});

test('a provider that stops answering a status call: both clients give up at their timeout, naming it', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tmpRoot(t);
  const input = path.join(dir, 'in.jsonl');
  const timeouts = { controlMs: 150, transferMs: 5000 };
  for (const provider of ['openai', 'anthropic'] as const) {
    const model = { id: 'm', baseUrl: server.url, model: 'test-model', provider } as ModelConfig;
    const body = {
      model: 'test-model',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'Case 1. A or B?' }],
    };
    writeFileSync(
      input,
      JSON.stringify(
        provider === 'openai'
          ? { custom_id: 'c1', method: 'POST', url: '/v1/chat/completions', body }
          : { custom_id: 'c1', params: body },
      ) + '\n',
    );
    const client = await createBatchClient(model, undefined, { ...timeouts });
    const made = await client.create(input, {});
    server.batches.setStatusDelay(60_000);
    const t0 = performance.now();
    await assert.rejects(client.retrieve(made.batchId), /timed out|within 0.15 s/i, provider);
    // The openai client retries a timeout twice: three attempts of 150 ms, far below the status delay.
    assert.ok(performance.now() - t0 < 10_000, `${provider}: ${performance.now() - t0} ms`);
    server.batches.setStatusDelay(0);
  }
});

test('an Anthropic model: submit as a Message Batch, poll, import: equals its interactive run', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dirOf = tmpRoot(t);
  const anthropicConfig = path.join(dirOf, 'claude.ubp.json');
  const fixture = JSON.parse(readFileSync(config, 'utf8')) as { dataset: { path: string } };
  writeFileSync(
    anthropicConfig,
    JSON.stringify({
      ...fixture,
      name: 'claude choice',
      dataset: { ...fixture.dataset, path: path.resolve(path.dirname(config), fixture.dataset.path) },
      models: [
        { id: 'claude', provider: 'anthropic', baseUrl: server.url.replace(/\/v1$/, ''), model: 'claude-x' },
      ],
    }),
  );
  const a = tmpRoot(t);
  await cli(a, ['run', anthropicConfig]);
  const sent = server.stats().chatRequests;
  assert.equal(sent, 30);
  const b = tmpRoot(t);
  await cli(b, ['batch', 'submit', anthropicConfig]);
  const dir = runDir(b);
  const [part] = readBatchState(dir).batches;
  assert.equal(part!.format, 'anthropic');
  const first = JSON.parse(
    readFileSync(path.join(dir, 'batch', `${part!.name}.jsonl`), 'utf8').split('\n')[0]!,
  ) as { custom_id: string; params: { model: string; max_tokens: number } };
  assert.equal(first.params.model, 'claude-x');
  assert.equal(typeof first.params.max_tokens, 'number');
  await pollUntilClosed(b, dir);
  assert.equal(server.stats().chatRequests, sent, 'no interactive request');
  assert.deepEqual(await linesOf(dir), await linesOf(runDir(a)));
});

test('batchOffer: which models can batch, and the estimate at batch prices', async (t) => {
  const root = path.join(tmpRoot(t), '.ubp');
  const priced = { inputPerMTok: 1, outputPerMTok: 2 };
  const remote = await prepareEval(config, {
    root,
    addModels: [{ id: 'remote', baseUrl: 'http://127.0.0.1:9/v1', model: 'test-model', price: priced }],
    only: ['remote'],
    getApiKey: () => undefined,
  });
  const offer = await batchOffer(remote);
  assert.deepEqual(offer.models, [{ id: 'remote', format: 'openai', priceFactor: 0.5 }]);
  assert.deepEqual(offer.refused, []);
  assert.ok(remote.estimate.costUsd! > 0);
  assert.equal(offer.costUsd, remote.estimate.costUsd! * 0.5);

  const local = await prepareEval(config, {
    root,
    addModels: [{ id: 'llama', baseUrl: 'http://localhost:11434/v1', model: 'llama3' }],
    only: ['llama'],
    getApiKey: () => undefined,
  });
  const none = await batchOffer(local);
  assert.deepEqual(none.models, []);
  assert.match(none.refused[0]!.reason, /local Ollama server.*ubp batch export/);
  assert.equal(none.costUsd, null);
});

test('submit: parts the provider refused, or whose client could not be made, are not-created and not counted as sent', async (t) => {
  const server = await startTestServer({ apiKey: 'the-key' });
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const io = bufferIO(cwd, { UBP_QA_KEY: 'a-wrong-key' });
  const args = ['batch', 'submit', config, ...endpoint(server), '--api-key-env', 'UBP_QA_KEY'];
  assert.equal(await main([...args, '--max-requests', '12'], io), 1, io.stdout() + io.stderr());
  assert.match(io.stdout(), /not created: .*401/);
  assert.match(
    io.stdout(),
    /: 0 requests in 0 batches \(30 requests in 3 not created: run `ubp batch submit` again, or `ubp run`/,
  );

  const root = path.join(tmpRoot(t), '.ubp');
  const prepared = await prepareEval(config, {
    root,
    addModels: [{ id: 'test-model', baseUrl: server.url, model: 'test-model' }],
    getApiKey: () => undefined,
  });
  const r = await submitBatches(prepared, {
    getApiKey: () => undefined,
    createClient: () => Promise.reject(new Error('no client today')),
  });
  assert.deepEqual(
    readBatchState(r.dir).batches.map((b) => [b.status, b.error]),
    [['not-created', 'no client today']],
  );
});
