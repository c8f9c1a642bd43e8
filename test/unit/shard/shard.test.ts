// Shards and merge: `ubp run --shard i/n` runs a deterministic slice of the cases as its own run; `ubp merge`
// joins the slices into a run equal to a single run of the whole config; merge refuses other evals and reports
// missing shards and duplicate units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { casesOfShard, mergeRuns, parseShard, shardOfCase } from '../../../src/core/shard';
import { RUN_LOCK_FILE, listRuns, readRun, unitKey } from '../../../src/core/run/store';
import { acquireLock } from '../../../src/core/run/lock';
import { buildReport } from '../../../src/core/scoring/report';
import type { CaseResult } from '../../../src/core/types';
import { startTestServer } from '../../server/server';
import { bufferIO, tmpRoot } from '../run/helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

async function cli(cwd: string, args: string[]): Promise<{ out: string; err: string }> {
  const io = bufferIO(cwd);
  const code = await main(args, io);
  assert.equal(code, 0, `ubp ${args.join(' ')}: ${io.stderr()}${io.stdout()}`);
  return { out: io.stdout(), err: io.stderr() };
}

function comparable(r: CaseResult): unknown {
  const { latencyMs: _l, finishedAt: _f, ...rest } = r;
  return rest;
}

async function linesOf(dir: string): Promise<Map<string, unknown>> {
  const run = await readRun(dir);
  return new Map(run.results.map((r) => [unitKey(r.caseId, r.variant, r.sample), comparable(r)]));
}

function reportOf(run: Awaited<ReturnType<typeof readRun>>): unknown {
  const sorted = [...run.results].sort((a, b) =>
    unitKey(a.caseId, a.variant, a.sample) < unitKey(b.caseId, b.variant, b.sample) ? -1 : 1,
  );
  return JSON.parse(
    JSON.stringify(buildReport(run.manifest, sorted).variants, (k, v: unknown) =>
      k === 'latencyMs' ? undefined : v,
    ),
  );
}

test('shards partition the cases by id, the same way every time', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) assert.throws(() => parseShard(bad), /i\/n/);
  const cases = Array.from({ length: 1000 }, (_, i) => ({ id: `u${i}-i${i * 7}` }));
  const slices = [1, 2, 3, 4].map((index) => casesOfShard(cases, { index, count: 4 }));
  assert.equal(
    slices.reduce((n, s) => n + s.length, 0),
    1000,
    'every case in exactly one shard',
  );
  assert.equal(new Set(slices.flat().map((c) => c.id)).size, 1000);
  for (const s of slices) assert.ok(s.length > 200 && s.length < 300, `balanced: ${s.length}`);
  assert.equal(shardOfCase('u1-i7', 4), shardOfCase('u1-i7', 4));
  assert.deepEqual(casesOfShard(cases, { index: 1, count: 1 }), cases);
});

test('ubp run --shard: own run ids, resumes only itself; ubp merge of all shards equals a single run', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const endpoint = ['--endpoint', server.url, '--model', 'test-model'];
  const whole = tmpRoot(t);
  await cli(whole, ['run', config, ...endpoint]);
  const [single] = listRuns(path.join(whole, '.ubp'));

  const cwd = tmpRoot(t);
  for (const s of ['1/3', '2/3', '3/3']) await cli(cwd, ['run', config, ...endpoint, '--shard', s]);
  const shards = listRuns(path.join(cwd, '.ubp'));
  assert.equal(shards.length, 3);
  assert.equal(new Set(shards.map((r) => r.id)).size, 3);
  assert.ok(
    shards.every((r) => /-shard[123]of3$/.test(r.id)),
    shards.map((r) => r.id).join(', '),
  );
  assert.ok(!shards.some((r) => r.id === single!.id), 'a shard is not the whole run');
  const total = shards.reduce((n, r) => n + r.manifest.cases, 0);
  assert.equal(total, single!.manifest.cases);

  // Shard 2 resumes shard 2 only: nothing left to do, no request sent.
  const before = server.stats().chatRequests;
  const again = await cli(cwd, ['run', config, ...endpoint, '--shard', '2/3']);
  const two = shards.find((r) => r.id.endsWith('shard2of3'))!;
  assert.match(again.out, new RegExp(`resuming: (\\d+) of \\1 already done`));
  assert.match(again.out, new RegExp(two.id));
  assert.equal(server.stats().chatRequests, before);

  const out = path.join(cwd, 'merged');
  const merged = await cli(cwd, ['merge', ...shards.map((r) => r.dir), '--out', out]);
  assert.match(merged.out, /status done/);
  assert.equal(merged.err, '');
  assert.deepEqual(await linesOf(out), await linesOf(single!.dir));
  const m = await readRun(out);
  const s = await readRun(single!.dir);
  assert.equal(m.manifest.cases, s.manifest.cases);
  assert.equal(m.manifest.totals.units, s.manifest.totals.units);
  assert.equal(m.manifest.status, 'done');
  assert.deepEqual(reportOf(m), reportOf(s));
  // Every command reads it.
  assert.match((await cli(cwd, ['report', out])).out, /builtin-choice×test-model/);

  // Missing shards and duplicate units are reported.
  const partial = await mergeRuns(
    [shards[0]!.dir, shards[0]!.dir, shards[1]!.dir],
    path.join(cwd, 'partial'),
  );
  assert.equal(partial.duplicates, (await readRun(shards[0]!.dir)).results.length);
  assert.equal(partial.missingShards.length, 1);
  assert.equal(partial.manifest.status, 'cancelled');
  // The whole eval's units, not the given shards': a partial merge never reads as complete.
  assert.equal(partial.manifest.totals.units, s.manifest.totals.units);
  const io = bufferIO(cwd);
  assert.equal(await main(['merge', shards[0]!.dir, '--out', path.join(cwd, 'one')], io), 1);
  assert.match(io.stderr(), /shards \d, \d of 3 not given/);
  assert.match(io.stderr(), /the merged run is partial \(\d+ of \d+ units\); give every shard, or --partial/);
  const accepted = bufferIO(cwd);
  assert.equal(
    await main(['merge', shards[0]!.dir, '--out', path.join(cwd, 'one-ok'), '--partial'], accepted),
    0,
  );
});

test('merge refuses runs of another config (a different config hash)', async (t) => {
  const cwd = tmpRoot(t);
  await cli(cwd, ['run', config, '--shard', '1/2']);
  const other = path.join(cwd, 'other.ubp.json');
  const fixture = JSON.parse(readFileSync(config, 'utf8')) as { dataset: { path: string }; task: object };
  writeFileSync(
    other,
    JSON.stringify({
      ...fixture,
      dataset: { ...fixture.dataset, path: path.resolve(path.dirname(config), fixture.dataset.path) },
      task: { ...fixture.task, seed: 7 },
    }),
  );
  await cli(cwd, ['run', other, '--shard', '2/2']);
  const runs = listRuns(path.join(cwd, '.ubp'));
  assert.equal(runs.length, 2);
  await assert.rejects(
    mergeRuns(
      runs.map((r) => r.dir),
      path.join(cwd, 'merged'),
    ),
    /config hash/,
  );
  const io = bufferIO(cwd);
  assert.equal(await main(['merge', ...runs.map((r) => r.dir), '--out', path.join(cwd, 'm2')], io), 1);
  assert.match(io.stderr(), /not the same eval/);
});

test('merge: the merged run lasted as long as its shards together, not as long as the first shard', async (t) => {
  const cwd = tmpRoot(t);
  await cli(cwd, ['run', config, '--shard', '1/2']);
  await cli(cwd, ['run', config, '--shard', '2/2']);
  const runs = listRuns(path.join(cwd, '.ubp'));
  assert.equal(runs.length, 2);
  // Known active times, as two machines would have recorded them.
  runs.forEach((r, i) => {
    const file = path.join(r.dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...m, activeMs: [1000, 2500][i] }));
  });
  const merged = await mergeRuns(
    runs.map((r) => r.dir),
    path.join(cwd, 'merged'),
  );
  assert.equal(merged.manifest.activeMs, 3500);
  const report = buildReport(merged.manifest, (await readRun(merged.dir)).results);
  assert.equal(report.run.durationMs, 3500);
});

test('merge: a shard run with fewer models than the others is partial, said and exit 1', async (t) => {
  const cwd = tmpRoot(t);
  await cli(cwd, ['run', config, '--shard', '1/2']);
  await cli(cwd, ['run', config, '--shard', '2/2', '--models', 'random']);
  const runs = listRuns(path.join(cwd, '.ubp'));
  const merged = await mergeRuns(
    runs.map((r) => r.dir),
    path.join(cwd, 'merged'),
  );
  const two = runs.find((r) => r.id.endsWith('shard2of2'))!;
  // popularity and item-knn have no line for shard 2's cases.
  assert.equal(merged.missingUnits, two.manifest.cases * 2);
  assert.equal(merged.manifest.status, 'cancelled');
  const io = bufferIO(cwd);
  assert.equal(await main(['merge', ...runs.map((r) => r.dir), '--out', path.join(cwd, 'm2')], io), 1);
  assert.match(io.stderr(), new RegExp(`${two.manifest.cases * 2} units of the runs given have no result`));
});

test('merge refuses a run still being written (its lock held), naming the holder; --partial merges it with a warning', async (t) => {
  const cwd = tmpRoot(t);
  await cli(cwd, ['run', config, '--shard', '1/2']);
  await cli(cwd, ['run', config, '--shard', '2/2']);
  const runs = listRuns(path.join(cwd, '.ubp'));
  const two = runs.find((r) => r.id.endsWith('shard2of2'))!;
  // A live writer: this process holds shard 2's lock, as `ubp run` does while it runs.
  const lock = acquireLock(path.join(two.dir, RUN_LOCK_FILE), 'ubp run');
  t.after(() => lock.release());
  await assert.rejects(
    mergeRuns(
      runs.map((r) => r.dir),
      path.join(cwd, 'merged'),
    ),
    new RegExp(`run ${two.id} is still being written by ubp run \\(pid ${process.pid}`),
  );
  assert.equal(existsSync(path.join(cwd, 'merged')), false, 'nothing written');
  const io = bufferIO(cwd);
  assert.equal(await main(['merge', ...runs.map((r) => r.dir), '--out', path.join(cwd, 'm2')], io), 1);
  assert.match(io.stderr(), /still being written by ubp run/);
  const partial = bufferIO(cwd);
  const code = await main(
    ['merge', ...runs.map((r) => r.dir), '--out', path.join(cwd, 'm3'), '--partial'],
    partial,
  );
  assert.equal(code, 0, partial.stderr());
  assert.match(partial.stderr(), new RegExp(`warning: run ${two.id} is still being written by ubp run`));
});

test('merge refuses a shard mixed with the unsharded run of the same config, naming both', async (t) => {
  const cwd = tmpRoot(t);
  await cli(cwd, ['run', config, '--shard', '1/2']);
  await cli(cwd, ['run', config]);
  const runs = listRuns(path.join(cwd, '.ubp'));
  const shard = runs.find((r) => r.manifest.shard)!;
  const whole = runs.find((r) => !r.manifest.shard)!;
  for (const order of [
    [shard, whole],
    [whole, shard],
  ]) {
    await assert.rejects(
      mergeRuns(
        order.map((r) => r.dir),
        path.join(cwd, 'merged'),
      ),
      (e: Error) =>
        e.message.includes(shard.id) && e.message.includes(whole.id) && /unsharded|whole/.test(e.message),
    );
  }
  assert.equal(existsSync(path.join(cwd, 'merged')), false);
});
