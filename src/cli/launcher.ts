// dist/cli.js, the `ubp` bin: loads the CLI's chunks (dist/cli/*.cjs) through V8's code cache (codeCache.ts) and
// starts the dispatcher, bin.cjs. The build (scripts/cli-build.mjs) puts the sha256 of every chunk above this code.
// The CLI's V8 flags first: V8 accepts cached bytecode only under the flags it was made with, so every chunk,
// bin.cjs included, must compile after them (bin.ts sets them again when run from source; the same flags twice
// are the same flags).
import './heapFlags';
import path from 'node:path';
import { codeCacheDir, createChunkLoader } from './codeCache';

declare const __UBP_CHUNK_HASHES__: Record<string, string>;

const dir = path.join(__dirname, 'cli');
const loader = createChunkLoader({ hashes: __UBP_CHUNK_HASHES__, dir, cacheDir: codeCacheDir() });
// What was loaded and how (hit, miss, rejected), for tests that check what a command loads.
(globalThis as Record<symbol, unknown>)[Symbol.for('ubp.cli.chunks')] = loader.status;
process.on('exit', () => loader.save());
try {
  loader.load(path.join(dir, 'bin.cjs'));
} catch (e) {
  process.stderr.write(`ubp: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
}
