import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  configHash,
  configJsonSchema,
  evalConfigSchema,
  loadConfig,
  parseConfig,
  resolveConfigPath,
} from '../../src/core/config';

const FILE = 'eval.ubp.json';
const base = { name: 'demo', dataset: { path: 'data/ml' }, task: { form: 'choice' } };
const withTask = (task: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...base, task: { form: 'choice', ...task }, ...extra });

/** The ConfigError a text raises (fails the test when it parses). */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    return e;
  }
  assert.fail(`parsed without error: ${text}`);
}

test('defaults: every documented default is filled in', () => {
  const c = parseConfig(JSON.stringify(base), FILE);
  assert.deepEqual(c.dataset, { path: 'data/ml', format: 'auto', mode: 'lenient' });
  assert.deepEqual(c.task, {
    form: 'choice',
    users: 200,
    seed: 0,
    minHistory: 5,
    history: 20,
    casesPerUser: 1,
    candidates: 5,
    negatives: 'uniform',
    likeThreshold: 4,
    topShare: 0.2,
    probe: false,
    split: 'auto',
    k: 10,
  });
  assert.deepEqual(c.prompts, ['builtin:choice']);
  assert.deepEqual(c.models, []);
  assert.deepEqual(c.baselines, ['random', 'popularity', 'recency', 'item-mean', 'item-knn', 'mf']);
  assert.deepEqual(c.run, {
    concurrency: 8,
    samples: 1,
    timeoutMs: 60000,
    connectTimeoutMs: 10000,
    maxRetries: 6,
    cache: true,
  });
});

test('defaults depend on the form: K = 20 for ranking, none for rating; baselines that fit the form', () => {
  const ranking = parseConfig(withTask({ form: 'ranking' }), FILE);
  assert.equal(ranking.task.candidates, 20);
  assert.deepEqual(ranking.prompts, ['builtin:ranking']);
  const rating = parseConfig(withTask({ form: 'rating' }), FILE);
  assert.equal(rating.task.candidates, undefined);
  assert.ok(!rating.baselines.includes('popularity'));
  assert.ok(rating.baselines.includes('user-mean'));
  const binary = parseConfig(withTask({ form: 'binary' }), FILE);
  assert.equal(binary.baselines.length, 7); // majority joined the six (issue 12)
});

test('a full config with every field parses and keeps its values', () => {
  const full = {
    $schema: './ubp.schema.json',
    name: 'full',
    description: 'all fields',
    dataset: {
      path: 'data/custom',
      format: 'generic',
      mode: 'strict',
      columns: {
        file: 'r.tsv',
        user: 'uid',
        item: 1,
        value: 'stars',
        timestamp: 'ts',
        delimiter: '\t',
        header: true,
        kind: 'explicit',
        scale: { min: 1, max: 10, step: 1 },
        items: {
          file: 'items.tsv',
          id: 0,
          title: 'name',
          genres: 'tags',
          genreSeparator: ',',
          extra: ['plot'],
        },
      },
    },
    task: {
      form: 'ranking',
      users: 50,
      seed: 7,
      minHistory: 10,
      history: 30,
      casesPerUser: 2,
      candidates: 50,
      negatives: 'popularity',
      likeThreshold: 7,
      topShare: 0.1,
      probe: true,
      split: 'temporal',
      k: 5,
    },
    prompts: ['prompts/a.prompt', 'builtin:ranking'],
    models: [
      {
        id: 'gpt-4o-mini',
        preset: 'openai',
        model: 'gpt-4o-mini',
        apiKeyEnv: 'OPENAI_API_KEY',
        params: {
          temperature: 0,
          top_p: 1,
          max_tokens: 200,
          seed: 1,
          stop: ['\n\n'],
          response_format: 'json_object',
        },
        headers: { 'X-Trace': 'ubp' },
        query: { 'api-version': '2024-10-21' },
        concurrency: 4,
        rpm: 500,
        tpm: 200000,
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
      {
        id: 'local',
        baseUrl: 'http://localhost:11434/v1',
        model: 'llama3.1:8b',
        params: { reasoning_effort: 'low' },
      },
    ],
    baselines: ['random', 'mf'],
    run: { concurrency: 2, samples: 3, timeoutMs: 1000, maxRetries: 0, budgetUsd: 1.5, cache: false },
  };
  const c = parseConfig(JSON.stringify(full), FILE);
  assert.equal(c.task.candidates, 50);
  assert.equal(c.dataset.columns?.items?.genreSeparator, ',');
  assert.equal(c.models[0].params?.temperature, 0);
  assert.equal(c.run.budgetUsd, 1.5);
  assert.equal(c.$schema, './ubp.schema.json');
});

test('bad values name the file and the field path', () => {
  const cases: [string, RegExp][] = [
    [withTask({ users: -3 }), /^eval\.ubp\.json: task\.users: expected a positive integer, got -3$/],
    [withTask({ users: 2.5 }), /^eval\.ubp\.json: task\.users: expected an integer, got 2\.5$/],
    [withTask({ seed: 'one' }), /^eval\.ubp\.json: task\.seed: expected a number, got "one"$/],
    [
      withTask({ form: 'regression' }),
      /task\.form: expected one of "rating", "binary", "choice", "ranking", "recall", "completion", got "regression"/,
    ],
    [withTask({ negatives: 'hard' }), /task\.negatives: expected one of "uniform", "popularity", got "hard"/],
    [withTask({ topShare: 1.5 }), /task\.topShare: expected a number <= 1, got 1\.5/],
    [withTask({ history: -1 }), /task\.history: expected a non-negative integer, got -1/],
    [
      withTask({ candidates: 27 }),
      /task\.candidates: expected at most 26 candidates for the choice form, got 27/,
    ],
    [withTask({ candidates: 1 }), /task\.candidates: expected a number >= 2, got 1/],
    [
      withTask({ form: 'ranking', k: 25 }),
      /task\.k: expected a cut-off smaller than the 20 candidates \(HR@k is always 1 when k >= K\), got 25/,
    ],
    [withTask({ probe: 'yes' }), /task\.probe: expected true or false, got "yes"/],
    [withTask({}, { dataset: { path: '' } }), /dataset\.path: must not be empty/],
    [
      withTask({}, { dataset: { path: 'x', format: 'csv' } }),
      /dataset\.format: expected one of "auto", .*got "csv"/,
    ],
    [withTask({}, { prompts: [] }), /prompts: expected at least 1 entry/],
    [
      withTask({}, { prompts: ['builtin:rating'] }),
      /prompts\[0\]: "builtin:rating" is the rating template, but task\.form is "choice"/,
    ],
    [
      withTask({}, { baselines: ['random', 'oracle'] }),
      /baselines\[1\]: expected one of "random", .*got "oracle"/,
    ],
    [withTask({}, { baselines: ['mf', 'mf'] }), /baselines\[1\]: duplicate baseline "mf"/],
    [withTask({}, { run: { timeoutMs: 0 } }), /run\.timeoutMs: expected a positive integer, got 0/],
    [withTask({}, { run: { budgetUsd: -1 } }), /run\.budgetUsd: expected a number > 0, got -1/],
    [
      withTask({}, { models: [{ id: 'a', model: 'm', baseUrl: 'localhost' }] }),
      /models\[0\]\.baseUrl: expected a URL/,
    ],
    [
      withTask({}, { models: [{ id: 'a', model: 'm', params: { temperature: 3 } }] }),
      /models\[0\]\.params\.temperature: expected a number <= 2, got 3/,
    ],
    [withTask({}, { models: [{ id: 'a' }] }), /models\[0\]\.model: required field is missing/],
    [
      withTask(
        {},
        {
          models: [
            { id: 'a', model: 'm' },
            { id: 'a', model: 'n' },
          ],
        },
      ),
      /models\[1\]\.id: duplicate model id "a"/,
    ],
    [
      JSON.stringify({ dataset: { path: 'x' }, task: { form: 'rating' } }),
      /^eval\.ubp\.json: name: required field is missing$/,
    ],
    ['[]', /^eval\.ubp\.json: expected an object, got an array$/],
  ];
  for (const [text, re] of cases) assert.match(errorOf(text).message, re);
});

test('unknown fields are errors, with a suggestion when a known name is close', () => {
  const e = errorOf(withTask({ candidate: 5 }, { modles: [] }));
  assert.match(e.message, /^eval\.ubp\.json: 2 problems:/);
  assert.match(e.message, /task\.candidate: unknown field \(did you mean "candidates"\?\)/);
  assert.match(e.message, /modles: unknown field \(did you mean "models"\?\)/);
  assert.equal(e.problems.length, 2);
  assert.match(errorOf(withTask({}, { run: { colour: 'red' } })).message, /run\.colour: unknown field$/m);
  // The hint comes from the fields of that object: "user" is a generic column's field, not a task's.
  assert.match(
    errorOf(withTask({ user: 30 })).message,
    /task\.user: unknown field \(did you mean "users"\?\)/,
  );
});

test('several problems are all listed, one per line', () => {
  const e = errorOf(withTask({ users: 0, seed: -1, form: 'x' }, { run: { samples: 'two' } }));
  assert.equal(e.problems.length, 4);
  assert.deepEqual(e.problems.map((p) => p.path).sort(), [
    'run.samples',
    'task.form',
    'task.seed',
    'task.users',
  ]);
  assert.equal(e.message.split('\n').length, 5);
});

test('API keys are rejected wherever they appear, pointing to SecretStorage or an environment variable', () => {
  const model = (m: Record<string, unknown>) => withTask({}, { models: [{ id: 'a', model: 'm', ...m }] });
  const keyMessage =
    /API keys never go in a config file: they live in VS Code SecretStorage or in an environment variable/;
  for (const [text, field] of [
    [model({ apiKey: 'sk-abcdefghijklmnop' }), 'models[0].apiKey'],
    [model({ key: 'abc' }), 'models[0].key'],
    [model({ api_key: 'abc' }), 'models[0].api_key'],
    [model({ headers: { Authorization: 'Bearer abc' } }), 'models[0].headers.Authorization'],
    [model({ headers: { 'api-key': 'abc' } }), 'models[0].headers["api-key"]'],
    [model({ headers: { 'X-Custom': 'sk-proj-abcdefghijkl' } }), 'models[0].headers["X-Custom"]'],
    [model({ query: { key: 'abc' } }), 'models[0].query.key'],
  ] as const) {
    const e = errorOf(text);
    assert.equal(e.problems[0].path, field, e.message);
    assert.match(e.message, keyMessage);
  }
  assert.match(
    errorOf(model({ apiKeyEnv: 'sk-abcdef1234' })).message,
    /models\[0\]\.apiKeyEnv: expected the NAME of an environment variable/,
  );
  assert.equal(parseConfig(model({ apiKeyEnv: 'MY_KEY' }), FILE).models[0].apiKeyEnv, 'MY_KEY');
});

test('invalid JSON is reported with line:column', () => {
  assert.match(errorOf('{\n  "name": "x",\n}').message, /^eval\.ubp\.json: 3:1: invalid JSON: /);
  assert.match(errorOf('{"name": "x"').message, /^eval\.ubp\.json: 1:13: invalid JSON: /);
  assert.match(errorOf('').message, /^eval\.ubp\.json: the file is empty/);
  // A byte-order mark is fine.
  assert.equal(parseConfig(`\ufeff${JSON.stringify(base)}`, FILE).name, 'demo');
});

test('hash: equal effective configs hash equally (key order, explicit defaults); any change differs', () => {
  const a = parseConfig(JSON.stringify(base), FILE);
  const b = parseConfig(
    JSON.stringify({
      task: { users: 200, form: 'choice', candidates: 5 },
      dataset: { path: 'data/ml' },
      name: 'demo',
    }),
    FILE,
  );
  assert.equal(configHash(a), configHash(b));
  assert.match(configHash(a), /^[0-9a-f]{64}$/);
  assert.notEqual(configHash(a), configHash(parseConfig(withTask({ seed: 1 }), FILE)));
});

test('loadConfig: reads the file, resolves its folder, hashes; a missing file names itself', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ubp-config-'));
  await mkdir(path.join(dir, 'evals'));
  const file = path.join(dir, 'evals', 'e.ubp.json');
  await writeFile(file, JSON.stringify(base));
  const loaded = await loadConfig(file);
  assert.equal(loaded.file, file);
  assert.equal(loaded.dir, path.join(dir, 'evals'));
  assert.equal(loaded.hash, configHash(loaded.config));
  assert.equal(
    resolveConfigPath(loaded.config, loaded.dir, loaded.config.dataset.path),
    path.join(dir, 'evals/data/ml'),
  );
  assert.equal(resolveConfigPath(loaded.config, loaded.dir, '../p/a.prompt'), path.join(dir, 'p/a.prompt'));
  assert.equal(
    resolveConfigPath(loaded.config, loaded.dir, 'bundled:ml-latest-small'),
    'bundled:ml-latest-small',
  );
  assert.equal(resolveConfigPath(loaded.config, loaded.dir, 'builtin:choice'), 'builtin:choice');
  assert.equal(resolveConfigPath(loaded.config, loaded.dir, '/abs/x'), '/abs/x');
  await assert.rejects(loadConfig(path.join(dir, 'missing.ubp.json')), /missing\.ubp\.json: no such file/);
  await writeFile(path.join(dir, 'bad.ubp.json'), withTask({ users: -3 }));
  await assert.rejects(
    loadConfig(path.join(dir, 'bad.ubp.json')),
    /bad\.ubp\.json: task\.users: expected a positive integer, got -3/,
  );
});

test('JSON schema for editors: every field described, strict objects, defaults shown', () => {
  const schema = configJsonSchema() as Record<string, unknown>;
  const seen: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties) {
      assert.equal(n.additionalProperties, false, `${at} is not strict`);
      for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
        seen.push(`${at}${k}`);
        assert.ok(
          typeof v.description === 'string' && v.description.length > 5,
          `${at}${k} has no description`,
        );
        walk(v, `${at}${k}.`);
      }
    }
    for (const key of ['items', 'anyOf']) {
      const child = n[key];
      if (Array.isArray(child)) child.forEach((c) => walk(c, at));
      else if (child) walk(child, at);
    }
  };
  walk(schema, '');
  for (const f of [
    'name',
    'dataset.columns.items.extra',
    'task.likeThreshold',
    'models.params.response_format',
    'run.cache',
  ])
    assert.ok(seen.includes(f), `${f} missing from the JSON schema`);
  const task = (schema.properties as Record<string, Record<string, Record<string, Record<string, unknown>>>>)
    .task;
  assert.equal(task.properties.users.default, 200);
  assert.deepEqual((schema as { required: string[] }).required.sort(), ['dataset', 'name', 'task']);
  // The schema object is the one parseConfig uses.
  assert.ok(evalConfigSchema.safeParse(JSON.parse(JSON.stringify(base))).success);
});

test('docs/config.md documents every field of the schema', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = await readFile(path.resolve(import.meta.dirname, '../../docs/config.md'), 'utf8');
  const names = new Set<string>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    for (const [k, v] of Object.entries((n.properties as Record<string, unknown>) ?? {})) {
      names.add(k);
      walk(v);
    }
    for (const key of ['items', 'anyOf']) {
      const child = n[key];
      if (Array.isArray(child)) child.forEach(walk);
      else walk(child);
    }
  };
  walk(configJsonSchema());
  assert.ok(names.size > 60, `${names.size} fields`);
  for (const name of names)
    assert.ok(doc.includes(`\`${name}\``), `docs/config.md does not mention \`${name}\``);
});
