// `ubp export <run> --format csv|jsonl`: one row per case, variant and sample, one column per metric. Streamed:
// two passes over results.jsonl, rows written in chunks as they are made (a million rows never become one string).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import {
  exportToFile,
  findRun,
  RUN_RESULTS_FILE,
  scoringContext,
  streamExport,
  unreadableText,
} from '../../core';

export const exportCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string' }, out: { type: 'string' }, ...RUNS_DIR_OPTIONS },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one run (a run folder or a run id)');
    const format =
      values.format ?? (values.out?.endsWith('.jsonl') ? 'jsonl' : values.out ? 'csv' : undefined);
    if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
    const run = findRun(positionals[0], { cwd: io.cwd, root: runsDirOf(values, io.cwd) });
    const results = path.join(run.dir, RUN_RESULTS_FILE);
    const ctx = scoringContext(run.manifest);
    const stats = { unreadable: 0 };
    if (values.out) {
      const file = path.resolve(io.cwd, values.out);
      const rows = await exportToFile(results, run.manifest.id, ctx, format, file, stats);
      io.err(`wrote ${rows} rows to ${file}\n`);
    } else {
      await streamExport(
        results,
        run.manifest.id,
        ctx,
        format,
        io.outAsync ?? ((t) => Promise.resolve(io.out(t))),
        stats,
      );
    }
    // Said as `ubp report` says it: the rows are the lines every reader can score.
    if (stats.unreadable) io.err(`ubp export: warning: ${unreadableText(stats.unreadable)}\n`);
    return 0;
  },
};
