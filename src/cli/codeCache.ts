// Loads the CLI's CommonJS chunks (dist/cli/*.cjs, scripts/cli-build.mjs) with V8's code cache, so a command does
// not compile its code again on every start (issue 15). Node 20 has no compile cache of its own
// (`module.enableCompileCache` came in 22), so each chunk is compiled here with `vm.Script` and the bytecode V8
// produced for it is saved when the process exits, then handed back to V8 (`cachedData`) on the next start.
//
// The cache is an optimisation only: a missing, unreadable, rejected or corrupt entry means the chunk is compiled
// from source as usual (V8 checks version, flags and length, and rejects what does not match). Entries are named
// by the sha256 of the chunk's text computed at build time (`hashes`), never by its name, so a rebuilt chunk never
// meets the bytecode of another text. It lives in a folder of this user's (0700, owned by them), in the OS temp
// folder unless UBP_CODE_CACHE names one; UBP_CODE_CACHE=0 turns it off.
import { isAscii } from 'node:buffer';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** A chunk's module object, as CommonJS gives one. */
interface ChunkModule {
  exports: unknown;
  id: string;
  filename: string;
  loaded: boolean;
}

export interface ChunkLoaderOptions {
  /** Path relative to `dir` ('/'-separated) -> sha256 of the file's text, for the files that may use the cache. */
  hashes: Record<string, string>;
  /** The chunk folder (dist/cli). */
  dir: string;
  /** Where cache entries live; null: no cache. */
  cacheDir: string | null;
}

export interface ChunkLoader {
  /** Loads (once) and returns the exports of a chunk, by absolute path. */
  load(file: string): unknown;
  /** Saves the bytecode of every chunk compiled without an accepted cache entry. Never throws. */
  save(): void;
  /** What happened to each chunk loaded so far: 'hit' (cache accepted), 'miss' (none), 'rejected', 'off'. */
  readonly status: Map<string, 'hit' | 'miss' | 'rejected' | 'off'>;
}

// The CommonJS wrapper, on the chunk's first line so line numbers stay those of the file. `__ubpImport` is a
// native dynamic import for what must stay an ES module (the tokenizer's rank tables): a vm.Script cannot
// `import()` without an experimental flag.
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname, __ubpImport) {';
const WRAP_TAIL = '\n})';

/** The cache folder: UBP_CODE_CACHE when set ("0" or "off": none), else a folder of this user's in the OS temp folder. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const setting = env.UBP_CODE_CACHE;
  if (setting === '0' || setting === 'off') return null;
  const base = setting || path.join(os.tmpdir(), `ubp-code-cache-${process.getuid?.() ?? 'user'}`);
  // Bytecode is only valid for the V8 that made it; one folder per Node version keeps versions apart.
  return path.join(base, `${process.version}-${process.arch}`);
}

/**
 * True when `dir` exists (or was just made) as a real folder that only this user can write: bytecode from a folder
 * someone else controls would be code they chose.
 */
function privateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const base = path.dirname(dir);
    for (const d of [base, dir]) {
      const st = lstatSync(d);
      if (!st.isDirectory() || st.isSymbolicLink()) return false;
      const uid = process.getuid?.();
      if (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * A short tag of the chunk folder (FNV-1a, no crypto module to load): each installation keeps its own entries.
 * Bytecode made from another installation's identical file would run the same but keep that file's name, so stack
 * traces would point into the other installation (or a folder since deleted).
 */
export function installTag(dir: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < dir.length; i++) h = Math.imul(h ^ dir.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export function createChunkLoader(options: ChunkLoaderOptions): ChunkLoader {
  const { hashes, dir } = options;
  const modules = new Map<string, ChunkModule>();
  const status = new Map<string, 'hit' | 'miss' | 'rejected' | 'off'>();
  const toSave: { script: vm.Script; entry: string }[] = [];
  let cacheDir: string | null | undefined; // undefined: not checked yet
  const cache = (): string | null => {
    if (cacheDir === undefined)
      cacheDir = options.cacheDir && privateDir(options.cacheDir) ? options.cacheDir : null;
    return cacheDir;
  };

  function load(file: string): unknown {
    const known = modules.get(file);
    if (known) return known.exports;
    const module: ChunkModule = { exports: {}, id: file, filename: file, loaded: false };
    modules.set(file, module);
    // The build keeps chunks pure ASCII (scripts/cli-build.mjs): decoded as latin1, one copy into a one-byte string
    // without UTF-8 validation (about a third faster here); any other file as UTF-8.
    const bytes = readFileSync(file);
    const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
    const rel = path.relative(dir, file).split(path.sep).join('/');
    const hash = Object.hasOwn(hashes, rel) ? hashes[rel] : undefined;
    const where = hash ? cache() : null;
    const entry = where ? path.join(where, `${hash}-${installTag(dir)}.bin`) : null;
    let cachedData: Buffer | undefined;
    if (entry) {
      try {
        cachedData = readFileSync(entry);
      } catch {
        cachedData = undefined;
      }
    }
    const script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: file, cachedData });
    if (entry) {
      const state = !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
      status.set(file, state);
      if (state !== 'hit') toSave.push({ script, entry });
    } else status.set(file, 'off');
    const nodeRequire = createRequire(file);
    const here = path.dirname(file);
    // The CLI's own files (chunks, vendor bundles) go through the cache; node's modules are node's.
    const require = Object.assign(
      (id: string): unknown =>
        id.startsWith('./') && id.endsWith('.cjs') ? load(path.join(here, id)) : nodeRequire(id),
      { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main },
    );
    const importNative = (specifier: string): Promise<unknown> =>
      import(pathToFileURL(path.resolve(here, specifier)).href);
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, require, module, file, here, importNative);
    module.loaded = true;
    return module.exports;
  }

  function save(): void {
    for (const { script, entry } of toSave.splice(0)) {
      try {
        const tmp = `${entry}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, entry); // whole or nothing: another process never reads half an entry
      } catch {
        // A cache that cannot be written costs the next start its compile time, nothing else.
      }
    }
  }

  return { load, save, status };
}
