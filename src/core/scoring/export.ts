// Export of a run's per-case results: one row per (case, variant, sample), one column per metric, the raw model
// answer in its own column. CSV follows RFC 4180 (fields with a comma, quote, CR or LF are quoted, quotes
// doubled, CRLF between records); JSONL writes one object per line with the same fields.
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
      expected: r.expected ? expectedText(r.expected) : null,
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

/** One CSV field: quoted when it holds a comma, a quote, CR or LF, or starts or ends with a space. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text with a header line, CRLF line ends (RFC 4180). */
export function toCsv(columns: string[], rows: ExportRow[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
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
