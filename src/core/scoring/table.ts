// Paper-ready tables: models (rows) by runs or task forms (columns), each cell a metric with its 95% interval,
// the best per column marked, and a paired test of every row against a chosen reference row. Runs that asked
// the same cases (same data set and task settings) share a column, so two runs of two models pair by model id
// on their shared case ids. Rendered as Markdown, CSV (the one CSV writer) or LaTeX (booktabs).
import { canonicalJson } from '../canonicalJson';
import { getForm, hasForm } from '../forms';
import type { RunManifest } from '../run/store';
import type { CaseResult, TaskForm } from '../types';
import { latestResults, summariseColumns, type ScoringContext, type VariantSummary } from './aggregate';
import type { Estimate } from './bootstrap';
import { resultColumns, type RunColumns } from './columns';
import { compareCases } from './compare';
import { mergeCases, PairTables, pairRunOf, type MergedCases, type PairRun } from './pairing';
import { toCsv, type ExportRow } from './export';
import { formScoring, normaliseMetricKey } from './metrics';
import { runProtocol } from './protocol';
import { runUnits, scoringContext, unreadableText, variantEstimate } from './report';

export interface TableRun {
  manifest: RunManifest;
  results: CaseResult[];
}

/**
 * What the table reads of one run (tableRunOf, or load.ts's readTableRun: one streaming pass): each variant's
 * summary (of the run's form), and the run's units for pairing (tables shared by every run of the table).
 */
export interface TableRunRead {
  manifest: RunManifest;
  /** Per variant of the run's form, in order of its first unit: model and template of that unit, the summary. */
  summaries: Map<string, { model: string; template: string | null; summary: VariantSummary }>;
  pair: PairRun;
  /** Lines of results.jsonl that could not be read or scored, skipped. */
  unreadable?: number;
}

/** The scoring context the table reads a run with. */
export function tableContext(manifest: RunManifest, options: TableOptions = {}): ScoringContext {
  return { ...scoringContext(manifest), bootstrap: tableBootstrap(options) };
}

const tableBootstrap = (options: TableOptions) => ({
  resamples: options.bootstrap?.resamples ?? 1000,
  seed: options.bootstrap?.seed ?? 0,
});

/** Each variant's summary from a run's columns (of the run's form). */
export function tableSummaries(columns: RunColumns): TableRunRead['summaries'] {
  const out: TableRunRead['summaries'] = new Map();
  for (const v of columns.variants)
    out.set(v.variant, { model: v.model, template: v.template, summary: summariseColumns(columns, v) });
  return out;
}

/** What the table reads of a run whose results are in memory. */
export function tableRunOf(
  run: TableRun,
  options: TableOptions = {},
  tables = new PairTables(),
): TableRunRead {
  const ctx = tableContext(run.manifest, options);
  const latest = latestResults(run.results).filter((r) => r.expected?.form === run.manifest.dataset.form);
  return {
    manifest: run.manifest,
    summaries: tableSummaries(resultColumns(latest, ctx)),
    pair: pairRunOf(run.results, ctx, tables),
  };
}

export interface TableOptions {
  /** Metric of every column as a user writes it (`ndcg@10`, `rmse`); default each column's headline. */
  metric?: string;
  /** Row (model id, variant id, or a baseline's bare name) every other row is tested against. */
  reference?: string;
  /** "cases" (default): runs with the same data set and task settings share a column; "run": one column each. */
  columns?: 'cases' | 'run';
  /** Significance level of the markers; default 0.05. */
  alpha?: number;
  bootstrap?: { resamples?: number; seed?: number };
}

export interface TableMetric {
  key: string;
  label: string;
  /** null: a signed figure with no better direction. */
  higherIsBetter: boolean | null;
}

export interface TableColumn {
  title: string;
  form: TaskForm;
  dataset: string;
  /** The runs feeding this column. */
  runs: string[];
  /** The metric of this column; absent when the form has no metric of the asked name. */
  metric?: TableMetric;
  cases: number;
  users: number;
  k: number;
  candidates?: number;
  negatives?: string;
  split: string;
  /** The protocol's caveats (what baselines saw, sampled metrics), as every report states them. */
  caveats: string[];
  probe: boolean;
  partial: boolean;
}

export interface TableCell {
  value: Estimate;
  /** Share of invalid or error answers (counted as wrong in value). */
  failShare: number;
  best: boolean;
  run: string;
  variant: string;
  /** The paired test against the reference row on the cases both answered (absent on the reference itself). */
  vsReference?: {
    /** row − reference, with its paired cluster-bootstrap interval. */
    diff: Estimate;
    p: number;
    /** McNemar's exact p on per-case correctness (binary and choice). */
    mcnemarP?: number;
    /** Observations both rows answered. */
    shared: number;
    verdict: 'better' | 'worse' | 'same';
  };
}

export interface TableRow {
  /** Model id (with the template when a run asks one model with several templates). */
  key: string;
  kind: 'llm' | 'baseline';
  cells: (TableCell | null)[];
}

export interface PaperTable {
  columns: TableColumn[];
  rows: TableRow[];
  /** The reference row's key, when one was chosen. */
  reference?: string;
  alpha: number;
  bootstrap: { resamples: number; seed: number };
  /** What a reader must know: split, K, negatives, sampled metrics, how intervals and tests were made. */
  footnotes: string[];
}

interface TaskSettings {
  k?: number;
  candidates?: number;
  negatives?: string;
  split?: string;
  probe?: boolean;
  seed?: number;
  cutoff?: number | string;
}

const taskOf = (m: RunManifest): TaskSettings =>
  ((m.config as { task?: TaskSettings } | undefined)?.task ?? {}) as TaskSettings;

/** What decides the cases of a run: the data set's fingerprint and the task settings. */
function casesKey(m: RunManifest): string {
  return canonicalJson({ data: m.dataset.fingerprint, form: m.dataset.form, task: taskOf(m) });
}

/** Builds the table. Throws when the reference names no row, listing the rows. */
export function buildPaperTable(runs: TableRun[], options: TableOptions = {}): PaperTable {
  const tables = new PairTables();
  return paperTable(
    runs.map((r) => tableRunOf(r, options, tables)),
    options,
  );
}

/** Builds the table from what was read of each run (TableRunRead, their pairing tables shared). */
export function paperTable(runs: TableRunRead[], options: TableOptions = {}): PaperTable {
  if (!runs.length) throw new Error('no runs to tabulate');
  const alpha = options.alpha ?? 0.05;
  const bootstrap = tableBootstrap(options);
  const metricName = options.metric ? normaliseMetricKey(options.metric) : undefined;

  // Columns: groups of runs over the same cases (or one per run).
  const groups = new Map<string, TableRunRead[]>();
  for (const run of runs) {
    const key = options.columns === 'run' ? run.manifest.id : casesKey(run.manifest);
    const list = groups.get(key);
    if (list) list.push(run);
    else groups.set(key, [run]);
  }

  interface Entry {
    run: TableRunRead;
    variant: string;
    summary: VariantSummary;
  }
  const columnEntries: Map<string, Entry>[] = [];
  const rowKinds = new Map<string, 'llm' | 'baseline'>();
  const notes: string[] = [];
  for (const run of runs)
    if (run.unreadable) notes.push(`run ${run.manifest.id}: ${unreadableText(run.unreadable)}.`);
  const columns: TableColumn[] = [...groups.values()].map((group) => {
    const entries = new Map<string, Entry>();
    // Newest run last, so a model run twice over the same cases shows its latest run.
    const ordered = [...group].sort((a, b) => a.manifest.startedAt.localeCompare(b.manifest.startedAt));
    for (const run of ordered) {
      const m = run.manifest;
      const templatesOf = new Map<string, Set<string>>();
      for (const v of m.variants) {
        if (v.kind !== 'llm') continue;
        const set = templatesOf.get(v.model) ?? new Set<string>();
        set.add(v.template ?? '');
        templatesOf.set(v.model, set);
      }
      for (const [variant, first] of run.summaries) {
        const declared = m.variants.find((v) => v.id === variant);
        const model = declared?.model ?? first.model;
        const kind = declared?.kind ?? (variant.startsWith('baseline:') ? 'baseline' : 'llm');
        const several = (templatesOf.get(model)?.size ?? 0) > 1;
        const key = several ? `${model} (${declared?.template ?? first.template})` : model;
        // Baselines are fitted the same way in every run over the same cases; a model asked twice is noted.
        if (entries.has(key) && kind === 'llm')
          notes.push(`${key}: shown from run ${m.id}, the later of its runs over these cases.`);
        entries.set(key, { run, variant, summary: first.summary });
        if (!rowKinds.has(key)) rowKinds.set(key, kind);
      }
    }
    columnEntries.push(entries);
    const first = ordered[ordered.length - 1].manifest;
    const task = taskOf(first);
    const fs = formScoring(first.dataset.form, task.k ?? 10);
    const key = metricName ?? fs.headline;
    const def =
      fs.metrics.find((d) => d.key.toLowerCase() === key.toLowerCase()) ??
      (key === 'hr@1' ? fs.metrics.find((d) => d.key === 'accuracy') : undefined) ??
      (key === 'invalidShare' || key === 'errorShare'
        ? { key, label: key === 'invalidShare' ? 'Invalid' : 'Error', higherIsBetter: false }
        : undefined);
    const { users, cases } = distinctOf([...entries.values()]);
    const ctx = scoringContext(first);
    const protocol = runProtocol(first, first.dataset.form);
    const choiceLike = Boolean(getForm(first.dataset.form).candidates);
    return {
      title: '',
      form: first.dataset.form,
      dataset: first.dataset.name,
      runs: ordered.map((r) => r.manifest.id),
      ...(def ? { metric: { key: def.key, label: def.label, higherIsBetter: def.higherIsBetter } } : {}),
      cases,
      users,
      k: ctx.k,
      ...(choiceLike && ctx.candidates !== undefined ? { candidates: ctx.candidates } : {}),
      ...(choiceLike ? { negatives: task.negatives ?? 'uniform' } : {}),
      split: protocol.split + (protocol.cutoff ? ` at ${protocol.cutoff}` : ''),
      caveats: protocol.notes,
      probe: Boolean(task.probe),
      partial: ordered.some((r) => r.pair.units < runUnits(r.manifest)),
    };
  });
  titleColumns(columns, runs);

  // Rows: LLMs in order of first appearance, then baselines.
  const keys = [...rowKinds.keys()];
  const ordered = [
    ...keys.filter((k) => rowKinds.get(k) === 'llm'),
    ...keys.filter((k) => rowKinds.get(k) === 'baseline'),
  ];
  let reference: string | undefined;
  if (options.reference !== undefined) {
    const want = options.reference;
    reference =
      ordered.find((k) => k === want) ??
      ordered.find((k) => k === `baseline:${want}`) ??
      ordered.find((k) => columnEntries.some((c) => c.get(k)?.variant === want));
    if (!reference)
      throw new Error(`--reference "${want}" names no row of the table (rows: ${ordered.join(', ')})`);
  }

  // A variant's cases merged once, whatever the number of rows compared with it.
  const mergedCache = new Map<TableRunRead, Map<string, MergedCases>>();
  const merged = (run: TableRunRead, variant: string, ctx: ScoringContext): MergedCases => {
    let byVariant = mergedCache.get(run);
    if (!byVariant) mergedCache.set(run, (byVariant = new Map()));
    let m = byVariant.get(variant);
    if (!m) byVariant.set(variant, (m = mergeCases(run.pair, variant, ctx, { ownForm: true })));
    return m;
  };
  const rows: TableRow[] = ordered.map((key) => ({
    key,
    kind: rowKinds.get(key)!,
    cells: columns.map((col, ci) => {
      const e = columnEntries[ci].get(key);
      if (!e || !col.metric) return null;
      const value = variantEstimate(e.summary, col.metric.key);
      if (!value) return null;
      const cell: TableCell = {
        value,
        failShare: e.summary.invalidShare.value + e.summary.errorShare.value,
        best: false,
        run: e.run.manifest.id,
        variant: e.variant,
      };
      const ref = reference !== undefined && reference !== key ? columnEntries[ci].get(reference) : undefined;
      if (ref) {
        const ctx = { ...scoringContext(e.run.manifest), bootstrap };
        const cmp = compareCases(
          { label: reference!, cases: merged(ref.run, ref.variant, ctx) },
          { label: key, cases: merged(e.run, e.variant, ctx) },
          ctx,
          { alpha, maxChanged: 0 },
        );
        const paired = cmp.metrics.find((m) => m.key.toLowerCase() === col.metric!.key.toLowerCase());
        if (paired) {
          cell.vsReference = {
            diff: paired.diff,
            p: paired.p,
            ...(cmp.mcnemar ? { mcnemarP: cmp.mcnemar.pExact } : {}),
            shared: cmp.shared.observations,
            verdict: paired.verdict,
          };
        }
      }
      return cell;
    }),
  }));
  // Best per column by point estimate (ties all marked).
  columns.forEach((col, ci) => {
    if (!col.metric) return;
    const values = rows.flatMap((r) =>
      r.cells[ci] && Number.isFinite(r.cells[ci]!.value.value) ? [r.cells[ci]!.value.value] : [],
    );
    if (!values.length || col.metric.higherIsBetter === null) return; // no better direction: nothing is best
    const best = col.metric.higherIsBetter ? Math.max(...values) : Math.min(...values);
    for (const r of rows) if (r.cells[ci]?.value.value === best) r.cells[ci]!.best = true;
  });

  return {
    columns,
    rows,
    ...(reference !== undefined ? { reference } : {}),
    alpha,
    bootstrap,
    footnotes: [...footnotes(columns, reference, alpha, bootstrap, metricName), ...notes],
  };
}

/** Distinct users and cases over the entries' units of the run's form. */
function distinctOf(entries: { run: TableRunRead; variant: string }[]): { users: number; cases: number } {
  if (!entries.length) return { users: 0, cases: 0 };
  const t = entries[0]!.run.pair.tables;
  const users = new Uint8Array(t.userIds.size);
  const cases = new Uint8Array(t.caseIds.size);
  let u = 0;
  let c = 0;
  for (const e of entries) {
    const v = e.run.pair.variants.get(e.variant);
    if (!v) continue;
    for (let i = 0; i < v.length; i++) {
      if (v.ownForm[i] !== 1) continue;
      if (!users[v.userIndex[i]!]) {
        users[v.userIndex[i]!] = 1;
        u++;
      }
      if (!cases[v.caseIndex[i]!]) {
        cases[v.caseIndex[i]!] = 1;
        c++;
      }
    }
  }
  return { users: u, cases: c };
}

/** Titles from what tells the columns apart: form, data set, probe, K; the run's name when nothing does. */
function titleColumns(columns: TableColumn[], runs: TableRunRead[]): void {
  const differs = <T>(f: (c: TableColumn) => T) => new Set(columns.map(f)).size > 1;
  const parts = {
    form: differs((c) => c.form) || columns.length === 1,
    dataset: differs((c) => c.dataset),
    probe: differs((c) => c.probe),
    k: new Set(columns.flatMap((c) => (c.candidates !== undefined ? [c.candidates] : []))).size > 1,
  };
  for (const c of columns) {
    const bits: string[] = [];
    if (parts.dataset) bits.push(c.dataset);
    if (parts.form) bits.push(c.form);
    if (parts.k && c.candidates !== undefined) bits.push(`K=${c.candidates}`);
    if (parts.probe) bits.push(c.probe ? 'probe' : 'titled');
    c.title = bits.join(' ');
  }
  const counts = new Map<string, number>();
  for (const c of columns) counts.set(c.title, (counts.get(c.title) ?? 0) + 1);
  for (const c of columns) {
    if ((counts.get(c.title) ?? 0) > 1 || !c.title) {
      const name = runs.find((r) => r.manifest.id === c.runs[c.runs.length - 1])!.manifest.name;
      c.title = c.title ? `${c.title} (${name})` : name;
    }
  }
  const again = new Map<string, number>();
  for (const c of columns) {
    const n = (again.get(c.title) ?? 0) + 1;
    again.set(c.title, n);
    if (n > 1) c.title = `${c.title} #${n}`;
  }
}

function footnotes(
  columns: TableColumn[],
  reference: string | undefined,
  alpha: number,
  bootstrap: { resamples: number; seed: number },
  metricName: string | undefined,
): string[] {
  const out: string[] = [];
  out.push(
    `Cells: ${metricName ? 'the asked metric' : "each column's headline metric"} with its 95% interval ` +
      `(percentile bootstrap over users, ${bootstrap.resamples} resamples, seed ${bootstrap.seed}); ` +
      'invalid and error answers count as wrong. Bold: best in the column.',
  );
  for (const c of columns) {
    const bits = [
      `${c.title}: ${c.dataset}, ${c.form}${c.metric ? ` (${c.metric.label}, ${c.metric.higherIsBetter === null ? 'no better direction' : c.metric.higherIsBetter ? 'higher is better' : 'lower is better'})` : ' (no such metric for this form)'}`,
      `${c.cases} cases of ${c.users} users`,
      `split ${c.split}`,
    ];
    if (c.candidates !== undefined)
      bits.push(`K = ${c.candidates} candidates (1 true + ${c.candidates - 1} ${c.negatives} negatives)`);
    if (hasForm(c.form) && getForm(c.form).usesCutoff) bits.push(`cut-off k = ${c.k}`);
    if (c.probe) bits.push('knowledge probe (titles replaced by opaque ids)');
    if (c.partial) bits.push('partial run (figures cover the finished answers)');
    out.push(bits.join('; ') + '.');
  }
  // The protocol's caveats (runProtocol, the same words as every report), once each.
  for (const note of new Set(columns.flatMap((c) => c.caveats))) out.push(note);
  if (reference !== undefined) {
    out.push(
      `Markers: ▲ better, ▼ worse than ${reference} (paired cluster bootstrap over users on the cases both answered, ` +
        `p < ${alpha} and the interval of the difference excluding 0); McNemar's exact p is given beside it in the ` +
        'CSV for binary and choice.',
    );
  }
  return out;
}

// ── rendering ──────────────────────────────────────────────────────────────────────────────────────────────

const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const mark = (c: TableCell): string =>
  c.vsReference?.verdict === 'better' ? '▲' : c.vsReference?.verdict === 'worse' ? '▼' : '';

function headerTitle(t: PaperTable, c: TableColumn): string {
  const same = new Set(t.columns.map((x) => x.metric?.label)).size === 1;
  return same || !c.metric ? c.title : `${c.title} (${c.metric.label})`;
}

function caption(t: PaperTable): string {
  const labels = [...new Set(t.columns.map((c) => c.metric?.label).filter(Boolean))];
  return labels.length === 1
    ? `${labels[0]} by model${t.columns.length > 1 ? ' and column' : ''}, with 95% intervals.`
    : 'Headline metric of each column by model, with 95% intervals.';
}

/** Markdown: one table, best in bold, markers after the value, footnotes below. */
export function renderTableMarkdown(t: PaperTable): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| Model | ${t.columns.map((c) => esc(headerTitle(t, c))).join(' | ')} |`,
    `|---|${t.columns.map(() => '---:').join('|')}|`,
  ];
  for (const r of t.rows) {
    const cells = r.cells.map((c) => {
      if (!c) return '–';
      const v = num(c.value.value);
      const shown = c.best ? `**${v}**` : v;
      const ci = Number.isFinite(c.value.lo) ? ` [${num(c.value.lo)}, ${num(c.value.hi)}]` : '';
      return `${shown}${mark(c)}${ci}`;
    });
    const name = r.key === t.reference ? `${esc(r.key)} (reference)` : esc(r.key);
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return `${caption(t)}\n\n${lines.join('\n')}\n\n${t.footnotes.map((f) => `- ${f}`).join('\n')}\n`;
}

/** CSV: one row per model, per column its value, interval, best flag and test against the reference. */
export function renderTableCsv(t: PaperTable): string {
  const cols = ['model', 'kind'];
  for (const c of t.columns) {
    const p = headerTitle(t, c);
    cols.push(p, `${p} lo`, `${p} hi`, `${p} best`);
    if (t.reference !== undefined) cols.push(`${p} diff`, `${p} p`, `${p} mcnemar p`, `${p} vs reference`);
  }
  const rows: ExportRow[] = t.rows.map((r) => {
    const row: ExportRow = { model: r.key, kind: r.key === t.reference ? `${r.kind} (reference)` : r.kind };
    t.columns.forEach((c, i) => {
      const p = headerTitle(t, c);
      const cell = r.cells[i];
      const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
      row[p] = fin(cell?.value.value);
      row[`${p} lo`] = fin(cell?.value.lo);
      row[`${p} hi`] = fin(cell?.value.hi);
      row[`${p} best`] = cell ? cell.best : null;
      if (t.reference !== undefined) {
        row[`${p} diff`] = fin(cell?.vsReference?.diff.value);
        row[`${p} p`] = fin(cell?.vsReference?.p);
        row[`${p} mcnemar p`] = fin(cell?.vsReference?.mcnemarP);
        row[`${p} vs reference`] = cell?.vsReference?.verdict ?? null;
      }
    });
    return row;
  });
  return toCsv(cols, rows);
}

const LATEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
  '×': '$\\times$',
  '–': '--',
  '—': '---',
  '−': '-',
  '≈': '$\\approx$',
  '½': '$\\frac{1}{2}$',
  '▲': '$^{\\uparrow}$',
  '▼': '$^{\\downarrow}$',
  '“': '``',
  '”': "''",
  '’': "'",
};

/** Escapes text for LaTeX (pdflatex, T1): every special character, and the few non-ASCII ones the tables use. */
export function latexEscape(s: string): string {
  return s.replace(/[\\&%$#_{}~^<>|×–—−≈½▲▼“”’]/g, (ch) => LATEX_SPECIAL[ch]);
}

/** LaTeX: a booktabs table (needs \usepackage{booktabs}), footnotes below it. */
export function renderTableLatex(t: PaperTable): string {
  const out: string[] = [];
  out.push('% Needs \\usepackage{booktabs} in the preamble.');
  out.push('\\begin{table}[t]');
  out.push('\\centering');
  out.push('\\small');
  out.push(`\\begin{tabular}{l${'r'.repeat(t.columns.length)}}`);
  out.push('\\toprule');
  out.push(`Model & ${t.columns.map((c) => latexEscape(headerTitle(t, c))).join(' & ')} \\\\`);
  out.push('\\midrule');
  let shownBaselines = false;
  for (const r of t.rows) {
    if (r.kind === 'baseline' && !shownBaselines) {
      if (t.rows.some((x) => x.kind === 'llm')) out.push('\\midrule');
      shownBaselines = true;
    }
    const cells = r.cells.map((c) => {
      if (!c) return '--';
      const v = num(c.value.value);
      const shown = c.best ? `\\textbf{${v}}` : v;
      const m = mark(c) ? latexEscape(mark(c)) : '';
      const ci = Number.isFinite(c.value.lo)
        ? ` {\\scriptsize [${num(c.value.lo)}, ${num(c.value.hi)}]}`
        : '';
      return `${shown}${m}${ci}`;
    });
    const name = latexEscape(r.key) + (r.key === t.reference ? ' (ref.)' : '');
    out.push(`${name} & ${cells.join(' & ')} \\\\`);
  }
  out.push('\\bottomrule');
  out.push('\\end{tabular}');
  out.push(`\\caption{${latexEscape(caption(t))}}`);
  out.push('\\par\\smallskip');
  out.push('{\\footnotesize');
  for (const f of t.footnotes) out.push(`${latexEscape(f)}\\par`);
  out.push('}');
  out.push('\\end{table}');
  return out.join('\n') + '\n';
}
