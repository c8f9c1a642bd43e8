// The CLI's chunk loader (src/cli/codeCache.ts): chunks load the same with or without V8's code cache, the cache is
// written on save and accepted on the next start, and a corrupt, foreign or unusable cache only costs a compile.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { codeCacheDir, createChunkLoader, installTag } from '../../../src/cli/codeCache';

const A = `const b = require('./b.cjs');
module.exports = { total: b.add(2, 3), here: __dirname, file: __filename, node: typeof require('node:path').join };`;
const B = `exports.add = (x, y) => x + y;`;

function chunks(t: test.TestContext): { dir: string; cacheDir: string; hashes: Record<string, string> } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ubp-code-cache-test-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'cli');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'a.cjs'), A);
  writeFileSync(path.join(dir, 'b.cjs'), B);
  return { dir, cacheDir: path.join(root, 'cache', 'v'), hashes: { 'a.cjs': 'aaaa', 'b.cjs': 'bbbb' } };
}

// Each start is a process of its own, as in use: V8 also caches compiled scripts in memory, so a second load in
// the same process would not show what the cache on disk did.
const DRIVER = `
import path from 'node:path';
import { createChunkLoader } from ${JSON.stringify(path.resolve(__dirname, '../../../src/cli/codeCache.ts'))};
const o = JSON.parse(process.argv[2]);
const loader = createChunkLoader(o);
const exports = loader.load(path.join(o.dir, 'a.cjs'));
if (o.save) loader.save();
const states = Object.fromEntries([...loader.status].map(([f, s]) => [path.basename(f), s]));
process.stdout.write(JSON.stringify({ exports, states }));
`;

function loadA(o: { dir: string; cacheDir: string | null; hashes: Record<string, string>; save?: boolean }): {
  exports: unknown;
  states: Record<string, string>;
} {
  const driver = path.join(path.dirname(o.dir), 'driver.ts');
  writeFileSync(driver, DRIVER);
  const r = spawnSync(process.execPath, ['--import', 'tsx', driver, JSON.stringify({ save: true, ...o })], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { exports: unknown; states: Record<string, string> };
}

const EXPECTED = (dir: string) => ({ total: 5, here: dir, file: path.join(dir, 'a.cjs'), node: 'function' });

test('chunks load as CommonJS; the first start saves their bytecode and the next one uses it', (t) => {
  const o = chunks(t);
  const first = loadA({ ...o, save: false });
  assert.deepEqual(first.exports, EXPECTED(o.dir));
  assert.deepEqual(first.states, { 'a.cjs': 'miss', 'b.cjs': 'miss' });
  assert.deepEqual(readdirSync(o.cacheDir), [], 'nothing saved before save()');
  loadA(o); // saves
  const tag = installTag(o.dir);
  assert.deepEqual(readdirSync(o.cacheDir).sort(), [`aaaa-${tag}.bin`, `bbbb-${tag}.bin`]);

  const second = loadA(o);
  assert.deepEqual(second.exports, EXPECTED(o.dir));
  assert.deepEqual(second.states, { 'a.cjs': 'hit', 'b.cjs': 'hit' });
  assert.deepEqual(
    readdirSync(o.cacheDir).sort(),
    [`aaaa-${tag}.bin`, `bbbb-${tag}.bin`],
    'no temp file left',
  );
});

test('a chunk loads once however often it is required', (t) => {
  const o = chunks(t);
  writeFileSync(path.join(o.dir, 'c.cjs'), `globalThis.__ubpCount = (globalThis.__ubpCount ?? 0) + 1;`);
  const loader = createChunkLoader({ ...o, cacheDir: null });
  loader.load(path.join(o.dir, 'c.cjs'));
  loader.load(path.join(o.dir, 'c.cjs'));
  assert.equal((globalThis as { __ubpCount?: number }).__ubpCount, 1);
});

test('a corrupt entry is rejected by V8, the chunk compiles from source, and the entry is written again', (t) => {
  const o = chunks(t);
  loadA(o);
  writeFileSync(path.join(o.cacheDir, `aaaa-${installTag(o.dir)}.bin`), Buffer.from('not bytecode at all'));
  const after = loadA(o);
  assert.deepEqual(after.exports, EXPECTED(o.dir));
  assert.deepEqual(after.states, { 'a.cjs': 'rejected', 'b.cjs': 'hit' });
  assert.deepEqual(loadA(o).states, { 'a.cjs': 'hit', 'b.cjs': 'hit' });
});

test('bytecode of another text is never used: entries are named by the hash of the text', (t) => {
  const o = chunks(t);
  loadA(o);
  // The same file name with another text and so another hash (a rebuild): a miss, not the old bytecode.
  writeFileSync(path.join(o.dir, 'b.cjs'), `exports.add = (x, y) => x * y;`);
  const rebuilt = loadA({ ...o, hashes: { ...o.hashes, 'b.cjs': 'bbbb2' } });
  assert.equal((rebuilt.exports as { total: number }).total, 6);
  assert.deepEqual(rebuilt.states, { 'a.cjs': 'hit', 'b.cjs': 'miss' });
});

test('without a cache folder, for files without a hash, or in a folder others can write, chunks load uncached', (t) => {
  const o = chunks(t);
  assert.deepEqual(loadA({ ...o, cacheDir: null }).states, { 'a.cjs': 'off', 'b.cjs': 'off' });
  assert.deepEqual(loadA({ ...o, hashes: { 'b.cjs': 'bbbb' } }).states, { 'a.cjs': 'off', 'b.cjs': 'miss' });

  const shared = chunks(t);
  mkdirSync(shared.cacheDir, { recursive: true });
  chmodSync(shared.cacheDir, 0o777);
  const open = loadA(shared);
  assert.deepEqual(open.exports, EXPECTED(shared.dir));
  assert.deepEqual(open.states, { 'a.cjs': 'off', 'b.cjs': 'off' });
  assert.deepEqual(readdirSync(shared.cacheDir), [], 'nothing written there');

  // A folder that cannot be made (a file is in the way): no cache, no error.
  const blocked = chunks(t);
  mkdirSync(path.dirname(blocked.cacheDir), { recursive: true });
  writeFileSync(blocked.cacheDir, 'a file');
  assert.deepEqual(loadA(blocked).exports, EXPECTED(blocked.dir));
});

test('UBP_CODE_CACHE picks the folder or turns the cache off; one folder per Node version', () => {
  assert.equal(codeCacheDir({ UBP_CODE_CACHE: '0' }), null);
  assert.equal(codeCacheDir({ UBP_CODE_CACHE: 'off' }), null);
  assert.equal(
    codeCacheDir({ UBP_CODE_CACHE: '/x/y' }),
    path.join('/x/y', `${process.version}-${process.arch}`),
  );
  assert.equal(
    path.dirname(path.dirname(codeCacheDir({})!)),
    os.tmpdir(),
    'by default a folder of its own in the OS temp folder',
  );
});

test('two installations with the same chunks keep their own entries: a stack names the file that ran', (t) => {
  const o = chunks(t);
  const other = path.join(path.dirname(o.dir), 'other-install');
  mkdirSync(other);
  const thrower = `exports.where = () => new Error('x').stack;`;
  for (const d of [o.dir, other]) writeFileSync(path.join(d, 'c.cjs'), thrower);
  const hashes = { 'c.cjs': 'cccc' };
  const stackOf = (dir: string, save: boolean): string => {
    const driver = path.join(path.dirname(o.dir), 'stack.ts');
    writeFileSync(
      driver,
      `import { createChunkLoader } from ${JSON.stringify(path.resolve(__dirname, '../../../src/cli/codeCache.ts'))};
const o = JSON.parse(process.argv[2]);
const loader = createChunkLoader(o);
const c = loader.load(o.file) as { where(): string };
if (o.save) loader.save();
process.stdout.write(JSON.stringify({ stack: c.where(), state: [...loader.status.values()][0] }));`,
    );
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        driver,
        JSON.stringify({ dir, cacheDir: o.cacheDir, hashes, save, file: path.join(dir, 'c.cjs') }),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { stack: string }).stack;
  };
  stackOf(o.dir, true); // the first installation saves its bytecode
  assert.match(stackOf(other, true), new RegExp(`other-install[/\\\\]c\\.cjs`));
  assert.match(stackOf(other, false), new RegExp(`other-install[/\\\\]c\\.cjs`), 'from its own entry');
  assert.equal(readdirSync(o.cacheDir).filter((f) => f.startsWith('cccc-')).length, 2);
});
