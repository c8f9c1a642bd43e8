import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import {
  buildCases,
  caseToJson,
  loadConfig,
  loadDataset,
  resolveConfigPath,
  type CaseList,
} from '../../core';

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
    // The full (compact) list is built and then cut, so --limit N is always a prefix of the full output.
    const built = buildCases(loaded.data, config.task);
    const count = Math.min(limit, built.list.length);
    const summary =
      `${count} ${config.task.form} case(s) from ${loaded.data.name}` +
      ` (${built.split} split${built.cutoff !== undefined ? ` at ${new Date(built.cutoff * 1000).toISOString()}` : ''}, ${built.sampledUsers} of ${built.eligibleUsers} eligible users` +
      `${built.skippedUsers ? `, ${built.skippedUsers} passed over for lack of negatives at their time` : ''}` +
      `${config.task.probe ? ', knowledge probe' : ''})`;
    if (values.out) {
      const stream = createWriteStream(path.resolve(io.cwd, values.out));
      const failed = once(stream, 'error').then(([e]) => Promise.reject(e as Error));
      failed.catch(() => undefined); // observed below, through the race
      const write = (t: string) =>
        stream.write(t)
          ? Promise.resolve()
          : Promise.race([once(stream, 'drain').then(() => undefined), failed]);
      await writeCases(built.list, count, write);
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
      io.err(`wrote ${summary} to ${values.out}\n`);
    } else {
      await writeCases(built.list, count, io.outAsync ?? ((t) => Promise.resolve(io.out(t))));
      io.err(`${summary}\n`);
    }
    return 0;
  },
};

/**
 * Writes the first `count` cases as JSONL, one case built at a time from the compact list and written in chunks
 * of about 1 MB, each after the previous one was taken (a million cases never become one string or one array).
 */
async function writeCases(
  list: CaseList,
  count: number,
  write: (text: string) => Promise<void>,
): Promise<void> {
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += caseToJson(list.at(i)!) + '\n';
    if (chunk.length >= 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk) await write(chunk);
}
