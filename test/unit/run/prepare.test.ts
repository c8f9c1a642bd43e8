import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  applyOverrides,
  baseRunId,
  prepareEval,
  runKeyHash,
  selectVariants,
} from '../../../src/core/run/prepare';
import { CASES_VERSION } from '../../../src/core/tasks';
import { readRun } from '../../../src/core/run/store';
import { loadConfig } from '../../../src/core/config';
import type { LlmFactory } from '../../../src/core/run/wiring';
import { FakePredictor, tmpRoot } from './helpers';

const fixtures = path.resolve(__dirname, '../../fixtures/run');
const config = path.join(fixtures, 'mini-choice.ubp.json');

/** An LLM that always answers the first candidate; records the messages it saw. */
function fakeLlm(seen: { model: string; content: string }[]): LlmFactory {
  return async ({ model }) => ({
    origin: 'http://fake.test',
    forTemplate: () =>
      new FakePredictor(model.id, (req) => {
        seen.push({ model: model.id, content: req.messages.map((m) => m.content).join('\n') });
        return { raw: '{"choice": "A"}', usage: { prompt: 100, completion: 5 } };
      }),
    cost: (u) => (u.prompt * 1 + u.completion * 2) / 1e6,
    countTokens: () => 100,
  });
}

test('prepareEval: baselines only, then the same config resumes the same run', async (t) => {
  const root = tmpRoot(t);
  const p = await prepareEval(config, { root, getApiKey: () => undefined });
  assert.deepEqual(
    p.variants.map((v) => v.id),
    ['baseline:random', 'baseline:popularity', 'baseline:item-knn'],
  );
  assert.equal(p.cases.length, 30);
  assert.match(p.runId, /^mini-choice-[0-9a-f]{8}$/);
  const summary = await (await p.start()).done;
  assert.equal(summary.status, 'done');
  assert.equal(summary.totals.success, 90);
  const again = await prepareEval(config, { root, getApiKey: () => undefined, concurrency: 3, cache: false });
  assert.equal(again.runId, p.runId, 'execution-only settings do not change the run id');
  const fresh = await prepareEval(config, { root, getApiKey: () => undefined, fresh: true });
  assert.equal(fresh.runId, `${p.runId}-2`);
});

test('prepareEval: templates × models are variants; messages rendered; estimate and manifest filled', async (t) => {
  const root = tmpRoot(t);
  const seen: { model: string; content: string }[] = [];
  const p = await prepareEval(config, {
    root,
    getApiKey: () => undefined,
    addModels: [
      { id: 'm1', baseUrl: 'http://fake.test/v1', model: 'fake-1' },
      { id: 'm2', baseUrl: 'http://fake.test/v1', model: 'fake-2' },
    ],
    only: ['m1', 'm2', 'popularity'],
    limit: 10,
    createLlm: fakeLlm(seen),
  });
  assert.deepEqual(
    p.variants.map((v) => v.id),
    ['baseline:popularity', 'builtin-choice×m1', 'builtin-choice×m2'],
  );
  assert.equal(p.cases.length, 10);
  assert.equal(p.caseCount, 30);
  assert.equal(p.estimate.llmRequests, 20);
  assert.equal(p.estimate.promptTokens, 2000);
  assert.ok(p.estimate.costUsd! > 0);
  const loaded = await loadConfig(config);
  assert.notEqual(runKeyHash(loaded.config), p.runKeyHash, 'added models are part of the run id');
  assert.notEqual(baseRunId(loaded.config), p.runId);

  const summary = await (await p.start()).done;
  assert.equal(summary.status, 'done');
  assert.equal(seen.length, 20);
  assert.ok(
    seen.every((s) => /Which one is it\?/.test(s.content)),
    'the built-in choice template was rendered',
  );
  const run = await readRun(p.runId, root);
  assert.equal(run.manifest.variants.length, 3);
  assert.equal(run.manifest.cases, 30);
  assert.equal(run.manifest.dataset.form, 'choice');
  assert.match(run.manifest.dataset.fingerprint, /^[0-9a-f]{16,}$/);
  const llmLine = run.results.find((r) => r.variant === 'builtin-choice×m1')!;
  assert.equal(llmLine.template, 'builtin-choice');
  assert.equal(llmLine.prediction?.form, 'choice');
  assert.equal(llmLine.messages?.[0]?.role, 'system');
  assert.ok(summary.totals.costUsd > 0);
});

test('prepareEval: unknown names in --models are refused with the known ones listed', async (t) => {
  const root = tmpRoot(t);
  await assert.rejects(
    prepareEval(config, { root, getApiKey: () => undefined, only: ['gpt-9'] }),
    /"gpt-9", not in the config.*baselines: random, popularity, item-knn/,
  );
});

test('the run id follows the template text; --models subsets and execution settings keep it', async (t) => {
  const dir = tmpRoot(t);
  const { builtinTemplates } = await import('../../../src/core/prompt');
  const { writeFileSync, cpSync } = await import('node:fs');
  cpSync(path.join(fixtures, 'mini-ml'), path.join(dir, 'mini-ml'), { recursive: true });
  writeFileSync(path.join(dir, 'mine.prompt'), builtinTemplates.choice.replace('builtin-choice', 'mine'));
  const cfg = path.join(dir, 'eval.ubp.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'templated',
      dataset: { path: 'mini-ml' },
      task: { form: 'choice', users: 5 },
      prompts: ['mine.prompt'],
      models: [{ id: 'm', baseUrl: 'http://fake.test/v1', model: 'fake' }],
      baselines: ['random'],
    }),
  );
  const opts = { root: path.join(dir, '.ubp'), getApiKey: () => undefined, createLlm: fakeLlm([]) };
  const first = await prepareEval(cfg, opts);
  assert.deepEqual(
    first.variants.map((v) => v.id),
    ['baseline:random', 'mine×m'],
  );
  assert.equal((await prepareEval(cfg, { ...opts, only: ['random'], concurrency: 2 })).runId, first.runId);
  writeFileSync(
    path.join(dir, 'mine.prompt'),
    builtinTemplates.choice.replace('builtin-choice', 'mine').replace('Which one is it?', 'Which one?'),
  );
  assert.notEqual((await prepareEval(cfg, opts)).runId, first.runId, 'an edited template is a new run');
});

test('prepareEval: samples > 1 at temperature 0 is a warning; the manifest records the split and casesVersion', async (t) => {
  const root = tmpRoot(t);
  const model = { id: 'm1', baseUrl: 'http://fake.test/v1', model: 'fake-1' };
  const warm = await prepareEval(config, {
    root,
    getApiKey: () => undefined,
    addModels: [{ ...model, params: { temperature: 0.7 } }],
    createLlm: fakeLlm([]),
  });
  assert.ok(!warm.warnings.some((w) => /temperature 0/.test(w)));
  assert.equal(warm.manifest.casesVersion, CASES_VERSION);
  assert.deepEqual(warm.manifest.split, { kind: warm.split });
  // The config's samples: 2 is set through a copy of the fixture.
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(root, 'cfg-'));
  const text = JSON.parse(readFileSync(config, 'utf8')) as { dataset: { path: string }; run?: object };
  text.dataset.path = path.resolve(fixtures, text.dataset.path);
  text.run = { ...text.run, samples: 2 };
  const file = path.join(dir, 'samples.ubp.json');
  writeFileSync(file, JSON.stringify(text));
  // The built-in template asks for temperature 0.
  const cold = await prepareEval(file, {
    root,
    getApiKey: () => undefined,
    addModels: [model],
    createLlm: fakeLlm([]),
  });
  assert.ok(
    cold.warnings.some((w) => /samples is 2 .*builtin-choice×m1 runs at temperature 0/.test(w)),
    cold.warnings.join('\n'),
  );
});

test('prepare steps: overrides, selection, a resume estimate of what is left, the effective config in the manifest', async (t) => {
  const { config: parsed, file } = await loadConfig(config);
  const withModel = applyOverrides(parsed, file, {
    addModels: [{ id: 'o3', baseUrl: 'http://fake.test/v1', model: 'o3' }],
    concurrency: 3,
    cache: false,
  });
  assert.deepEqual(
    withModel.models.map((m) => m.id),
    ['o3'],
  );
  assert.equal(withModel.run.concurrency, 3);
  assert.equal(withModel.run.cache, false);
  assert.deepEqual(selectVariants(withModel, ['popularity']), { models: [], baselines: ['popularity'] });
  assert.throws(() => selectVariants(withModel, ['nope']), /--models names "nope", not in the config/);

  const root = tmpRoot(t);
  const p = await prepareEval(config, {
    root,
    getApiKey: () => undefined,
    addModels: [{ id: 'o3', baseUrl: 'http://fake.test/v1', model: 'o3' }],
    createLlm: fakeLlm([]),
    limit: 10,
  });
  // A reasoning model: completion tokens reserved for its reasoning (medium effort).
  assert.equal(p.estimate.reasoningReserve, 10 * 2048);
  assert.equal(p.estimate.units, 10 * 4);
  assert.equal(p.estimate.alreadyDone, 0);
  const m = p.manifest.config;
  assert.equal(m.task?.candidates, 5, 'the manifest holds the effective config');
  const handle = await p.start();
  await handle.done;
  const again = await prepareEval(config, {
    root,
    getApiKey: () => undefined,
    addModels: [{ id: 'o3', baseUrl: 'http://fake.test/v1', model: 'o3' }],
    createLlm: fakeLlm([]),
  });
  assert.equal(again.runId, p.runId);
  assert.equal(again.estimate.alreadyDone, 40, 'the 10 cases run before count as done');
  assert.equal(again.estimate.units, 30 * 4 - 40, 'the resume estimates only what is left');
  assert.equal(again.estimate.llmRequests, 20);
});

test('prepareEval: the recency baseline over data without release years is said to be random in effect', async (t) => {
  const dir = tmpRoot(t);
  const data = path.join(dir, 'lastfm');
  mkdirSync(data);
  const artists = Array.from(
    { length: 30 },
    (_, i) => `${i + 1}\tBand ${i + 1}\thttp://x/${i}\thttp://y/${i}`,
  );
  writeFileSync(path.join(data, 'artists.dat'), `id\tname\turl\tpictureURL\n${artists.join('\n')}\n`);
  const plays: string[] = [];
  for (let u = 1; u <= 12; u++)
    for (let a = 0; a < 10; a++) plays.push(`${u}\t${((u * 7 + a * 3) % 30) + 1}\t${100 + a * u}`);
  writeFileSync(path.join(data, 'user_artists.dat'), `userID\tartistID\tweight\n${plays.join('\n')}\n`);
  const file = path.join(dir, 'lfm.ubp.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'lfm',
      dataset: { path: 'lastfm', format: 'lastfm-hetrec' },
      task: { form: 'choice', users: 12, candidates: 5 },
      baselines: ['random', 'recency'],
    }),
  );
  const p = await prepareEval(file, { root: path.join(dir, '.ubp'), getApiKey: () => undefined });
  assert.ok(
    p.warnings.some((w) => /baseline recency: no item of .* has a release year/.test(w)),
    p.warnings.join('\n'),
  );
  // Movies carry their year: no such warning.
  const movieFile = path.join(dir, 'ml.ubp.json');
  writeFileSync(
    movieFile,
    JSON.stringify({
      name: 'ml',
      dataset: { path: path.join(fixtures, 'mini-ml'), format: 'movielens-csv' },
      task: { form: 'choice', users: 12, candidates: 5 },
      baselines: ['random', 'recency'],
    }),
  );
  const movies = await prepareEval(movieFile, { root: path.join(dir, '.ubp2'), getApiKey: () => undefined });
  assert.ok(!movies.warnings.some((w) => /recency/.test(w)), movies.warnings.join('\n'));
});

test('prepareEval resume: continues exactly the run asked for; refuses one the config no longer makes', async (t) => {
  const root = tmpRoot(t);
  const opts = { root, getApiKey: () => undefined, only: ['popularity'] };
  const first = await prepareEval(config, opts);
  await (
    await first.start()
  ).done;
  const newer = await prepareEval(config, { ...opts, fresh: true });
  await (
    await newer.start()
  ).done;
  assert.equal(newer.runId, `${first.runId}-2`);
  // Without `resume` the latest run is taken; with it, the older one the user chose.
  assert.equal((await prepareEval(config, opts)).runId, newer.runId);
  assert.equal((await prepareEval(config, { ...opts, resume: first.runId })).runId, first.runId);
  // A config that now makes other cases (here: a model added) makes another run.
  await assert.rejects(
    prepareEval(config, {
      ...opts,
      resume: first.runId,
      addModels: [{ id: 'x', baseUrl: 'http://fake.test/v1', model: 'x' }],
    }),
    new RegExp(`run ${first.runId} cannot be continued: its config now makes run`),
  );
  await assert.rejects(
    prepareEval(config, { ...opts, resume: `${first.runId}-other` }),
    /cannot be continued/,
  );
});
