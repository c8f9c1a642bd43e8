// What a variant row of the Runs tree says: whose figure it is, then the headline metric with its 95% interval,
// the invalid share and the full variant id, a tooltip and a screen-reader label. No `vscode` import:
// unit-tested in plain Node.
import type { VariantSummary } from '../../core';

function formatEstimate(value: number, lo: number, hi: number): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
  return `${f(value)} [${f(lo)}, ${f(hi)}]`;
}

function headline(s: VariantSummary): VariantSummary['metrics'][number] | undefined {
  return s.metrics.find((m) => m.key === s.headline) ?? s.metrics[0];
}

/** "invalid 2.0%", and "· errors 20.0%" when some answers never came (a wrong key, a dead endpoint). */
function shares(s: VariantSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const errors = s.errorShare?.value ?? 0;
  return `invalid ${pct(s.invalidShare.value)}${errors > 0 ? ` · errors ${pct(errors)}` : ''}`;
}

/** Every answer of the variant ended in error (how many), else 0: its figure (all worst-case scores) says nothing. */
function noAnswer(s: VariantSummary): number {
  const c = s.counts;
  return c && c.success + c.invalid === 0 ? c.error : 0;
}

const errorsText = (n: number) => `${n} error${n === 1 ? '' : 's'}`;

/** The headline metric spelled out for a screen reader: "HR@1 0.412, 95% interval 0.310 to 0.520". */
function spokenFigure(s: VariantSummary): string {
  const row = headline(s);
  if (!row) return 'no metric';
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'not available');
  return `${row.label} ${f(row.all.value)}, 95% interval ${f(row.all.lo)} to ${f(row.all.hi)}`;
}

/**
 * What tells each variant of a run from the others, by variant id: a baseline's id; a model's id when the run
 * has one template, else "model × template". Rows of one metric then differ in their label, not only their
 * description.
 */
export function variantNames(
  summaries: readonly Pick<VariantSummary, 'variant' | 'kind' | 'model' | 'template'>[],
): Map<string, string> {
  const templates = new Set(summaries.filter((s) => s.kind === 'llm').map((s) => s.template));
  const names = new Map<string, string>();
  for (const s of summaries)
    names.set(
      s.variant,
      s.kind === 'baseline' || !s.template
        ? s.variant
        : templates.size > 1
          ? `${s.model} × ${s.template}`
          : s.model,
    );
  // Two variants that would read alike (e.g. a model id equal to a baseline's): their full ids.
  const seen = new Map<string, number>();
  for (const n of names.values()) seen.set(n, (seen.get(n) ?? 0) + 1);
  for (const [id, n] of names) if (seen.get(n)! > 1) names.set(id, id);
  return names;
}

export interface VariantRow {
  /**
   * "gpt-4o · 0.412 [0.310, 0.520]": whose figure, then the headline figure (a narrow side bar cuts the end of a
   * row; the metric, the same for every row of a run, is in the description).
   */
  label: string;
  /** "HR@1 · invalid 2.0% · builtin:choice×gpt-4o": the metric, the invalid share, the full variant id. */
  description: string;
  tooltip: string;
  /** The screen reader's label: the full variant id and the figure in words. */
  spoken: string;
}

/** The row of a variant named `name` (from variantNames). */
export function variantRow(s: VariantSummary, name: string): VariantRow {
  const invalid = shares(s);
  const row = headline(s);
  const none = noAnswer(s);
  const estimate = row ? formatEstimate(row.all.value, row.all.lo, row.all.hi) : undefined;
  return {
    label: `${name} · ${none ? `no answer (${errorsText(none)})` : (estimate ?? 'no metric')}`,
    description: [row?.label, invalid, name === s.variant ? undefined : s.variant]
      .filter(Boolean)
      .join(' · '),
    tooltip: [
      `${s.variant}${s.kind === 'baseline' ? ' (baseline)' : ''}`,
      ...(s.kind === 'llm' ? [`model ${s.model}; template ${s.template ?? '–'}`] : []),
      `${row ? `${row.label} ${estimate}` : 'no metric'} · ${invalid}`,
    ].join('\n'),
    spoken: `${s.variant}: ${none ? `no answer, ${errorsText(none)}` : spokenFigure(s)}; ${invalid}`,
  };
}
