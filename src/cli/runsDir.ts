// `--runs-dir DIR` on every command that reads or writes runs (`--root` kept as an alias): the store root whose
// `runs/` folder holds the runs (default `.ubp` in the working folder), or that `runs/` folder itself. A user
// who names the folder the runs are in (`--runs-dir .ubp/runs`, as the option's name says) must not get
// `.ubp/runs/runs/<id>`, where neither the extension's Runs view nor a later `--runs-dir .ubp` finds them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './command';

/** The parseArgs options to spread into a command's table. */
export const RUNS_DIR_OPTIONS = {
  'runs-dir': { type: 'string' },
  root: { type: 'string' },
} as const;

export const RUNS_DIR_USAGE = '[--runs-dir DIR]';

/**
 * The store root relative to `cwd`, or undefined when neither option is given. A folder named `runs` with no
 * `runs/` inside is the runs folder, and its parent the root; a folder with `runs/` inside (a root made before)
 * is the root.
 */
export function runsDirOf(values: { 'runs-dir'?: string; root?: string }, cwd: string): string | undefined {
  const a = values['runs-dir'];
  const b = values.root;
  if (a !== undefined && b !== undefined && path.resolve(cwd, a) !== path.resolve(cwd, b))
    throw new UsageError('--runs-dir and --root name the same thing: give one');
  const v = a ?? b;
  if (v === undefined) return undefined;
  const dir = path.resolve(cwd, v);
  return path.basename(dir) === 'runs' && !existsSync(path.join(dir, 'runs')) ? path.dirname(dir) : dir;
}
