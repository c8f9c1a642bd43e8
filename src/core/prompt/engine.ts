// The one LiquidJS engine templates run in, locked down: templates read no file (include/render/layout/block are
// removed and the file system refuses every call), see only own properties of the data, and are bounded in time
// and memory, so a shared .prompt file cannot reach outside the data it is given.
import type { FS, Liquid } from 'liquidjs';
import { liquidjs } from './libs';

/** Tags that would read other templates from disk. */
export const DISABLED_TAGS = ['include', 'render', 'layout', 'block'] as const;

const noFileSystem: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file) => {
    throw new Error(`prompt templates cannot read files (${file})`);
  },
  readFileSync: (file) => {
    throw new Error(`prompt templates cannot read files (${file})`);
  },
  resolve: (_dir, file) => file,
};

/** LiquidJS' memoryLimit per render (chars charged by filters such as `join`); compiled.ts keeps the same budget. */
export const MEMORY_LIMIT = 64 * 1024 * 1024;

function createEngine(): Liquid {
  const { Liquid } = liquidjs();
  const liquid = new Liquid({
    ownPropertyOnly: true,
    strictFilters: false, // unknown filters are reported by analysis with their position
    strictVariables: false, // analysis checks every branch; rendering stays total
    cache: false,
    fs: noFileSystem,
    root: [],
    partials: [],
    layouts: [],
    dynamicPartials: false,
    relativeReference: false,
    // A template runs once per case: a runaway loop must fail fast, not hang a run.
    renderLimit: 2000,
    memoryLimit: MEMORY_LIMIT,
    parseLimit: 4 * 1024 * 1024,
  });
  for (const tag of DISABLED_TAGS) delete (liquid.tags as Record<string, unknown>)[tag];
  return liquid;
}

let engine: Liquid | undefined;

/** The shared locked-down engine (created on first use). */
export function promptEngine(): Liquid {
  engine ??= createEngine();
  return engine;
}

/** The names of the filters templates may use. */
export function filterNames(): string[] {
  return Object.keys(promptEngine().filters).sort();
}

/** The names of the tags templates may use. */
export function tagNames(): string[] {
  return Object.keys(promptEngine().tags).sort();
}
