// The built `ubp` (esbuild's CommonJS chunks, as scripts/build.mjs makes them) submits a batch: the openai package
// reached through a dynamic import is a CommonJS namespace there, whose `default` is not the client class
// (`ubp batch submit` failed with "OpenAIClient is not a constructor" while the tests from source passed).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'node:test';
import * as esbuild from 'esbuild';
// @ts-expect-error: a plain .mjs script without types
import { buildCli, ranksBuild } from '../../../scripts/cli-build.mjs';
import { startTestServer } from '../../server/server';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/run/mini-choice.ubp.json');

test('the built CLI submits an OpenAI batch (the client class is found in the bundle)', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-built-batch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outDir = path.join(dir, 'dist');
  const common = { bundle: true, absWorkingDir: repo, logLevel: 'error' } as const;
  await Promise.all([buildCli({ outDir, common }), esbuild.build(ranksBuild({ outDir, common }))]);
  const server = await startTestServer();
  t.after(() => server.close());
  const config = path.join(dir, 'batch.ubp.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: 'built batch',
      dataset: { path: path.join(path.dirname(fixture), 'mini-ml'), format: 'movielens-csv' },
      task: { form: 'choice', users: 5, candidates: 5, history: 8 },
      models: [
        { id: 'gpt', preset: 'openai', baseUrl: server.url, model: 'gpt-4o-mini', apiKeyEnv: 'UBP_TEST_KEY' },
      ],
      baselines: ['random'],
    }),
  );
  const r = await promisify(execFile)(
    process.execPath,
    [path.join(outDir, 'cli.js'), 'batch', 'submit', config, '--runs-dir', path.join(dir, '.ubp')],
    { cwd: dir, env: { ...process.env, UBP_TEST_KEY: 'test-key', UBP_CODE_CACHE: '0' } },
  ).catch((e: { code?: number; stdout?: string; stderr?: string }) => e);
  assert.equal(r.stderr ?? '', '', 'no error');
  assert.match(r.stdout ?? '', /run built-batch-\w+: 5 requests in 1 batch/);
});
