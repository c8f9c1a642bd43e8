// `ubp table <run…>`: one paper-ready table of models (rows) by runs or task forms (columns): the headline (or
// --metric) with its 95% interval, the best per column marked, a paired test against --reference, footnotes.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import {
  PairTables,
  paperTable,
  readTableRun,
  renderTableCsv,
  renderTableLatex,
  renderTableMarkdown,
  toJson,
  type TableOptions,
} from '../../core';
import { intOption, shareOption } from './report';

const FORMATS = ['md', 'csv', 'latex', 'json'] as const;

export const tableCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'md' },
        metric: { type: 'string' },
        reference: { type: 'string' },
        columns: { type: 'string', default: 'cases' },
        alpha: { type: 'string' },
        resamples: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string', short: 'o' },
        ...RUNS_DIR_OPTIONS,
      },
    });
    if (!positionals.length) throw new UsageError('name at least one run (folder or id)');
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${values.format}")`);
    if (values.columns !== 'cases' && values.columns !== 'run')
      throw new UsageError(`--columns must be "cases" or "run" (got "${values.columns}")`);
    const resamples = intOption(values.resamples, '--resamples', 100);
    const seed = intOption(values.seed, '--seed', 0);
    const alpha = shareOption(values.alpha, '--alpha');
    const where = { cwd: io.cwd, root: runsDirOf(values, io.cwd) };
    const options: TableOptions = {
      ...(values.metric ? { metric: values.metric } : {}),
      ...(values.reference ? { reference: values.reference } : {}),
      columns: values.columns as 'cases' | 'run',
      ...(alpha !== undefined ? { alpha } : {}),
      bootstrap: {
        ...(resamples !== undefined ? { resamples } : {}),
        ...(seed !== undefined ? { seed } : {}),
      },
    };
    // One streaming pass per run, one run at a time: summaries and pairing columns, no object per result.
    const tables = new PairTables();
    const runs = [];
    for (const r of positionals) runs.push(await readTableRun(r, { ...where, ...options }, tables));
    const table = paperTable(runs, options);
    if (values.metric && table.columns.every((c) => !c.metric))
      throw new Error(
        `no column has a metric "${values.metric}" (columns: ${table.columns.map((c) => `${c.title} (${c.form})`).join(', ')})`,
      );
    const text =
      format === 'csv'
        ? renderTableCsv(table)
        : format === 'latex'
          ? renderTableLatex(table)
          : format === 'json'
            ? toJson(table)
            : renderTableMarkdown(table);
    if (values.out) {
      await writeFile(path.resolve(io.cwd, values.out), text);
      io.err(`wrote ${values.out}\n`);
    } else io.out(text);
    return 0;
  },
};
