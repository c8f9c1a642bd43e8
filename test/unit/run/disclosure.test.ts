// Nothing silent (issue 13): malformed dataset rows skipped by a run are printed like `ubp stats` prints them,
// recorded in the manifest and shown by every report format; a model without a price costs "unknown" (null in
// JSON), never $0, a local server included; $0 only when `price` is set to zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { listRuns, readRunManifest } from '../../../src/core';
import { startTestServer } from '../../server/server';
import { bufferIO, tmpRoot } from './helpers';

const fixture = path.resolve(__dirname, '../../fixtures/run/mini-ml');

/** `<cwd>/<name>.ubp.json`: a choice eval of `users` users on `<cwd>/data`, with the given models or baselines. */
function writeConfig(cwd: string, name: string, users: number, rest: Record<string, unknown>): string {
  const file = path.join(cwd, `${name}.ubp.json`);
  const task = { form: 'choice', users, candidates: 5, history: 8 };
  writeFileSync(
    file,
    JSON.stringify({ name, dataset: { path: 'data', format: 'movielens-csv' }, task, ...rest }),
  );
  return file;
}

/** A copy of the mini dataset with three malformed rating rows, and a baselines-only config over it. */
function datasetWithBadRows(cwd: string): string {
  const dir = path.join(cwd, 'data');
  cpSync(fixture, dir, { recursive: true });
  appendFileSync(path.join(dir, 'ratings.csv'), '1,8,not-a-number,1000009999\n2,x,4,1\n3,40\n');
  return writeConfig(cwd, 'bad', 10, { baselines: ['popularity'] });
}

test('skipped rows: ubp run prints what ubp stats prints; the manifest and every report format name them', async (t) => {
  const cwd = tmpRoot(t);
  const config = datasetWithBadRows(cwd);

  const stats = bufferIO(cwd);
  assert.equal(await main(['stats', path.join(cwd, 'data')], stats), 0, stats.stderr());
  const warning = stats.stderr().match(/warning: 3 malformed rows skipped; the first:\n(?: {2}.+\n)+/)?.[0];
  assert.ok(warning, stats.stderr());
  assert.match(warning, /ratings\.csv:582:\d+: /);

  const run = bufferIO(cwd);
  assert.equal(await main(['run', config], run), 0, run.stderr());
  assert.ok(run.stderr().includes(warning), `run's stderr:\n${run.stderr()}`);

  const [listing] = listRuns(path.join(cwd, '.ubp'));
  const manifest = readRunManifest(listing!.dir);
  assert.equal(manifest.skippedRows?.count, 3);
  assert.equal(manifest.skippedRows?.first.length, 3);
  assert.match(manifest.skippedRows!.first[0]!.file, /ratings\.csv$/);
  assert.equal(manifest.skippedRows!.first[0]!.line, 582);

  const line = /3 malformed rows skipped from the dataset \(first: \S*ratings\.csv:582:\d+ [^)]+\)/;
  const text = bufferIO(cwd);
  assert.equal(await main(['report', listing!.id], text), 0, text.stderr());
  assert.match(text.stdout(), line);
  const md = bufferIO(cwd);
  assert.equal(await main(['report', listing!.id, '--md'], md), 0, md.stderr());
  assert.match(md.stdout(), line);
  const json = bufferIO(cwd);
  assert.equal(await main(['report', listing!.id, '--json'], json), 0, json.stderr());
  const report = JSON.parse(json.stdout());
  assert.equal(report.run.dataset.skippedRows.count, 3);
  assert.ok(report.notes.some((n: string) => line.test(n)));
});

test('a clean dataset: no skipped-rows warning, field or note', async (t) => {
  const cwd = tmpRoot(t);
  cpSync(fixture, path.join(cwd, 'data'), { recursive: true });
  const config = writeConfig(cwd, 'ok', 5, { baselines: ['popularity'] });
  const run = bufferIO(cwd);
  assert.equal(await main(['run', config, '--json'], run), 0, run.stderr());
  assert.doesNotMatch(run.stderr(), /malformed/);
  const out = JSON.parse(run.stdout());
  assert.equal(out.report.run.dataset.skippedRows, undefined);
  assert.ok(!out.report.notes.some((n: string) => /malformed/.test(n)));
});

test('cost: a model without a price is unknown (text, JSON, report), a zero price is $0', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  cpSync(fixture, path.join(cwd, 'data'), { recursive: true });
  const configWith = (name: string, price?: { inputPerMTok: number; outputPerMTok: number }) =>
    writeConfig(cwd, name, 4, {
      models: [{ id: 'local', baseUrl: server.url, model: 'test-model', ...(price ? { price } : {}) }],
    });

  const unknown = bufferIO(cwd);
  assert.equal(await main(['run', configWith('unpriced'), '--no-cache'], unknown), 0, unknown.stderr());
  assert.match(unknown.stdout(), /estimate: .*cost unknown for local \(no price\)/);
  assert.match(unknown.stdout(), /; cost unknown; /);
  assert.doesNotMatch(unknown.stdout(), /\$0(?![.\d]*[1-9])/, 'no $0 anywhere');
  assert.match(unknown.stdout(), /note: Cost unknown for local: no price/);
  const runId = listRuns(path.join(cwd, '.ubp')).find((r) => r.id.startsWith('unpriced'))!.id;
  const text = bufferIO(cwd);
  assert.equal(await main(['report', runId], text), 0, text.stderr());
  assert.match(text.stdout(), /cost unknown · tokens/);
  const json = bufferIO(cwd);
  assert.equal(await main(['report', runId, '--json'], json), 0, json.stderr());
  const report = JSON.parse(json.stdout());
  assert.equal(report.totals.costUsd, null);
  assert.deepEqual(report.totals.unpricedModels, ['local']);
  const byModel = (m: string) => report.variants.find((v: { model: string }) => v.model === m);
  assert.equal(byModel('local').usage.costUsd, null);
  assert.equal(byModel('baseline:popularity').usage.costUsd, 0, 'a baseline sends nothing: a known $0');
  assert.ok(report.notes.some((n: string) => /Cost unknown for local/.test(n)));

  const zero = bufferIO(cwd);
  const free = configWith('free', { inputPerMTok: 0, outputPerMTok: 0 });
  assert.equal(await main(['run', free, '--no-cache', '--json'], zero), 0, zero.stderr());
  const out = JSON.parse(zero.stdout());
  assert.equal(out.totals.costUsd, 0);
  assert.equal(out.report.totals.costUsd, 0);
  assert.deepEqual(out.report.totals.unpricedModels, []);
});

test('the estimate states a small cost in readable digits, not rounded to ~$0.00', async () => {
  const { estimateCostText } = await import('../../../src/core');
  assert.equal(estimateCostText({ costUsd: 0.0019, unpriced: [] }), '~$0.00190');
  assert.equal(estimateCostText({ costUsd: 2.5, unpriced: [] }), '~$2.5000');
  assert.equal(estimateCostText({ costUsd: 0, unpriced: [] }), '~$0');
});
