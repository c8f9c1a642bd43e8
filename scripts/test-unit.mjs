// Runs the plain-Node unit tests (node:test through the tsx loader). Node 20 does not expand globs, so the
// files are listed here. Extra arguments are passed to node (e.g. --test-name-pattern).
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
// A folder among the arguments stands for the test files under it.
const files = (only.length ? only : [path.join(root, 'test/unit')]).flatMap((p) =>
  statSync(p).isDirectory() ? find(p).sort() : [p],
);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...flags, ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
