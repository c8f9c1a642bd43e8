// Export of a run's per-case results: one row per (case, variant, sample), one column per metric, the raw model
// answer in its own column. CSV follows RFC 4180 (fields with a comma, quote, CR or LF are quoted, quotes
// doubled, CRLF between records) and is guarded against spreadsheet formulas and control characters; JSONL
// writes one object per line with the same fields.
import { expectedText } from '../forms';
import type { CaseResult } from '../types';
import { closeSync, createWriteStream, existsSync, openSync, readSync } from 'node:fs';
import { once } from 'node:events';
import { isBlank, parseWithoutMessages, scanLines, UnitRows } from '../run/results';
import { latestResults, scoreResult, type ScoringContext } from './aggregate';
import { answerText } from './pairing';
import { LineScorer } from './columns';

export type ExportRow = Record<string, string | number | boolean | null>;

/** The fixed columns, in order, before the metric columns. */
export const EXPORT_COLUMNS = [
  'run',
  'caseId',
  'variant',
  'model',
  'template',
  'sample',
  'user',
  'form',
  'outcome',
  'reason',
  'expected',
  'prediction',
  'probability',
  'raw',
  'historyLength',
  'targetPopularity',
  'latencyMs',
  'promptTokens',
  'completionTokens',
  'reasoningTokens',
  'costUsd',
  'cached',
  'attempts',
  'finishedAt',
] as const;

/**
 * Rows of a run's results (the last line per case, variant and sample; a partial run exports what it has).
 * Metric columns are the per-case values (scoreCase; invalid and error scored as wrong), the union over rows.
 */
export function exportRows(
  runId: string,
  results: CaseResult[],
  ctx: ScoringContext,
): { columns: string[]; rows: ExportRow[] } {
  const latest = latestResults(results);
  const metricCols: string[] = [];
  const rows = latest.map((r): ExportRow => {
    const score = exportScore(r, ctx);
    for (const k of Object.keys(score)) if (!metricCols.includes(k)) metricCols.push(k);
    return exportRow(runId, r, score, ctx);
  });
  const columns = [...EXPORT_COLUMNS, ...metricCols.map((k) => `metric.${k}`)];
  return { columns, rows };
}

/** A result's per-case values as the export writes them (a line without an expected answer: its own score). */
function exportScore(r: CaseResult, ctx: ScoringContext): Record<string, number> {
  return r.expected ? scoreResult(r, ctx) : (r.score ?? {});
}

/** One export row. */
function exportRow(
  runId: string,
  r: CaseResult,
  score: Record<string, number>,
  ctx: ScoringContext,
): ExportRow {
  const row: ExportRow = {
    run: runId,
    caseId: r.caseId,
    variant: r.variant,
    model: r.model,
    template: r.template,
    sample: r.sample,
    user: r.user,
    form: r.form,
    outcome: r.outcome,
    reason: r.reason ?? null,
    expected: r.expected ? expectedText(r.expected, { scale: ctx.scale }) : null,
    prediction: r.outcome === 'success' && r.prediction ? answerText(r) : null,
    probability: typeof r.prediction?.probability === 'number' ? r.prediction.probability : null,
    raw: r.raw ?? null,
    historyLength: r.historyLength,
    targetPopularity: r.targetPopularity,
    latencyMs: r.latencyMs,
    promptTokens: r.usage?.prompt ?? null,
    completionTokens: r.usage?.completion ?? null,
    reasoningTokens: r.usage?.reasoning ?? null,
    costUsd: r.costUsd ?? null,
    cached: r.cached ?? null,
    attempts: r.attempts ?? null,
    finishedAt: r.finishedAt,
  };
  for (const [k, v] of Object.entries(score)) row[`metric.${k}`] = v;
  return row;
}

/**
 * Streams the export of a run's results file to `write`: the same rows as exportRows on the run as the store
 * reads it (a unit at the place of its first line, with its last line's values), the same bytes as toCsv or
 * toJsonl of them, in bounded memory. Two passes: the first finds each unit's first and last line (byte
 * offsets, ~24 bytes a unit besides the interned case ids) and the metric columns; the second writes each unit
 * when it meets its first line, reading the last one back when the unit was written again later (a resume, a
 * re-run). Returns the rows written.
 */
export async function streamExport(
  file: string,
  runId: string,
  ctx: ScoringContext,
  format: 'csv' | 'jsonl',
  write: (text: string) => void | Promise<void>,
  /** Filled in: lines skipped because no reader can score them (as `ubp report` skips and counts them). */
  stats: { unreadable: number } = { unreadable: 0 },
): Promise<number> {
  if (!existsSync(file)) {
    if (format === 'csv') await write(csvRecord(EXPORT_COLUMNS, EXPORT_COLUMNS));
    return 0;
  }
  const units = new UnitRows();
  const shapes = new Map<string, number>();
  const shapeKeys: string[][] = [];
  let firstOffset = new Float64Array(1024);
  let lastOffset = new Float64Array(1024);
  let lastEnd = new Float64Array(1024);
  let shape = new Int32Array(1024);
  const grow = <T extends Float64Array | Int32Array>(a: T): T => {
    const b = new (a.constructor as new (n: number) => T)(a.length * 2);
    b.set(a);
    return b;
  };
  const scorer = new LineScorer(ctx);
  // A line and its per-case values, scored once. A line of the run's form that the report cannot score (an
  // unknown outcome, an unreadable answer) is skipped here too: else the export would show it over the good line
  // the report keeps.
  const parse = (
    buf: Buffer,
    start: number,
    end: number,
  ): { r: CaseResult; score: Record<string, number> } | undefined => {
    if (isBlank(buf, start, end)) return undefined;
    try {
      const r = parseWithoutMessages(buf, start, end);
      return { r, score: r.expected?.form === ctx.form ? scorer.read(r).score : exportScore(r, ctx) };
    } catch {
      return undefined; // a corrupt line, skipped as every reader skips it
    }
  };
  await scanLines(file, (buf, start, end, offset) => {
    const line = parse(buf, start, end);
    if (!line) {
      if (!isBlank(buf, start, end)) stats.unreadable++;
      return;
    }
    const r = line.r;
    const u = units.rowOf(r.caseId, r.variant, r.sample);
    if (units.added) {
      if (u === firstOffset.length) {
        firstOffset = grow(firstOffset);
        lastOffset = grow(lastOffset);
        lastEnd = grow(lastEnd);
        shape = grow(shape);
      }
      firstOffset[u] = offset;
    }
    lastOffset[u] = offset;
    lastEnd[u] = offset + (end - start);
    const keys = Object.keys(line.score);
    const joined = keys.join('\u0000');
    let id = shapes.get(joined);
    if (id === undefined) {
      shapes.set(joined, (id = shapeKeys.length));
      shapeKeys.push(keys);
    }
    shape[u] = id;
  });
  const n = units.count;
  units.clear();
  // The metric columns: the union of the rows' keys, in row order.
  const metricCols: string[] = [];
  const seen = new Uint8Array(shapeKeys.length);
  for (let u = 0; u < n; u++) {
    if (seen[shape[u]!]) continue;
    seen[shape[u]!] = 1;
    for (const k of shapeKeys[shape[u]!]!) if (!metricCols.includes(k)) metricCols.push(k);
  }
  const columns = [...EXPORT_COLUMNS, ...metricCols.map((k) => `metric.${k}`)];
  let pending = format === 'csv' ? csvRecord(columns, columns) : '';
  const flush = async (): Promise<void> => {
    if (pending) await write(pending);
    pending = '';
  };
  const emit = ({ r, score }: { r: CaseResult; score: Record<string, number> }): void => {
    const row = exportRow(runId, r, score, ctx);
    pending +=
      format === 'csv'
        ? csvRecord(
            columns,
            columns.map((c) => row[c]),
          )
        : jsonlRecord(columns, row);
  };
  // Second pass: lines are met in file order, so units in the order of their first lines.
  let next = 0;
  const fd = openSync(file, 'r');
  try {
    await scanLines(
      file,
      (buf, start, end, offset) => {
        if (next >= n || offset !== firstOffset[next]) return;
        const u = next++;
        let line;
        if (lastOffset[u] === offset) line = parse(buf, start, end);
        else {
          const b = Buffer.alloc(lastEnd[u]! - lastOffset[u]!);
          readSync(fd, b, 0, b.length, lastOffset[u]!);
          line = parse(b, 0, b.length);
        }
        if (line) emit(line);
      },
      { afterChunk: flush },
    );
  } finally {
    closeSync(fd);
  }
  await flush();
  return next;
}

/**
 * `streamExport` into a file: rows written as they come, waiting whenever the file stream is full, so a million
 * results export in bounded memory. Returns the number of rows; a write error rejects.
 */
export async function exportToFile(
  resultsFile: string,
  runId: string,
  ctx: ScoringContext,
  format: 'csv' | 'jsonl',
  outFile: string,
  stats: { unreadable: number } = { unreadable: 0 },
): Promise<number> {
  const stream = createWriteStream(outFile);
  const failed = once(stream, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined); // observed below, through the races
  const write = (t: string): Promise<void> =>
    stream.write(t) ? Promise.resolve() : Promise.race([once(stream, 'drain').then(() => undefined), failed]);
  try {
    // Opened before the first pass: a path that cannot be written fails at once, not after reading the run.
    await Promise.race([once(stream, 'open'), failed]);
    const rows = await streamExport(resultsFile, runId, ctx, format, write, stats);
    stream.end();
    await Promise.race([once(stream, 'finish'), failed]);
    return rows;
  } finally {
    stream.destroy();
  }
}

export type CsvCell = string | number | boolean | null | undefined;

// A cell a spreadsheet would run as a formula (OWASP "CSV injection"): it starts, maybe after blanks, with
// = + - @, or starts with a tab or CR. Plain numbers ("-1.5") are data, not formulas.
const FORMULA_START = /^(?:[\t\r]|\s*[=+\-@])/;
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
// Control characters other than tab, LF and CR (which RFC 4180 quoting carries) turn a CSV into a binary
// file for grep and confuse spreadsheets: they are written as visible \uXXXX escapes instead.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * One CSV field, safe to open in a spreadsheet: control characters escaped, a would-be formula prefixed
 * with an apostrophe, then RFC 4180 quoting (a comma, quote, CR or LF, or a leading/trailing blank).
 */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = String(value).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s.trim())) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The one CSV writer of the project (CLI `ubp export`, the extension's export command, the results panel):
 * a header line, then one record per row (a row keyed by column or an array in column order), CRLF line ends
 * (RFC 4180), every field through csvField.
 */
export function toCsv(columns: readonly string[], rows: readonly (ExportRow | readonly CsvCell[])[]): string {
  const cells = (r: ExportRow | readonly CsvCell[]): CsvCell[] =>
    isCellArray(r) ? columns.map((_, i) => r[i]) : columns.map((c) => r[c]);
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(cells(r).map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** One CSV record as toCsv writes it, with its CRLF (cells in column order). */
function csvRecord(columns: readonly string[], cells: readonly CsvCell[]): string {
  return columns.map((_, i) => csvField(cells[i])).join(',') + '\r\n';
}

/** One JSON Lines record as toJsonl writes it, with its newline. */
function jsonlRecord(columns: readonly string[], r: ExportRow): string {
  const o: ExportRow = {};
  for (const c of columns)
    if (c in r) o[c] = typeof r[c] === 'number' && !Number.isFinite(r[c]) ? null : r[c];
  return JSON.stringify(o) + '\n';
}

function isCellArray(r: ExportRow | readonly CsvCell[]): r is readonly CsvCell[] {
  return Array.isArray(r);
}

/** JSON Lines: one object per row, keys in column order, absent metrics left out. */
export function toJsonl(columns: string[], rows: ExportRow[]): string {
  return rows
    .map((r) => {
      const o: ExportRow = {};
      for (const c of columns)
        if (c in r) o[c] = typeof r[c] === 'number' && !Number.isFinite(r[c]) ? null : r[c];
      return JSON.stringify(o);
    })
    .join('\n')
    .concat(rows.length ? '\n' : '');
}
