// `ubp rerun <run>`: re-asks exactly the failed units of a run (by default invalid and error answers; `wrong`
// adds valid answers that are wrong), with the response cache bypassed for them, and appends their new lines.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import { exitCodeOf } from './run';
import { EXIT } from '../exitCodes';
import { envApiKey } from '../apiKey';
import {
  DEFAULT_RERUN_OUTCOMES,
  FAILURE_KINDS,
  findRun,
  prepareRerun,
  type FailureKind,
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
    // Ctrl-C before the units are re-asked (the run's data set loads first, minutes for a big one): the loader
    // stops between chunks and the CLI says so; a second Ctrl-C quits at once (a step that does not yield).
    const preparing = new AbortController();
    const interruptedText = 'interrupted while loading the data; nothing was re-asked\n';
    const onEarlySigint = (): void => {
      if (!preparing.signal.aborted) return preparing.abort();
      io.err(`\n${interruptedText}`);
      process.exit(EXIT.interrupted);
    };
    process.on('SIGINT', onEarlySigint);
    let prepared: Awaited<ReturnType<typeof prepareRerun>>;
    let handle: Awaited<ReturnType<typeof prepared.start>>;
    const chosen = `${(outcomes ?? DEFAULT_RERUN_OUTCOMES).join(', ')}${values.models ? ` of ${values.models}` : ''}`;
    try {
      try {
        prepared = await prepareRerun(run.dir, {
          root: path.dirname(path.dirname(run.dir)),
          outcomes: outcomes as FailureKind[] | undefined,
          models: list(values.models),
          getApiKey: (m) => envApiKey(io, m),
          tool: 'ubp rerun',
          signal: preparing.signal,
        });
      } catch (e) {
        // Whatever the step threw on the way out (the loader's own abort error too), Ctrl-C is what happened.
        if (!preparing.signal.aborted) throw e;
        io.err(`\n${interruptedText}`);
        return EXIT.interrupted;
      }
      if (!prepared.units.length) {
        if (values.json) io.out(JSON.stringify({ runId: prepared.runId, rerun: 0 }) + '\n');
        else io.out(`run ${prepared.runId}: nothing to re-run (no ${chosen} answers).\n`);
        return 0;
      }
      if (!values.json)
        io.out(
          `run ${prepared.runId}: re-asking ${prepared.units.length} ${chosen} unit${prepared.units.length === 1 ? '' : 's'} (${prepared.variants.join(', ')}), cache bypassed\n`,
        );
      handle = await prepared.start();
    } finally {
      process.removeListener('SIGINT', onEarlySigint);
    }
    let interrupts = 0;
    const onSigint = (): void => {
      if (++interrupts === 1) handle.cancel();
      else process.exit(EXIT.interrupted);
    };
    process.on('SIGINT', onSigint);
    // Ctrl-C while the run was being opened: cancel it as soon as it starts.
    if (preparing.signal.aborted) onSigint();
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
        `re-asked ${last?.finished ?? 0} of ${prepared.units.length}; the run now has ${t.success} success, ${t.invalid} invalid, ${t.error} error of ${t.units}\n` +
          `results: ${path.relative(io.cwd, summary.dir) || summary.dir}\n`,
      );
    if (summary.error) io.err(`error: ${summary.error}\n`);
    // The one exit code table (exitCodes.ts): 4 when a model failed or units still end in error.
    return exitCodeOf(summary);
  },
};
