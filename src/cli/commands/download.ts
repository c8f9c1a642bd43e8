// `ubp download <name> [--dir D] [--force] [--mirror URL]`: fetches a public dataset release, checks and unpacks
// it. Progress goes to stderr; the final folder to stdout.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { UsageError, type CommandModule, type CliIO } from '../command';
import {
  downloadDataset,
  findDownloadable,
  DOWNLOADABLE_DATASETS,
  MIRROR_ENV,
  type DownloadProgress,
} from '../../core';

const mb = (b: number) => (b / 1e6).toFixed(1);

/** Prints a progress line at most every 10% (or every 5 MB when the size is unknown). */
function progressPrinter(io: CliIO): (p: DownloadProgress) => void {
  let phase = '';
  let nextMark = 0;
  return (p) => {
    if (p.phase !== phase) {
      phase = p.phase;
      nextMark = 0;
    }
    const frac = p.total ? p.done / p.total : null;
    const mark = frac !== null ? Math.floor(frac * 10) : Math.floor(p.done / 5e6);
    if (mark < nextMark && !(frac === 1 && nextMark <= 10)) return;
    nextMark = mark + 1;
    const what = p.phase === 'download' ? 'downloading' : 'unpacking';
    const of = p.total ? ` / ${mb(p.total)} MB (${Math.round((frac ?? 0) * 100)}%)` : ' MB';
    io.err(`${what}: ${mb(p.done)}${of}${p.file ? ` ${p.file}` : ''}\n`);
  };
}

export const downloadCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: 'string' },
        force: { type: 'boolean' },
        mirror: { type: 'string' },
        list: { type: 'boolean' },
      },
    });
    if (values.list) {
      for (const d of DOWNLOADABLE_DATASETS) {
        io.out(`${d.name}${d.aliases ? ` (also: ${d.aliases.join(', ')})` : ''}\n  ${d.release}\n`);
      }
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('name one dataset (ubp download --list shows them)');
    const entry = findDownloadable(positionals[0]);
    if (!entry) {
      throw new UsageError(
        `unknown dataset "${positionals[0]}": known are ${DOWNLOADABLE_DATASETS.map((d) => d.name).join(', ')}`,
      );
    }
    if (entry.note) io.err(`note: ${entry.note}\n`);
    const dir = path.resolve(io.cwd, values.dir ?? 'datasets');
    const mirror = values.mirror ?? io.env[MIRROR_ENV];
    io.err(`${entry.name}: ${entry.release}\n`);
    const result = await downloadDataset(entry, {
      dir,
      force: values.force,
      mirror,
      onProgress: progressPrinter(io),
      onNote: (line) => io.err(`${line}\n`),
    });
    if (result.already) {
      io.err(`already downloaded (use --force to fetch again)\n`);
    } else {
      const files = Object.entries(result.manifest.files)
        .map(([f, m]) => `${f} (${m.rows ?? 0} rows)`)
        .join(', ');
      io.err(`checked and unpacked: ${files}\narchive sha256 ${result.manifest.source.archiveSha256}\n`);
    }
    io.out(`${result.dir}\n`);
    return 0;
  },
};
