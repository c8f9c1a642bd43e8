// `ubp export <run> --format csv|jsonl`: one row per case, variant and sample, one column per metric.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import { exportRows, loadRun, scoringContext, toCsv, toJsonl } from '../../core';

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
    const run = await loadRun(positionals[0], { cwd: io.cwd, root: runsDirOf(values, io.cwd) });
    const { columns, rows } = exportRows(run.manifest.id, run.results, scoringContext(run.manifest));
    const text = format === 'csv' ? toCsv(columns, rows) : toJsonl(columns, rows);
    if (values.out) {
      const file = path.resolve(io.cwd, values.out);
      writeFileSync(file, text);
      io.err(`wrote ${rows.length} rows to ${file}\n`);
    } else io.out(text);
    return 0;
  },
};
