// What the built `ubp` loads: the CLI is built as in scripts/build.mjs (scripts/cli-build.mjs) into a temporary
// folder with esbuild's metafile, run in a child process whose loads are recorded (the launcher's record of the
// chunks it loaded, an ES-module load hook and require.cache), and the files it loaded are mapped back to their
// sources. A baselines-only `ubp run` must not load the model clients, LiquidJS, yaml, the tokenizer, the batch
// engine or the other commands' code: an eager import of any of them anywhere on the run's path fails this test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'node:test';
import * as esbuild from 'esbuild';
// @ts-expect-error: a plain .mjs script without types
import { buildCli, ranksBuild } from '../../../scripts/cli-build.mjs';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/run/mini-choice.ubp.json');

// Loaded first in the child: records every ES module it loads (the hook runs on the loader's thread) and, at exit,
// every CommonJS file node loaded (the launcher) and every chunk the launcher loaded (its record, launcher.ts).
const REGISTER = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('./hooks.mjs', import.meta.url);
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const chunks = globalThis[Symbol.for('ubp.cli.chunks')];
  const files = [...Object.keys(cache), ...(chunks ? chunks.keys() : [])];
  const states = chunks ? [...chunks].map(([f, state]) => 'code-cache ' + state + ' ' + f + '\\n') : [];
  appendFileSync(process.env.UBP_LOAD_LOG, files.map((f) => 'file://' + f + '\\n').join('') + states.join(''));
});
`;
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.UBP_LOAD_LOG, url + '\\n');
  return next(url, context);
}
`;

interface Built {
  dir: string;
  /** Output file (absolute) -> the sources bundled into it. */
  inputsOf: Map<string, string[]>;
}

async function buildForTest(): Promise<Built> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-lazy-'));
  const outDir = path.join(dir, 'dist');
  const common = { bundle: true, absWorkingDir: repo, logLevel: 'error', metafile: true } as const;
  const [inputsOf, ranks] = await Promise.all([
    buildCli({ outDir, common }) as Promise<Map<string, string[]>>,
    esbuild.build(ranksBuild({ outDir, common })),
  ]);
  for (const [file, out] of Object.entries(ranks.metafile!.outputs) as [
    string,
    esbuild.Metafile['outputs'][string],
  ][])
    inputsOf.set(path.resolve(repo, file), Object.keys(out.inputs));
  writeFileSync(path.join(dir, 'register.mjs'), REGISTER);
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  return { dir, inputsOf };
}

/**
 * Runs the built CLI; returns the sources of every bundle file it loaded, the loaded files themselves, and what the
 * code cache did for each chunk (a cache folder of the test's own, shared by the runs of one build).
 */
function loaded(
  built: Built,
  args: string[],
): { sources: Set<string>; files: string[]; cache: Map<string, string> } {
  const log = path.join(built.dir, `loads-${args[0]}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      pathToFileURL(path.join(built.dir, 'register.mjs')).href,
      path.join(built.dir, 'dist/cli.js'),
      ...args,
    ],
    {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, UBP_LOAD_LOG: log, UBP_CODE_CACHE: path.join(built.dir, 'code-cache') },
    },
  );
  assert.equal(r.status, 0, `ubp ${args.join(' ')}: ${r.stderr}`);
  const outDir = path.join(built.dir, 'dist');
  const lines = readFileSync(log, 'utf8').split('\n');
  const cache = new Map(
    lines
      .filter((l) => l.startsWith('code-cache '))
      .map((l) => [path.basename(l.split(' ')[2]!), l.split(' ')[1]!]),
  );
  const files = [
    ...new Set(
      lines
        .filter((u) => u.startsWith('file://'))
        .map((u) => decodeURIComponent(new URL(u).pathname))
        .filter((f) => f.startsWith(outDir)),
    ),
  ];
  const sources = new Set(files.flatMap((f) => built.inputsOf.get(f) ?? []));
  return { sources, files, cache };
}

const FORBIDDEN_IN_A_BASELINES_RUN: [string, RegExp][] = [
  ['the openai SDK', /node_modules\/openai\/(?!version)/],
  ['the Anthropic SDK', /node_modules\/@anthropic-ai\//],
  ['LiquidJS', /node_modules\/liquidjs\//],
  ['yaml', /node_modules\/yaml\//],
  ['the tokenizer', /node_modules\/js-tiktoken\//],
  ['the zip reader of `ubp download`', /node_modules\/yauzl\//],
  ['the model providers', /src\/core\/models\/providers\/(openai|anthropic|openaiBatch|anthropicBatch)\.ts$/],
  ['the batch engine', /src\/core\/batch\/(?!state\.ts$|ids\.ts$)/],
  [
    'other commands',
    /src\/cli\/commands\/(batch|download|preview|compare|report|table|export|merge|stats|cases|schema)\.ts$/,
  ],
];

test('a baselines-only `ubp run` loads the run command and the engine, and none of the model, template, tokenizer, batch or other commands code', async (t) => {
  const built = await buildForTest();
  t.after(() => rmSync(built.dir, { recursive: true, force: true }));

  const run = loaded(built, ['run', fixture, '--runs-dir', path.join(built.dir, 'runs'), '--new', '--json']);
  // The recording works: the run's own code is there.
  for (const src of ['src/cli/commands/run.ts', 'src/core/run/runner.ts', 'src/core/config.ts'])
    assert.ok(run.sources.has(src), `${src} not among the loaded sources: ${[...run.sources].join(', ')}`);
  for (const [what, pattern] of FORBIDDEN_IN_A_BASELINES_RUN) {
    const hits = [...run.sources].filter((s) => pattern.test(s));
    assert.deepEqual(hits, [], `a baselines-only run loaded ${what}`);
  }

  // `ubp help` and `ubp version` load the dispatcher only.
  // The run compiled its chunks without a cache and saved their bytecode on exit; the next run takes every one
  // from the cache (a chunk compiled under other V8 flags than it is loaded with would be rejected each time).
  const again = loaded(built, [
    'run',
    fixture,
    '--runs-dir',
    path.join(built.dir, 'runs'),
    '--new',
    '--json',
  ]);
  assert.deepEqual(
    [...again.cache].filter(([, state]) => state !== 'hit'),
    [],
    'a second run compiles nothing',
  );
  assert.ok(
    run.cache.size > 3 && [...run.cache.values()].every((s) => s === 'miss'),
    JSON.stringify([...run.cache]),
  );
  for (const args of [['help'], ['version']]) {
    const light = loaded(built, args);
    // The dispatcher's bytecode comes from the cache the run left.
    assert.equal(light.cache.get('bin.cjs'), 'hit');
    const engine = [...light.sources].filter((s) => s.startsWith('src/core/') && s !== 'src/core/version.ts');
    assert.deepEqual(engine, [], `ubp ${args[0]} loaded engine code`);
    assert.ok(
      ![...light.sources].some((s) => s.includes('node_modules/')),
      `ubp ${args[0]} loaded a package`,
    );
  }

  // The same recording sees the lazily loaded parts when a command needs them: a template preview loads
  // LiquidJS and yaml (their own files) and the tokenizer.
  const preview = loaded(built, ['preview', path.join(repo, 'templates/choice.prompt'), '--json']);
  const vendor = preview.files
    .filter((f) => path.basename(path.dirname(f)) === 'vendor')
    .map((f) => path.basename(f));
  assert.deepEqual(vendor.sort(), ['liquidjs.cjs', 'yaml.cjs']);
  assert.ok(
    [...preview.sources].some((s) => s.includes('node_modules/js-tiktoken/')),
    'preview counts tokens',
  );
});
