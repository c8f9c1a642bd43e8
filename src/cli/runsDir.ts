// `--runs-dir DIR` on every command that reads or writes runs (`--root` kept as an alias): the store root whose
// `runs/` folder holds the runs (default `.ubp` in the working folder).
import path from 'node:path';
import { UsageError } from './command';

/** The parseArgs options to spread into a command's table. */
export const RUNS_DIR_OPTIONS = {
  'runs-dir': { type: 'string' },
  root: { type: 'string' },
} as const;

export const RUNS_DIR_USAGE = '[--runs-dir DIR]';

/** The store root relative to `cwd`, or undefined when neither option is given. */
export function runsDirOf(values: { 'runs-dir'?: string; root?: string }, cwd: string): string | undefined {
  const a = values['runs-dir'];
  const b = values.root;
  if (a !== undefined && b !== undefined && path.resolve(cwd, a) !== path.resolve(cwd, b))
    throw new UsageError('--runs-dir and --root name the same thing: give one');
  const v = a ?? b;
  return v === undefined ? undefined : path.resolve(cwd, v);
}
