// How the `ubp` CLI is built (scripts/build.mjs builds it into dist/; test/unit/cli/lazy-load.test.ts builds it
// into a temporary folder with a metafile to check what `ubp run` loads).
//
// The CLI is split by command: dist/cli/bin.cjs holds the dispatcher and the command table
// (src/cli/commands/index.ts), and each command is a chunk beside it that `ubp <command>` loads on demand, with the
// engine code shared by commands in shared chunks; dynamic imports in the engine (model providers, batch mode, the
// tokenizer) are chunks of their own too. esbuild splits ES modules only, so the build has two passes: (1) an ES
// module build with splitting into <outDir>/.cli-esm (removed after); (2) each of its chunks converted to CommonJS (imports of
// other chunks become `require` calls, source maps composed back to src/), because V8's code cache (`vm.Script`
// `cachedData`) takes scripts, not modules. dist/cli.js, the bin, is src/cli/launcher.ts: it loads the chunks
// through that cache (src/cli/codeCache.ts), keyed by the sha256 of each chunk written into it at build time.
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';

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

// The CommonJS pass: each ES chunk of the first pass is an entry of its own, every import external (a chunk's import
// of another chunk becomes a require of its .cjs); `import()` of a chunk becomes a require too (dynamic-import is
// lowered). The rank tables stay ES modules, which a vm.Script cannot import() without a flag: their import goes
// through `__ubpImport`, a native import the launcher's loader passes to every chunk.
const RANKS_IMPORT = /\bimport\((["'])(\.\.\/ranks\/[\w-]+\.mjs)\1\)/g;
const toCommonJs = {
  name: 'chunks-to-cjs',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      return { path: args.path.replace(/^(\.\/[\w-]+)\.mjs$/, '$1.cjs'), external: true };
    });
    build.onLoad({ filter: /\.mjs$/ }, (args) => ({
      contents: asciiOnly(readFileSync(args.path, 'utf8')).replace(RANKS_IMPORT, '__ubpImport($1$2$1)'),
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

// esbuild escapes non-ASCII characters in strings and templates but prints comments and regular expressions as
// they are, and one such character makes node read the whole chunk into a two-byte string (slower to decode, twice
// the memory). In its output they are left only there, where a \u escape means the same (a surrogate pair of
// escapes is one code point in a /u expression too).
function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** sha256 (hex) of every .cjs file under `dir`, by path relative to it ('/'-separated). */
function hashesOf(dir, sub = '') {
  const out = {};
  for (const e of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, hashesOf(dir, rel));
    else if (e.name.endsWith('.cjs'))
      out[rel] = createHash('sha256')
        .update(readFileSync(path.join(dir, rel)))
        .digest('hex');
  }
  return out;
}

/** The first pass: ES modules split by command, into `esmDir`. */
function esmBuild(esmDir, common) {
  return {
    ...common,
    metafile: true,
    entryPoints: { bin: 'src/cli/bin.ts' },
    outdir: esmDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: '[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [ranksApart('../'), vendorApart],
  };
}

function vendorBuild(cliDir, common) {
  return {
    ...common,
    sourcemap: false,
    entryPoints: Object.fromEntries(CLI_VENDOR.map((v) => [v, createRequire(import.meta.url).resolve(v)])),
    outdir: path.join(cliDir, 'vendor'),
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  };
}

/** The second pass (the first pass's chunks to CommonJS in `cliDir`), then the launcher with the chunks' hashes. */
async function toCliDir(esm, { root, absOut, cliDir, common }) {
  const cjs = await esbuild.build({
    ...common,
    entryPoints: Object.keys(esm.metafile.outputs)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => path.resolve(root, f)),
    outdir: cliDir,
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    plugins: [toCommonJs],
  });
  await esbuild.build({
    ...common,
    metafile: false,
    sourcemap: false,
    entryPoints: [path.join(root, 'src/cli/launcher.ts')],
    outfile: path.join(absOut, 'cli.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: {
      js: `#!/usr/bin/env node\nvar __UBP_CHUNK_HASHES__ = ${JSON.stringify(hashesOf(cliDir))};`,
    },
  });
  chmodSync(path.join(absOut, 'cli.js'), 0o755);
  return cjs;
}

function dirsOf(outDir, common) {
  const root = common.absWorkingDir ?? process.cwd();
  const absOut = path.resolve(root, outDir);
  return { root, absOut, cliDir: path.join(absOut, 'cli'), common };
}

/**
 * Builds the CLI into `<outDir>/cli/` and its bin `<outDir>/cli.js` (`common` holds the shared options: bundle,
 * sourcemap, minify, absWorkingDir, metafile); the rank tables it imports are ranksBuild's, in `<outDir>/ranks/`.
 * With `common.metafile`, returns every output file (absolute) mapped to the sources bundled into it.
 * @param {{ outDir: string, common: import('esbuild').BuildOptions }} o
 * @returns {Promise<Map<string, string[]>>}
 */
export async function buildCli({ outDir, common }) {
  const dirs = dirsOf(outDir, common);
  // A fixed place, not a random temporary folder: its path is in the second pass's output (a comment), and the
  // same sources must give the same chunks, so the same hashes and a code cache that stays valid.
  const esmDir = path.join(dirs.absOut, '.cli-esm');
  rmSync(esmDir, { recursive: true, force: true });
  try {
    const [esm, vendor] = await Promise.all([
      esbuild.build(esmBuild(esmDir, common)),
      esbuild.build(vendorBuild(dirs.cliDir, common)),
    ]);
    const cjs = await toCliDir(esm, dirs);
    const inputsOf = new Map();
    if (!common.metafile) return inputsOf;
    const abs = (f) => path.resolve(dirs.root, f);
    const esmInputs = new Map(
      Object.entries(esm.metafile.outputs).map(([f, o]) => [abs(f), Object.keys(o.inputs)]),
    );
    for (const [f, o] of Object.entries(cjs.metafile.outputs))
      inputsOf.set(
        abs(f),
        Object.keys(o.inputs).flatMap((i) => esmInputs.get(abs(i)) ?? [i]),
      );
    for (const [f, o] of Object.entries(vendor.metafile.outputs)) inputsOf.set(abs(f), Object.keys(o.inputs));
    return inputsOf;
  } finally {
    rmSync(esmDir, { recursive: true, force: true });
  }
}

/** `scripts/build.mjs --watch`: rebuilds the CLI (both passes and the launcher) on every change. */
export async function watchCli({ outDir, common }) {
  const dirs = dirsOf(outDir, common);
  const esmDir = path.join(dirs.absOut, '.cli-esm');
  await esbuild.build(vendorBuild(dirs.cliDir, common));
  const options = esmBuild(esmDir, common);
  const again = {
    name: 'cli-to-cjs',
    setup(build) {
      build.onEnd(async (result) => {
        if (!result.errors.length) await toCliDir(result, dirs);
      });
    },
  };
  await (await esbuild.context({ ...options, plugins: [...options.plugins, again] })).watch();
}
