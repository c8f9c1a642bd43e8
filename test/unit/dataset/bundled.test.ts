// The shipped ml-latest-small: found from the source tree and from an esbuild bundle in dist/ beside media/,
// its manifest true to its files, its README (the licence) shipped with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { resolveBundledDataset, readManifest, findPackageRoot } from '../../../src/core/dataset';
import { repoRoot, withTmp } from './helpers';

test('from the source tree: media/datasets/ml-latest-small at the package root', () => {
  const dir = resolveBundledDataset('ml-latest-small');
  assert.equal(dir, path.join(repoRoot, 'media/datasets/ml-latest-small'));
  assert.equal(resolveBundledDataset('bundled:ml-latest-small'), dir);
  assert.equal(findPackageRoot(path.join(repoRoot, 'dist')), repoRoot);
  assert.ok(existsSync(path.join(dir, 'README.txt')), 'the README is the licence and ships with the data');
  assert.match(readFileSync(path.join(dir, 'README.txt'), 'utf8'), /Usage License/);
});

test('the manifest records the 2016 release honestly and every sha256 matches its file', () => {
  const dir = resolveBundledDataset('ml-latest-small');
  const m = readManifest(dir);
  assert.ok(m);
  assert.match(m.release, /October 2016/);
  assert.deepEqual([m.counts?.ratings, m.counts?.users], [100004, 671]);
  for (const [name, entry] of Object.entries(m.files)) {
    const bytes = readFileSync(path.join(dir, name));
    assert.equal(bytes.length, entry.bytes, name);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256, name);
  }
  assert.deepEqual(Object.keys(m.files).sort(), [
    'README.txt',
    'links.csv',
    'movies.csv',
    'ratings.csv',
    'tags.csv',
  ]);
});

test('from a bundle in dist/ (as dist/cli.js and dist/extension.js run): found by walking up to package.json', async () => {
  await withTmp(async (tmp) => {
    const pkg = path.join(tmp, 'pkg');
    await mkdir(path.join(pkg, 'media/datasets'), { recursive: true });
    await writeFile(path.join(pkg, 'package.json'), '{"name":"probe"}\n');
    await symlink(
      path.join(repoRoot, 'media/datasets/ml-latest-small'),
      path.join(pkg, 'media/datasets/ml-latest-small'),
    );
    const entry = path.join(tmp, 'probe.ts');
    await writeFile(
      entry,
      `import { resolveBundledDataset } from ${JSON.stringify(path.join(repoRoot, 'src/core/dataset'))};\n` +
        'process.stdout.write(resolveBundledDataset("ml-latest-small"));\n',
    );
    await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(pkg, 'dist/probe.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
    });
    const out = execFileSync(process.execPath, [path.join(pkg, 'dist/probe.js')], { encoding: 'utf8' });
    assert.equal(out, path.join(pkg, 'media/datasets/ml-latest-small'));
  });
});

test('an unknown bundled name lists the shipped ones', () => {
  assert.throws(
    () => resolveBundledDataset('ml-25m'),
    /bundled:ml-25m: no such bundled dataset \(bundled: ml-latest-small/,
  );
});
