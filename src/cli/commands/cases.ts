import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { buildCases, caseToJson, loadConfig, loadDataset, resolveConfigPath } from '../../core';

/** Builds an eval config's test cases and writes them as JSONL, one case per line. */
export const casesCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { limit: { type: 'string' }, out: { type: 'string', short: 'o' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected one config file');
    let limit = Infinity;
    if (values.limit !== undefined) {
      if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1)
        throw new UsageError(`--limit expects a positive integer, got "${values.limit}"`);
      limit = Number(values.limit);
    }
    const { config, dir } = await loadConfig(path.resolve(io.cwd, positionals[0]));
    const { dataset } = config;
    const loaded = await loadDataset(resolveConfigPath(config, dir, dataset.path), {
      format: dataset.format,
      mode: dataset.mode,
      columns: dataset.columns,
    });
    if (loaded.skippedRows) {
      io.err(`skipped ${loaded.skippedRows} malformed row(s) of ${loaded.data.name}; first:\n`);
      for (const i of loaded.issues.slice(0, 3)) io.err(`  ${i.file}:${i.line}:${i.column}: ${i.reason}\n`);
    }
    // The full list is built and then cut, so --limit N is always a prefix of the full output.
    const built = buildCases(loaded.data, config.task);
    const cases = built.cases.slice(0, limit);
    const text = cases.map((c) => caseToJson(c) + '\n').join('');
    const summary =
      `${cases.length} ${config.task.form} case(s) from ${loaded.data.name}` +
      ` (${built.split} split${built.cutoff !== undefined ? ` at ${new Date(built.cutoff * 1000).toISOString()}` : ''}, ${built.sampledUsers} of ${built.eligibleUsers} eligible users` +
      `${built.skippedUsers ? `, ${built.skippedUsers} passed over for lack of negatives at their time` : ''}` +
      `${config.task.probe ? ', knowledge probe' : ''})`;
    if (values.out) {
      const out = path.resolve(io.cwd, values.out);
      await writeFile(out, text);
      io.err(`wrote ${summary} to ${values.out}\n`);
    } else {
      io.out(text);
      io.err(`${summary}\n`);
    }
    return 0;
  },
};
