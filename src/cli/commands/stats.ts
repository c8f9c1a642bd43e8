// `ubp stats <path> [--as FORMAT] [--json] [--strict]`: loads a dataset and prints its statistics.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { UsageError, type CommandModule } from '../command';
import {
  datasetStats,
  loadDataset,
  skippedRowsOf,
  skippedRowsWarning,
  BUNDLED_PREFIX,
  type DatasetStats,
  type GenericColumnMap,
  type DatasetFormat,
  type LoadedDataset,
} from '../../core';

export const FORMATS: DatasetFormat[] = [
  'movielens-csv',
  'movielens-dat',
  'movielens-100k',
  'lastfm-hetrec',
  'generic',
];

const num = (n: number) => n.toLocaleString('en-US');
const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

function render(loaded: LoadedDataset, stats: DatasetStats, ms: number): string {
  const s = stats;
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(15)}${v}`);
  lines.push(`${s.name} (${s.format}, ${s.kind} feedback), loaded in ${Math.round(ms)} ms`);
  row('users', num(s.users));
  row('items', num(s.items));
  row('interactions', num(s.interactions));
  row('density', pct(s.density, 3));
  if (s.scale)
    row(
      'scale',
      `${s.scale.min}..${s.scale.max} in steps of ${s.scale.step}, mean ${s.values.mean.toFixed(2)}`,
    );
  else row('values', `${num(s.values.min)}..${num(s.values.max)} (counts), mean ${s.values.mean.toFixed(1)}`);
  const peak = Math.max(...s.values.histogram.map((b) => b.count), 1);
  for (const b of s.values.histogram) {
    const bar = '#'.repeat(Math.round((b.count / peak) * 30));
    lines.push(
      `    ${b.label.padStart(13)} ${bar.padEnd(30)} ${num(b.count)} (${pct(b.count / Math.max(1, s.interactions))})`,
    );
  }
  const h = s.historyLength;
  row(
    'per user',
    `min ${num(h.min)}, p25 ${num(h.p25)}, median ${num(h.median)}, p75 ${num(h.p75)}, p90 ${num(h.p90)}, max ${num(h.max)}`,
  );
  const p = s.itemPopularity;
  row('per item', `min ${num(p.min)}, median ${num(p.median)}, p90 ${num(p.p90)}, max ${num(p.max)}`);
  if (s.timeSpan) {
    row(
      'time span',
      `${s.timeSpan.firstIso.slice(0, 10)} .. ${s.timeSpan.lastIso.slice(0, 10)} (${(s.timeSpan.days / 365.25).toFixed(1)} years)`,
    );
  } else row('time span', 'no timestamps');
  lines.push('  most popular');
  s.popular.forEach((it, k) =>
    lines.push(`    ${String(k + 1).padStart(2)}. ${it.title} (${it.item}): ${num(it.count)}`),
  );
  row('files', loaded.files.map((f) => path.basename(f)).join(', '));
  row('fingerprint', loaded.fingerprint);
  if (loaded.manifest?.release) row('release', loaded.manifest.release);
  row('skipped rows', num(loaded.skippedRows));
  return lines.join('\n') + '\n';
}

export const statsCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        as: { type: 'string' },
        columns: { type: 'string' },
        json: { type: 'boolean' },
        strict: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give one dataset path');
    const format = values.as as DatasetFormat | undefined;
    if (format && !FORMATS.includes(format))
      throw new UsageError(`--as must be one of ${FORMATS.join(', ')}`);
    let columns: GenericColumnMap | undefined;
    if (values.columns !== undefined) {
      try {
        columns = JSON.parse(values.columns) as GenericColumnMap;
      } catch {
        throw new UsageError(
          '--columns takes a JSON column map, e.g. {"user":"user_id","item":"item_id","value":"score"}',
        );
      }
      if (format && format !== 'generic') throw new UsageError('--columns goes with the generic format');
    }
    const target = positionals[0].startsWith(BUNDLED_PREFIX)
      ? positionals[0]
      : path.resolve(io.cwd, positionals[0]);
    const t0 = performance.now();
    const loaded = await loadDataset(target, {
      format: format ?? 'auto',
      mode: values.strict ? 'strict' : 'lenient',
      columns,
    });
    const ms = performance.now() - t0;
    const stats = datasetStats(loaded.data);
    const skipped = skippedRowsOf(loaded);
    if (skipped) io.err(`warning: ${skippedRowsWarning(skipped).join('\n')}\n`);
    if (values.json) {
      const out = {
        path: target,
        files: loaded.files,
        fingerprint: loaded.fingerprint,
        loadMs: Math.round(ms),
        skippedRows: loaded.skippedRows,
        issues: loaded.issues,
        release: loaded.manifest?.release ?? null,
        stats,
      };
      io.out(JSON.stringify(out, null, 2) + '\n');
    } else io.out(render(loaded, stats, ms));
    return 0;
  },
};
