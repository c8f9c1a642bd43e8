// Finding and reading a run for the reporting commands: `<run>` is a run folder or a run id under the store root.
import path from 'node:path';
import { readRun, type ReadRun, type ReadRunOptions } from '../run/store';

export interface LoadRunOptions extends ReadRunOptions {
  /** Folder relative paths are resolved against. */
  cwd: string;
  /** The store root (`<cwd>/.ubp` by default): run ids are looked up in `<root>/runs`. */
  root?: string;
}

/** Reads a run by folder or id; the error names both places it looked. */
export async function loadRun(dirOrId: string, options: LoadRunOptions): Promise<ReadRun> {
  const root = path.resolve(options.cwd, options.root ?? '.ubp');
  const read = { ...(options.slim ? { slim: true } : {}) };
  return readRun(path.resolve(options.cwd, dirOrId), root, read).catch(() => readRun(dirOrId, root, read));
}
