// How the `ubp` CLI is built (scripts/build.mjs builds it into dist/; test/unit/cli/lazy-load.test.ts builds it
// into a temporary folder with a metafile to check what `ubp run` loads).
//
// The CLI is ES modules split by command: dist/cli/bin.mjs holds the dispatcher and the command table
// (src/cli/commands/index.ts), and each command is a chunk beside it that `ubp <command>` imports on demand, with
// the engine code shared by commands in shared chunks; dynamic imports in the engine (model providers, batch mode,
// the tokenizer) are chunks of their own too. dist/cli.js stays the bin (CommonJS, as package.json has no "type")
// and only imports bin.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// js-tiktoken's rank tables (3 MB) are loaded only when tokens are counted: keep them out of the main bundles,
// so `ubp` and the extension start fast, and ship each as its own ES module in dist/ranks/ (a native import()).
// `from` is the path from the importing bundle's folder to dist/.
const RANKS = ['o200k_base', 'cl100k_base'];
/** @returns {import('esbuild').Plugin} */
export const ranksApart = (from) => ({
  name: 'ranks-apart',
  setup(build) {
    build.onResolve({ filter: /^js-tiktoken\/ranks\/\w+$/ }, (args) => ({
      path: `${from}ranks/${args.path.split('/').pop()}.mjs`,
      external: true,
    }));
  },
});

/**
 * The rank tables as ES modules in `<outDir>/ranks/`.
 * @param {{ outDir: string, common: import('esbuild').BuildOptions }} o
 * @returns {import('esbuild').BuildOptions}
 */
export function ranksBuild({ outDir, common }) {
  return {
    ...common,
    sourcemap: false,
    entryPoints: Object.fromEntries(RANKS.map((r) => [r, `node_modules/js-tiktoken/dist/ranks/${r}.js`])),
    outdir: path.join(outDir, 'ranks'),
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node20',
  };
}

// Bundled CommonJS packages call require() and some code reads __dirname: each chunk defines them.
const CHUNK_PRELUDE = [
  "import { createRequire as __ubpCreateRequire } from 'node:module';",
  "import { fileURLToPath as __ubpFileURLToPath } from 'node:url';",
  "import { dirname as __ubpDirname } from 'node:path';",
  'const require = __ubpCreateRequire(import.meta.url);',
  'const __filename = __ubpFileURLToPath(import.meta.url);',
  'const __dirname = __ubpDirname(__filename);',
].join('\n');

// LiquidJS and yaml are required lazily by the engine (src/core/prompt/libs.ts); in the CLI each is a CommonJS file
// of its own in cli/vendor/, read on the first template parse, so a baselines-only run never loads them. An
// import statement of either would bundle a second, eager copy: the build refuses it.
export const CLI_VENDOR = ['liquidjs', 'yaml'];
const vendorApart = {
  name: 'vendor-apart',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${CLI_VENDOR.join('|')})$`) }, (args) =>
      args.kind === 'require-call'
        ? { path: `./vendor/${args.path}.cjs`, external: true }
        : {
            errors: [
              { text: `load ${args.path} through src/core/prompt/libs.ts (a lazy require), not an import` },
            ],
          },
    );
  },
};

const LAUNCHER = `#!/usr/bin/env node
// ubp: the commands are ES modules in cli/, each loaded when it runs (scripts/cli-build.mjs).
import('./cli/bin.mjs').catch((e) => {
  process.stderr.write(\`ubp: \${e instanceof Error ? e.stack : String(e)}\\n\`);
  process.exitCode = 1;
});
`;

/**
 * The esbuild builds of the CLI into `<outDir>/cli/` (`common` holds the shared options: bundle, sourcemap,
 * minify, absWorkingDir); the rank tables it imports are ranksBuild's, in `<outDir>/ranks/`.
 * @param {{ outDir: string, common: import('esbuild').BuildOptions }} o
 * @returns {import('esbuild').BuildOptions[]}
 */
export function cliBuilds({ outDir, common }) {
  const requireHere = createRequire(import.meta.url);
  return [
    {
      ...common,
      entryPoints: { bin: 'src/cli/bin.ts' },
      outdir: path.join(outDir, 'cli'),
      outExtension: { '.js': '.mjs' },
      splitting: true,
      chunkNames: '[name]-[hash]',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: { js: CHUNK_PRELUDE },
      plugins: [ranksApart('../'), vendorApart],
    },
    {
      ...common,
      sourcemap: false,
      entryPoints: Object.fromEntries(CLI_VENDOR.map((v) => [v, requireHere.resolve(v)])),
      outdir: path.join(outDir, 'cli', 'vendor'),
      outExtension: { '.js': '.cjs' },
      platform: 'node',
      format: 'cjs',
      target: 'node20',
    },
  ];
}

/** Writes `<outDir>/cli.js`, the bin. */
export function writeCliLauncher(outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'cli.js'), LAUNCHER, { mode: 0o755 });
}
