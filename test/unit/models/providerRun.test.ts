// End to end through `ubp run`: an eval against the test server's Anthropic /v1/messages beside an
// OpenAI-compatible model on another server. Every Messages request carries x-api-key and anthropic-version; the
// Anthropic key never reaches the other server, nor any header but x-api-key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT } from '../../../src/cli/exitCodes';
import { main } from '../../../src/cli/main';
import { listRuns, readRun } from '../../../src/core/run/store';
import { startTestServer } from '../../server/server';
import { bufferIO, tmpRoot } from '../run/helpers';

const fixtures = path.resolve(__dirname, '../../fixtures/run');
const KEY = 'sk-ant-e2e-0123456789abcdef';

test('an eval runs against /v1/messages with the right headers, and the key goes nowhere else', async (t) => {
  const anthropic = await startTestServer({ apiKey: KEY, models: ['claude-sonnet-4-5'] });
  const openai = await startTestServer();
  t.after(() => Promise.all([anthropic.close(), openai.close()]));
  const cwd = tmpRoot(t);
  const config = path.join(cwd, 'two.ubp.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: 'two providers',
      dataset: { path: path.join(fixtures, 'mini-ml'), format: 'movielens-csv' },
      task: { form: 'choice', users: 30, candidates: 5, history: 8 },
      baselines: [],
      models: [
        {
          id: 'claude',
          provider: 'anthropic',
          baseUrl: anthropic.root,
          model: 'claude-sonnet-4-5',
          apiKeyEnv: 'UBP_TEST_ANTHROPIC_KEY',
          params: { response_format: 'json_schema' },
        },
        { id: 'local', baseUrl: openai.url, model: 'test-model' },
      ],
    }),
  );
  const io = bufferIO(cwd, { UBP_TEST_ANTHROPIC_KEY: KEY });
  assert.equal(await main(['run', config], io), 0, io.stderr());

  const a = anthropic.stats();
  assert.equal(a.messagesRequests, 30);
  assert.equal(a.requests, 30, 'only Messages requests reached the Anthropic server');
  for (const rec of a.log) {
    assert.equal(rec.path, '/v1/messages');
    assert.equal(rec.headers['x-api-key'], KEY);
    assert.equal(rec.headers['anthropic-version'], '2023-06-01');
    assert.equal(rec.headers.authorization, undefined);
    assert.equal(typeof rec.body!.max_tokens, 'number');
    assert.equal(typeof rec.body!.system, 'string');
  }
  const o = openai.stats();
  assert.equal(o.chatRequests, 30);
  for (const rec of o.log)
    assert.ok(!JSON.stringify(rec.headers).includes(KEY), 'the Anthropic key reached the other server');

  const run = await readRun(listRuns(path.join(cwd, '.ubp'))[0]!.dir);
  const claude = run.results.filter((r) => r.model === 'claude');
  assert.equal(claude.length, 30);
  assert.ok(
    claude.every((r) => r.outcome === 'success'),
    'every forced-tool answer parses',
  );
  assert.ok(claude.every((r) => (r.usage?.prompt ?? 0) > 0));
  assert.ok(
    claude.every((r) => typeof r.costUsd === 'number' && r.costUsd > 0),
    'priced from the table',
  );
  assert.ok(!JSON.stringify(run).includes(KEY), 'the key is in no run file');
});

test('ubp run --provider anthropic --endpoint <API root> --model: the CLI model speaks Messages', async (t) => {
  const server = await startTestServer({ apiKey: KEY });
  t.after(() => server.close());
  const cwd = tmpRoot(t);
  const args = [
    'run',
    path.join(fixtures, 'mini-choice.ubp.json'),
    '--endpoint',
    server.root,
    '--provider',
    'anthropic',
    '--model',
    'claude-haiku-4-5',
    '--api-key-env',
    'UBP_TEST_ANTHROPIC_KEY',
    '--models',
    'claude-haiku-4-5',
  ];
  const io = bufferIO(cwd, { UBP_TEST_ANTHROPIC_KEY: KEY });
  assert.equal(await main(args, io), 0, io.stderr());
  assert.match(io.stdout(), /builtin-choice×claude-haiku-4-5\s+30\s+0\.\d{3} \[/);
  assert.equal(server.stats().messagesRequests, 30);
  assert.ok(server.stats().log.every((r) => r.headers['x-api-key'] === KEY));

  const bad = bufferIO(cwd);
  assert.equal(await main([...args.slice(0, 4), '--provider', 'gemini', '--model', 'x'], bad), EXIT.error);
  assert.match(bad.stderr(), /--provider must be one of openai, anthropic/);
});
