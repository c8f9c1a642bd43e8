// Builds the three bundles (extension, webviews, CLI) and, with --tests, the integration suite.
//   node scripts/build.mjs [--watch] [--tests] [--production]
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, mkdirSync, cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildCli, ranksApart, ranksBuild, watchCli } from './cli-build.mjs';

const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const production = args.has('--production');
const root = path.resolve(import.meta.dirname, '..');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const webviewEntries = readdirSync(path.join(root, 'src/webview'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => path.join('src/webview', f));

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [ranksApart('./')],
  },
  ranksBuild({ outDir: 'dist', common }),
  {
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];
if (args.has('--tests')) {
  builds.push({
    ...common,
    sourcemap: true,
    minify: false,
    entryPoints: [
      'test/integration/index.ts',
      ...readdirSync(path.join(root, 'test/integration/suite'))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/integration/suite/${f}`),
    ],
    outbase: 'test/integration',
    outdir: 'out/test/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
}

// The editor's JSON schema for *.ubp.json is generated from the engine's zod schema, never written by hand.
function writeConfigSchema() {
  mkdirSync(path.join(root, 'schemas'), { recursive: true });
  execFileSync(process.execPath, [
    path.join(root, 'dist/cli.js'),
    'schema',
    '--out',
    path.join(root, 'schemas/ubp-config.schema.json'),
  ]);
}

// Codicons' font and stylesheet are served to webviews from dist/ (localResourceRoots is the extension only).
function copyAssets() {
  const codicons = path.join(root, 'node_modules/@vscode/codicons/dist');
  if (existsSync(codicons)) {
    mkdirSync(path.join(root, 'dist/codicons'), { recursive: true });
    for (const f of ['codicon.css', 'codicon.ttf'])
      cpSync(path.join(codicons, f), path.join(root, 'dist/codicons', f));
  }
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  await watchCli({ outDir: 'dist', common });
  copyAssets();
  console.log('watching for changes…');
} else {
  // A clean dist/ so no stale bundle or source map from an earlier build lands in the .vsix.
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  const t0 = performance.now();
  // `ubp`: chunks split by command in dist/cli/ and the bin dist/cli.js (scripts/cli-build.mjs).
  await Promise.all([...builds.map((b) => esbuild.build(b)), buildCli({ outDir: 'dist', common })]);
  copyAssets();
  writeConfigSchema();
  console.log(`built ${builds.length + 1} bundles in ${Math.round(performance.now() - t0)} ms`);
}
