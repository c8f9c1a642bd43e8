// Export of a run's per-case results: one row per (case, variant, sample), one column per metric, the raw model
// answer in its own column. CSV follows RFC 4180 (fields with a comma, quote, CR or LF are quoted, quotes
// doubled, CRLF between records) and is guarded against spreadsheet formulas and control characters; JSONL
// writes one object per line with the same fields.
import { expectedText } from '../forms';
import type { CaseResult } from '../types';
import { latestResults, scoreResult, type ScoringContext } from './aggregate';
import { answerText } from './compare';

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
    const score = r.expected ? scoreResult(r, ctx) : (r.score ?? {});
    for (const k of Object.keys(score)) if (!metricCols.includes(k)) metricCols.push(k);
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
  });
  const columns = [...EXPORT_COLUMNS, ...metricCols.map((k) => `metric.${k}`)];
  return { columns, rows };
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
