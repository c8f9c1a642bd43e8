// `ubp compare <runA> <runB>`: paired differences on the shared cases, changed cases, regressions. Variants are
// paired by id, then the LLM variants by template (two models through one prompt), or as `--pair <a>=<b>` says
// (variant ids, `x` for `×`, or model ids). `ubp compare <run> --pair X=Y`: two models of one run.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule } from '../command';
import { EXIT } from '../exitCodes';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import {
  caseDifferences,
  comparePairRuns,
  findRegressions,
  findRun,
  normaliseMetricKey,
  PairTables,
  readPairRun,
  renderComparisonMarkdown,
  renderComparisonText,
  scoringContext,
  unreadableText,
  toJson,
} from '../../core';
import { intOption, shareOption } from './report';

export const compareCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        md: { type: 'boolean' },
        'only-changed': { type: 'boolean' },
        'max-changed': { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        metric: { type: 'string', multiple: true },
        alpha: { type: 'string' },
        resamples: { type: 'string' },
        seed: { type: 'string' },
        ...RUNS_DIR_OPTIONS,
        'variant-a': { type: 'string' },
        'variant-b': { type: 'string' },
        pair: { type: 'string', multiple: true },
      },
    });
    const va = values['variant-a'];
    const vb = values['variant-b'];
    if ((va === undefined) !== (vb === undefined))
      throw new UsageError('give both --variant-a and --variant-b');
    const pairs = (values.pair ?? []).map((p) => {
      const m = /^(.+?)=(.+)$/.exec(p);
      if (!m) throw new UsageError(`--pair "${p}": expected <a>=<b> (variant or model ids)`);
      return { a: m[1].trim(), b: m[2].trim() };
    });
    if (va !== undefined && vb !== undefined) pairs.push({ a: va, b: vb });
    if (positionals.length === 1 && pairs.length) positionals.push(positionals[0]);
    if (positionals.length !== 2) {
      throw new UsageError('give two runs, or one run with --pair <a>=<b>');
    }
    if (values.json && values.md) throw new UsageError('--json and --md exclude each other');
    const resamples = intOption(values.resamples, '--resamples', 1000);
    const seed = intOption(values.seed, '--seed', 0);
    const maxChanged = intOption(values['max-changed'], '--max-changed', 0);
    const alpha = shareOption(values.alpha, '--alpha');
    const where = { cwd: io.cwd, root: runsDirOf(values, io.cwd) };
    // Each run is read in one streaming pass into columns (pairing.ts): a million results in bounded memory.
    const a = findRun(positionals[0], where);
    const b = findRun(positionals[1], where);
    if (a.manifest.dataset.form !== b.manifest.dataset.form) {
      throw new Error(
        `the runs have different task forms (${a.manifest.dataset.form} and ${b.manifest.dataset.form}): nothing to pair`,
      );
    }
    const ctx = scoringContext(a.manifest, {
      bootstrap: {
        ...(resamples !== undefined ? { resamples } : {}),
        ...(seed !== undefined ? { seed } : {}),
      },
    });
    const tables = new PairTables();
    const readA = await readPairRun(a.dir, ctx, tables);
    const readB = a.dir === b.dir ? readA : await readPairRun(b.dir, ctx, tables);
    const runA = readA.run;
    const runB = readB.run;
    // A line that cannot be read or scored is skipped, as `ubp report` skips it, and said, as it says.
    const unreadable = (label: string, id: string, n: number): string[] =>
      n ? [`run ${label} (${id}): ${unreadableText(n)}`] : [];
    // Two runs of one id (two workspaces, a copied folder) are told apart by their folders: a shared label
    // would read as one run, and --pair would then compare only the named pair.
    const twins = a.dir !== b.dir && a.manifest.id === b.manifest.id;
    const labelOf = (r: { dir: string; manifest: { id: string } }): string =>
      twins ? path.relative(io.cwd, r.dir) || r.dir : r.manifest.id;
    const cmp = comparePairRuns({ label: labelOf(a), run: runA }, { label: labelOf(b), run: runB }, ctx, {
      ...(alpha !== undefined ? { alpha } : {}),
      ...(pairs.length ? { pairs } : {}),
      warnings: [
        ...(a.dir === b.dir ? [] : caseDifferences(a.manifest, b.manifest)),
        ...unreadable('A', a.manifest.id, readA.scan.corrupt),
        ...(a.dir === b.dir ? [] : unreadable('B', b.manifest.id, readB.scan.corrupt)),
      ],
    });
    if (values.json) for (const w of cmp.warnings) io.err(`ubp compare: warning: ${w}\n`);
    const probeA = Boolean(a.manifest.config?.task?.probe);
    const probeB = Boolean(b.manifest.config?.task?.probe);
    if (probeA !== probeB) cmp.probe = { titled: probeA ? 'b' : 'a' };
    const metrics = values.metric?.map(normaliseMetricKey);
    const regressions = findRegressions(cmp, metrics);
    const render = {
      onlyChanged: values['only-changed'],
      ...(maxChanged !== undefined ? { maxChanged } : {}),
    };
    io.out(
      values.json
        ? toJson({ ...cmp, regressions })
        : values.md
          ? renderComparisonMarkdown(cmp, render)
          : renderComparisonText(cmp, render),
    );
    if (values['fail-on-regression'] && regressions.length) {
      io.err(`ubp compare: ${regressions.length} significant regression(s):\n`);
      for (const r of regressions) io.err(`  ${r.message}\n`);
      return EXIT.gate;
    }
    return 0;
  },
};
