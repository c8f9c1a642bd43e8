// `ubp merge <runs…> --out <dir>`: joins the shards of an eval (`ubp run --shard i/n`) into one run folder that
// `ubp report`, `compare`, `export` and the extension read like any other. Refuses runs of another config or
// other data; says which shards or units are missing and how many units were duplicated.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { EXIT } from '../exitCodes';
import { RUN_MANIFEST_FILE, mergeRuns, runsDir } from '../../core';
import { existsSync } from 'node:fs';

export const mergeCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        'runs-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        partial: { type: 'boolean', default: false },
      },
    });
    if (!values.out) throw new UsageError('--out <dir> names the merged run folder');
    if (positionals.length < 1) throw new UsageError('give the runs to merge');
    const root = path.resolve(io.cwd, values['runs-dir'] ?? '.ubp');
    const dirs = positionals.map((p) => {
      const own = path.resolve(io.cwd, p);
      if (existsSync(path.join(own, RUN_MANIFEST_FILE))) return own;
      const byId = path.join(runsDir(root), p);
      if (existsSync(path.join(byId, RUN_MANIFEST_FILE))) return byId;
      throw new Error(`no run "${p}" (neither a run folder nor a run id in ${runsDir(root)})`);
    });
    const r = await mergeRuns(dirs, path.resolve(io.cwd, values.out), { inProgress: values.partial });
    for (const w of r.inProgress) io.err(`warning: ${w.message}: merged the lines it had written so far\n`);
    if (values.json) {
      const { manifest: _m, ...rest } = r;
      io.out(
        JSON.stringify({ ...rest, status: r.manifest.status, units: r.manifest.totals.units }, null, 2) +
          '\n',
      );
    } else {
      io.out(
        `merged ${dirs.length} runs into ${path.relative(io.cwd, r.dir) || r.dir}: ${r.lines} of ${r.manifest.totals.units} units, status ${r.manifest.status}\n`,
      );
      if (r.missingShards.length)
        io.err(
          `warning: shards ${r.missingShards.join(', ')} of ${r.manifest.mergedFrom?.[0]?.shard?.count} not given\n`,
        );
      if (r.missingUnits)
        io.err(`warning: ${r.missingUnits} units of the runs given have no result (resume those shards)\n`);
      if (r.duplicates)
        io.err(`warning: ${r.duplicates} units appear in more than one run (the first run's line kept)\n`);
    }
    // A merge missing shards or units is written (to look at) but fails unless --partial says it is wanted: a CI
    // job that lost a shard must not report a complete eval.
    if ((r.missingShards.length || r.missingUnits) && !values.partial) {
      io.err(
        `ubp merge: the merged run is partial (${r.lines} of ${r.manifest.totals.units} units); give every shard, or --partial to accept it\n`,
      );
      return EXIT.error;
    }
    return EXIT.ok;
  },
};
