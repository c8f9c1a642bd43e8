// What the built `ubp` loads: the CLI is built as in scripts/build.mjs (scripts/cli-build.mjs) into a temporary
// folder with esbuild's metafile, run in a child process whose module loads are recorded (an ES-module load hook
// and require.cache), and the files it loaded are mapped back to their sources. A baselines-only `ubp run` must
// not load the model clients, LiquidJS, yaml, the tokenizer, the batch engine or the other commands' code: an
// eager import of any of them anywhere on the run's path fails this test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'node:test';
import * as esbuild from 'esbuild';
// @ts-expect-error: a plain .mjs script without types
import { cliBuilds, ranksBuild, writeCliLauncher } from '../../../scripts/cli-build.mjs';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/run/mini-choice.ubp.json');

// Loaded first in the child: records every ES module it loads (the hook runs on the loader's thread) and, at exit,
// every CommonJS file (the launcher, the vendor bundles).
const REGISTER = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('./hooks.mjs', import.meta.url);
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.UBP_LOAD_LOG, Object.keys(cache).map((f) => 'file://' + f + '\\n').join('')));
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

async function buildCli(): Promise<Built> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-lazy-'));
  const outDir = path.join(dir, 'dist');
  const common = { bundle: true, absWorkingDir: repo, logLevel: 'error', metafile: true } as const;
  const results = await Promise.all(
    [...cliBuilds({ outDir, common }), ranksBuild({ outDir, common })].map((b: esbuild.BuildOptions) =>
      esbuild.build(b),
    ),
  );
  writeCliLauncher(outDir);
  const inputsOf = new Map<string, string[]>();
  for (const r of results)
    for (const [file, out] of Object.entries(r.metafile!.outputs))
      inputsOf.set(path.resolve(repo, file), Object.keys(out.inputs));
  writeFileSync(path.join(dir, 'register.mjs'), REGISTER);
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  return { dir, inputsOf };
}

/** Runs the built CLI; returns the sources of every bundle file it loaded and the loaded files themselves. */
function loaded(built: Built, args: string[]): { sources: Set<string>; files: string[] } {
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
    { cwd: repo, encoding: 'utf8', env: { ...process.env, UBP_LOAD_LOG: log } },
  );
  assert.equal(r.status, 0, `ubp ${args.join(' ')}: ${r.stderr}`);
  const outDir = path.join(built.dir, 'dist');
  const files = [
    ...new Set(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file://'))
        .map((u) => decodeURIComponent(new URL(u).pathname))
        .filter((f) => f.startsWith(outDir)),
    ),
  ];
  const sources = new Set(files.flatMap((f) => built.inputsOf.get(f) ?? []));
  return { sources, files };
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
  const built = await buildCli();
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
  for (const args of [['help'], ['version']]) {
    const light = loaded(built, args);
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
  const vendor = preview.files.map((f) => path.basename(f)).filter((f) => f.endsWith('.cjs'));
  assert.deepEqual(vendor.sort(), ['liquidjs.cjs', 'yaml.cjs']);
  assert.ok(
    [...preview.sources].some((s) => s.includes('node_modules/js-tiktoken/')),
    'preview counts tokens',
  );
});
