import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { openRunStore } from '../../../src/core/run/store';
import { prepareEval } from '../../../src/core/run/prepare';
import { bufferIO, tmpRoot } from './helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

const io = bufferIO;

test('ubp run: baselines, a metrics table, the run folder; running again resumes with nothing to do', async (t) => {
  const cwd = tmpRoot(t);
  const a = io(cwd);
  assert.equal(await main(['run', config], a), 0, a.stderr());
  const out = a.stdout();
  assert.match(out, /run mini-choice-[0-9a-f]{8}: 30 cases, 3 variants/);
  assert.match(out, /variant\s+cases\s+Accuracy/);
  for (const b of ['random', 'popularity', 'item-knn'])
    assert.match(out, new RegExp(`baseline:${b}\\s+30\\s+0\\.\\d{3} \\[`));
  assert.match(out, /done: 90 success, 0 invalid, 0 error of 90/);
  const runs = readdirSync(path.join(cwd, '.ubp', 'runs'));
  assert.equal(runs.length, 1);
  const file = path.join(cwd, '.ubp', 'runs', runs[0]!, 'results.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  assert.equal(lines, 90);

  const b = io(cwd);
  assert.equal(await main(['run', config], b), 0, b.stderr());
  assert.match(b.stdout(), /resuming: 90 of 90 already done/);
  assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 90, 'nothing was run twice');
});

test('ubp run --json --limit --new --runs-dir --models', async (t) => {
  const cwd = tmpRoot(t);
  const a = io(cwd);
  const code = await main(
    ['run', config, '--json', '--limit', '4', '--runs-dir', 'store', '--models', 'popularity'],
    a,
  );
  assert.equal(code, 0, a.stderr());
  const json = JSON.parse(a.stdout()) as { status: string; totals: { units: number }; dir: string };
  assert.equal(json.status, 'done');
  assert.equal(json.totals.units, 4);
  assert.ok(json.dir.startsWith(path.join(cwd, 'store', 'runs')));
  const b = io(cwd);
  assert.equal(
    await main(
      ['run', config, '--json', '--limit', '2', '--runs-dir', 'store', '--new', '--models', 'random'],
      b,
    ),
    0,
  );
  assert.match((JSON.parse(b.stdout()) as { runId: string }).runId, /-2$/);
});

test('--runs-dir names the store root or its runs/ folder: either way the run lands in <root>/runs/<id>', async (t) => {
  const cwd = tmpRoot(t);
  const dirOf = async (runsDir: string): Promise<string> => {
    const x = io(cwd);
    const argv = [
      'run',
      config,
      '--json',
      '--limit',
      '2',
      '--new',
      '--models',
      'random',
      '--runs-dir',
      runsDir,
    ];
    assert.equal(await main(argv, x), 0, x.stderr());
    return path.dirname((JSON.parse(x.stdout()) as { dir: string }).dir);
  };
  // The folder the runs are in, as the option's name says: not store/runs/runs.
  assert.equal(await dirOf(path.join('store', 'runs')), path.join(cwd, 'store', 'runs'));
  assert.equal(await dirOf('store'), path.join(cwd, 'store', 'runs'));
  // A root that happens to be named "runs" and already holds runs/ stays a root.
  mkdirSync(path.join(cwd, 'old', 'runs', 'runs'), { recursive: true });
  assert.equal(await dirOf(path.join('old', 'runs')), path.join(cwd, 'old', 'runs', 'runs'));
});

test('ubp run: misuse is a usage error (exit 1, with the usage); a locked run names its holder (exit 1)', async (t) => {
  const cwd = tmpRoot(t);
  const cases: [string[], RegExp][] = [
    [['run'], /expected one config file/],
    [['run', config, '--model', 'x'], /--model needs --endpoint/],
    [['run', config, '--endpoint', 'http://localhost:1/v1'], /--endpoint needs --model/],
    [['run', config, '--endpoint', 'not a url', '--model', 'x'], /must be a URL/],
    [['run', config, '--concurrency', '0'], /--concurrency must be a positive integer/],
  ];
  for (const [argv, message] of cases) {
    const x = io(cwd);
    assert.equal(await main(argv, x), 1, argv.join(' '));
    assert.match(x.stderr(), /usage: ubp run/);
    assert.match(x.stderr(), message);
  }
  const p = await prepareEval(config, { root: path.join(cwd, '.ubp'), getApiKey: () => undefined });
  const held = await openRunStore({
    root: path.join(cwd, '.ubp'),
    runId: p.runId,
    manifest: p.manifest,
    tool: 'VS Code',
  });
  const y = io(cwd);
  assert.equal(await main(['run', config], y), 1);
  assert.match(y.stderr(), new RegExp(`in use by VS Code \\(pid ${process.pid}`));
  held.close({ status: 'cancelled' });
});

test('ubp run: a model needing a key that is not set is refused before any request', async (t) => {
  const cwd = tmpRoot(t);
  const x = io(cwd);
  const code = await main(
    [
      'run',
      config,
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--api-key-env',
      'UBP_TEST_KEY_UNSET',
    ],
    x,
  );
  assert.equal(code, 1);
  assert.match(x.stderr(), /UBP_TEST_KEY_UNSET.*not set/);
});

test('ubp run on a terminal: one updating progress line, cleared before the table', async (t) => {
  const cwd = tmpRoot(t);
  const x = { ...io(cwd), isTTY: true };
  let out = '';
  x.out = (s: string) => void (out += s);
  assert.equal(await main(['run', config, '--models', 'random'], x), 0);
  const progress = out.split('\r\x1b[K').slice(1, -1);
  assert.ok(progress.length >= 1, 'at least one progress line');
  assert.ok(
    progress.every((p) => !p.includes('\n')),
    'progress never scrolls',
  );
  assert.match(progress[progress.length - 1]!, /30\/30 \(100%\)/);
  assert.ok(out.includes('\r\x1b[K\nvariant'), 'the progress line is cleared before the table');
});
