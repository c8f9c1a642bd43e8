// The paper's experiment as a pack (configs/paper): every config is valid and names the paper's three models and
// every baseline that fits its form; configs on bundled data build their cases as they are; the others fail
// `ubp cases` and `ubp run` with one line naming the `ubp download` command that fetches their data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { baselinesByForm, loadConfig, resolveConfigPath } from '../../../src/core/config';
import { hasForm } from '../../../src/core/forms';
import { bufferIO } from '../run/helpers';

const repoRoot = path.resolve(__dirname, '../../..');
const packDir = path.join(repoRoot, 'configs/paper');
const files = readdirSync(packDir)
  .filter((f) => f.endsWith('.ubp.json'))
  .map((f) => path.join(packDir, f));

const io = bufferIO;

test('every paper config names GPT-4o, GPT-4o-mini, Llama-3.1-8B-Instruct (Ollama) and every fitting baseline', async () => {
  assert.ok(files.length >= 14, `only ${files.length} configs in ${packDir}`);
  const forms = new Set<string>();
  for (const file of files) {
    const { config } = await loadConfig(file);
    forms.add(`${config.dataset.path.includes('lastfm') ? 'music' : 'movies'}:${config.task.form}`);
    assert.deepEqual(
      config.models.map((m) => [m.id, m.preset, m.model]),
      [
        ['gpt-4o', 'openai', 'gpt-4o'],
        ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
        ['llama-3.1-8b-instruct', 'ollama', 'llama3.1:8b'],
      ],
      file,
    );
    const form = config.task.form;
    if (hasForm(form)) assert.deepEqual(config.baselines, baselinesByForm(form), file);
  }
  for (const f of [
    'movies:rating',
    'movies:binary',
    'movies:choice',
    'movies:ranking',
    'music:binary',
    'music:choice',
    'music:ranking',
    'movies:recall',
    'music:recall',
  ])
    assert.ok(forms.has(f), `no ${f} config`);
});

test('paper configs on bundled data build their cases as they are', async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'ubp-paper-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const bundled = files.filter((f) => readFileSync(f, 'utf8').includes('bundled:'));
  assert.ok(bundled.length >= 4);
  for (const file of bundled) {
    const b = io(repoRoot);
    const target = path.join(out, `${path.basename(file)}.jsonl`);
    assert.equal(await main(['cases', file, '--out', target], b), 0, b.stderr());
    const lines = readFileSync(target, 'utf8').trim().split('\n');
    assert.equal(lines.length, 200, file);
    assert.match(b.stderr(), /200 \w+ case\(s\) from ml-latest-small/);
  }
});

test('paper configs whose data is absent name the ubp download command in one line', async (t) => {
  const runs = mkdtempSync(path.join(tmpdir(), 'ubp-paper-runs-'));
  t.after(() => rmSync(runs, { recursive: true, force: true }));
  const others = files.filter((f) => !readFileSync(f, 'utf8').includes('bundled:'));
  assert.ok(others.length >= 7);
  for (const file of others) {
    const { config, dir } = await loadConfig(file);
    const data = resolveConfigPath(config, dir, config.dataset.path);
    if (existsSync(data)) continue; // downloaded on this machine: nothing to name
    const name = path.basename(data);
    for (const argv of [
      ['cases', file],
      ['run', file, '--runs-dir', runs],
    ]) {
      const b = io(repoRoot);
      assert.equal(await main(argv, b), 1, `${argv[0]} ${file}`);
      assert.equal(b.stderr().trim().split('\n').length, 1, b.stderr());
      assert.ok(
        b.stderr().includes(`ubp download ${name} --dir ${path.dirname(data)}`),
        `${argv[0]} ${file}: ${b.stderr()}`,
      );
    }
  }
});

test('the music configs build cases on the real Last.fm HetRec data', async (t) => {
  const real = path.resolve(repoRoot, '../shared/data/hetrec2011-lastfm-2k');
  if (!existsSync(path.join(real, 'user_artists.dat'))) {
    t.skip(`${real} absent: the real-data check needs ../shared/data`);
    return;
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'ubp-paper-music-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  for (const file of files.filter((f) => path.basename(f).startsWith('music-'))) {
    const copy = path.join(tmp, path.basename(file));
    writeFileSync(copy, readFileSync(file, 'utf8').replace('../../datasets/hetrec2011-lastfm-2k', real));
    const b = io(tmp);
    assert.equal(await main(['cases', copy, '--out', `${copy}.jsonl`], b), 0, b.stderr());
    assert.match(b.stderr(), /200 \w+ case\(s\) from hetrec2011-lastfm-2k/);
  }
});
