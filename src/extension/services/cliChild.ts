// The bundled `ubp` (dist/cli.js) as a child process of the extension host: the heavy work on big runs (reports,
// comparisons, paper tables) runs off the host's thread and out of its memory. Used by the results panel and the
// Runs tree.
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Report, RunComparison } from '../../core';
import type { PaperTableFormat } from '../../protocol/resultsPanel';

/**
 * Runs the bundled CLI (`dist/cli.js`) in a child Node process and returns its stdout: the heavy bootstrap then
 * runs off the extension host's thread. Inside desktop VS Code the child is Electron run as Node.
 */
export function runCli(cliPath: string, args: string[], cwd: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(cliPath, args, {
      cwd,
      execArgv: [],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      signal,
    });
    // Below the editor's priority: the bootstrap must not slow down the UI it feeds.
    try {
      if (child.pid) setPriority(child.pid, 10);
    } catch {
      /* not permitted: run at normal priority */
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(
            `ubp ${args[0]} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 500)}`,
          ),
        );
    });
  });
}

/** The full report of a run folder from `ubp report <dir> --json` (NaN arrives as null). */
export async function cliReport(
  cliPath: string,
  dir: string,
  signal?: AbortSignal,
  options: { pointEstimates?: boolean } = {},
): Promise<Report> {
  // `--resamples 0`: point estimates only (no bootstrap): the first view of a big run, before the intervals.
  const args = ['report', dir, '--json', ...(options.pointEstimates ? ['--resamples', '0'] : [])];
  return JSON.parse(await runCli(cliPath, args, dir, signal)) as Report;
}

/** The paper table of a run from `ubp table <dir> --format <format>` (what paperTableText computes in process). */
export function cliTable(
  cliPath: string,
  dirs: readonly string[],
  format: PaperTableFormat,
  signal?: AbortSignal,
): Promise<string> {
  return runCli(cliPath, ['table', ...dirs, '--format', format], dirs[0], signal);
}

/** Two runs compared by `ubp compare <a> <b> --json` (variants labelled `<run id>:<variant>`). */
export async function cliCompare(
  cliPath: string,
  a: string,
  b: string,
  signal?: AbortSignal,
  maxChanged?: number,
): Promise<RunComparison> {
  const args = [
    'compare',
    a,
    b,
    '--json',
    ...(maxChanged !== undefined ? ['--max-changed', String(maxChanged)] : []),
  ];
  return JSON.parse(await runCli(cliPath, args, a, signal)) as RunComparison;
}
