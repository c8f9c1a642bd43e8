// `npm run bench [-- name ...]` (an .mts file: it awaits at the top level): runs every bench/<name>.bench.ts (or the named ones) one after another and
// writes each one's figures to bench/results/<name>.json, with the machine it ran on. Benchmarks compare
// against a reference measured in the same run, since these machines are noisy (see docs/benchmarks.md).
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Bench } from './types';

const here = import.meta.dirname;
const wanted = process.argv.slice(2);
const names = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
mkdirSync(path.join(here, 'results'), { recursive: true });
const machine = {
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
};
let failed = 0;
for (const name of names) {
  const t0 = Date.now();
  console.log(`== ${name}`);
  try {
    // A .ts bench loads as CommonJS under tsx: its default export may sit one level down.
    const mod = (await import(path.join(here, `${name}.bench.ts`))) as {
      default: Bench | { default: Bench };
    };
    const bench = typeof mod.default === 'function' ? mod.default : mod.default.default;
    const tmpDir = path.join(os.tmpdir(), `ubp-bench-${name}-${process.pid}`);
    mkdirSync(tmpDir, { recursive: true });
    const figures = await bench({ log: (l) => console.log(`  ${l}`), tmpDir });
    const out = {
      bench: name,
      date: new Date().toISOString(),
      machine,
      seconds: (Date.now() - t0) / 1000,
      figures,
    };
    writeFileSync(path.join(here, 'results', `${name}.json`), JSON.stringify(out, null, 2) + '\n');
    console.log(`  -> bench/results/${name}.json`);
  } catch (e) {
    failed++;
    console.error(`  ${name} failed:`, e);
  }
}
process.exitCode = failed ? 1 : 0;
