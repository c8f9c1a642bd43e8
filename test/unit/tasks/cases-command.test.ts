import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/command';
import type { TestCase } from '../../../src/core/types';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const tiny = path.join(repoRoot, 'test/fixtures/tasks/ml-tiny');

async function run(argv: string[], cwd: string) {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false, cwd, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

/** A temp folder with one config; the dataset path is relative to it, as users write it. */
async function configDir(task: Record<string, unknown>, dataset: Record<string, unknown> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ubp-cases-'));
  const config = { name: 'tiny', dataset: { path: path.relative(dir, tiny), ...dataset }, task };
  await writeFile(path.join(dir, 'e.ubp.json'), JSON.stringify(config));
  return dir;
}

const parse = (jsonl: string): TestCase[] =>
  jsonl
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TestCase);

test('ubp cases: JSONL, one case per line, byte-identical twice; --limit is a prefix; another seed differs', async () => {
  const dir = await configDir({ form: 'choice', minHistory: 3 });
  const a = await run(['cases', 'e.ubp.json'], dir);
  assert.equal(a.code, 0, a.err);
  const cases = parse(a.out);
  assert.ok(cases.length >= 10, `${cases.length} cases`);
  for (const c of cases) {
    assert.equal(c.candidates!.length, 5);
    assert.ok(c.id && c.user && c.history.length && c.expected.form === 'choice');
  }
  // Titles come from movies.csv, quotes and commas included.
  assert.ok(cases.every((c) => c.candidates!.every((x) => x.title.length > 0)));
  assert.match(a.err, /choice case\(s\) from ml-tiny \(temporal split/);
  const b = await run(['cases', 'e.ubp.json'], dir);
  assert.equal(b.out, a.out);
  const limited = await run(['cases', 'e.ubp.json', '--limit', '4'], dir);
  assert.equal(limited.out, a.out.split('\n').slice(0, 4).join('\n') + '\n');

  const other = await configDir({ form: 'choice', minHistory: 3, seed: 1 });
  assert.notEqual((await run(['cases', 'e.ubp.json'], other)).out, a.out);
});

test('ubp cases --out writes the file; the probe keeps ids and hides titles', async () => {
  const dir = await configDir({ form: 'ranking', minHistory: 3, candidates: 10, k: 5 });
  const r = await run(['cases', 'e.ubp.json', '--out', 'cases.jsonl'], dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  const titled = parse(await readFile(path.join(dir, 'cases.jsonl'), 'utf8'));
  const probeDir = await configDir({ form: 'ranking', minHistory: 3, candidates: 10, k: 5, probe: true });
  const probed = parse((await run(['cases', 'e.ubp.json'], probeDir)).out);
  assert.deepEqual(
    probed.map((c) => c.id),
    titled.map((c) => c.id),
  );
  assert.ok(!/Film|Drama|\(19|\(20/.test(JSON.stringify(probed)));
});

test('ubp cases: bad config, bad dataset and misuse give clear errors', async () => {
  const bad = await configDir({ form: 'choice', users: -3 });
  const r = await run(['cases', 'e.ubp.json'], bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /e\.ubp\.json: task\.users: expected a positive integer, got -3/);
  const missing = await configDir({ form: 'rating' }, { path: 'nowhere' });
  const m = await run(['cases', 'e.ubp.json'], missing);
  assert.equal(m.code, 1);
  assert.match(m.err, /nowhere/);
  const tooMuch = await configDir({ form: 'rating', minHistory: 100 });
  assert.match((await run(['cases', 'e.ubp.json'], tooMuch)).err, /minHistory \+ casesPerUser = 101/);
  assert.equal((await run(['cases'], bad)).code, 1);
  const lim = await run(['cases', 'e.ubp.json', '--limit', 'ten'], bad);
  assert.equal(lim.code, 1);
  assert.match(lim.err, /--limit expects a positive integer/);
});

test('ubp cases on the real ml-latest-small', async (t) => {
  const real = path.resolve(repoRoot, '../shared/data/ml-latest-small');
  if (!existsSync(path.join(real, 'ratings.csv'))) {
    t.skip(`${real} absent: the real-data check needs ../shared/data`);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'ubp-cases-real-'));
  await writeFile(
    path.join(dir, 'e.ubp.json'),
    JSON.stringify({
      name: 'real',
      dataset: { path: real },
      task: { form: 'ranking', negatives: 'popularity' },
    }),
  );
  const r = await run(['cases', 'e.ubp.json'], dir);
  assert.equal(r.code, 0, r.err);
  const cases = parse(r.out);
  assert.equal(cases.length, 200);
  assert.match(r.err, /temporal split, 200 of 671 eligible users/);
  assert.equal(new Set(cases.map((c) => c.user)).size, 200);
  for (const c of cases) {
    assert.equal(c.history.length, Math.min(20, c.historyLength));
    assert.ok(c.historyLength >= 5);
    // Shown history is oldest first.
    for (let i = 1; i < c.history.length; i++) assert.ok(c.history[i - 1].time! <= c.history[i].time!);
    assert.equal(c.candidates!.length, 20);
    assert.equal(new Set(c.candidates!.map((x) => x.item)).size, 20);
  }
  assert.ok(
    cases.some((c) => c.history[0].title.includes(',')),
    'quoted titles with commas come through',
  );
  const again = await run(['cases', 'e.ubp.json'], dir);
  assert.equal(again.out, r.out);
});

test('ubp cases streams the same bytes as the whole array of cases, to stdout and to --out', async () => {
  const { buildCases, caseToJson, loadConfig, loadDataset } = await import('../../../src/core');
  const dir = await configDir({ form: 'ranking', minHistory: 3, candidates: 6, k: 3 });
  const { config } = await loadConfig(path.join(dir, 'e.ubp.json'));
  const { data } = await loadDataset(tiny);
  // What the command printed before it streamed: every case of the array, one JSON line each.
  const whole = buildCases(data, config.task)
    .cases.map((c) => caseToJson(c) + '\n')
    .join('');
  assert.ok(whole.length > 1000);
  const out = await run(['cases', 'e.ubp.json'], dir);
  assert.equal(out.code, 0, out.err);
  assert.equal(out.out, whole);
  const file = await run(['cases', 'e.ubp.json', '--out', 'c.jsonl', '--limit', '7'], dir);
  assert.equal(file.code, 0, file.err);
  assert.equal(
    await readFile(path.join(dir, 'c.jsonl'), 'utf8'),
    whole.split('\n').slice(0, 7).join('\n') + '\n',
  );
  assert.match(file.err, /^wrote 7 ranking case\(s\)/);
});
