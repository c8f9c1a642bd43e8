// `ubp rerun <run>`: re-asks exactly the failed units of a run (by default invalid and error answers; `wrong`
// adds valid answers that are wrong), with the response cache bypassed for them, and appends their new lines.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import { exitCodeOf } from './run';
import { EXIT } from '../exitCodes';
import { earlyInterrupt } from '../earlyInterrupt';
import { envApiKey } from '../apiKey';
import {
  DEFAULT_RERUN_OUTCOMES,
  FAILURE_KINDS,
  findRun,
  prepareRerun,
  type FailureKind,
  type RunHandle,
  type RunSummary,
} from '../../core';

export const rerunCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        outcome: { type: 'string' },
        models: { type: 'string' },
        ...RUNS_DIR_OPTIONS,
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one run (a run folder or a run id)');
    const list = (v: string | undefined): string[] | undefined =>
      v
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const outcomes = list(values.outcome);
    for (const o of outcomes ?? [])
      if (!FAILURE_KINDS.includes(o as FailureKind))
        throw new UsageError(`--outcome: "${o}" is not one of ${FAILURE_KINDS.join(', ')}`);
    // Only the folder here: prepareRerun finds the failed units in one streaming pass over the results.
    const run = findRun(positionals[0]!, { cwd: io.cwd, root: runsDirOf(values, io.cwd) });
    // Ctrl-C before the units are re-asked (the run's data set loads first): said, nothing sent (earlyInterrupt.ts).
    const early = earlyInterrupt(io, 'interrupted while loading the data; nothing was re-asked');
    const chosen = `${(outcomes ?? DEFAULT_RERUN_OUTCOMES).join(', ')}${values.models ? ` of ${values.models}` : ''}`;
    let handle: RunHandle;
    let units: number;
    try {
      const prepared = await early.step(
        prepareRerun(run.dir, {
          root: path.dirname(path.dirname(run.dir)),
          outcomes: outcomes as FailureKind[] | undefined,
          models: list(values.models),
          getApiKey: (m) => envApiKey(io, m),
          tool: 'ubp rerun',
          signal: early.signal,
        }),
      );
      if (!prepared) return EXIT.interrupted;
      units = prepared.units.length;
      if (!units) {
        if (values.json) io.out(JSON.stringify({ runId: prepared.runId, rerun: 0 }) + '\n');
        else io.out(`run ${prepared.runId}: nothing to re-run (no ${chosen} answers).\n`);
        return 0;
      }
      if (!values.json)
        io.out(
          `run ${prepared.runId}: re-asking ${units} ${chosen} unit${units === 1 ? '' : 's'} (${prepared.variants.join(', ')}), cache bypassed\n`,
        );
      handle = await prepared.start();
    } finally {
      early.dispose();
    }
    let interrupts = 0;
    const onSigint = (): void => {
      if (++interrupts === 1) handle.cancel();
      else process.exit(EXIT.interrupted);
    };
    process.on('SIGINT', onSigint);
    // Ctrl-C while the run was being opened: cancel it as soon as it starts.
    if (early.signal.aborted) onSigint();
    let summary: RunSummary;
    try {
      summary = await handle.done;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const t = summary.manifest.totals;
    const last = summary.manifest.reruns?.at(-1);
    if (values.json)
      io.out(
        JSON.stringify(
          { runId: summary.runId, dir: summary.dir, status: summary.manifest.status, rerun: last, totals: t },
          null,
          2,
        ) + '\n',
      );
    else
      io.out(
        `re-asked ${last?.finished ?? 0} of ${units}; the run now has ${t.success} success, ${t.invalid} invalid, ${t.error} error of ${t.units}\n` +
          `results: ${path.relative(io.cwd, summary.dir) || summary.dir}\n`,
      );
    if (summary.error) io.err(`error: ${summary.error}\n`);
    // The one exit code table (exitCodes.ts): 4 when a model failed or units still end in error.
    return exitCodeOf(summary);
  },
};
