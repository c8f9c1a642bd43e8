// Memorisation beside behaviour: each model's recall rate from a recall run over the same data set (the host
// finds it with the engine's memorisationBeside), with the report's plain-language note, set as text. And the
// paper table's export buttons (the host renders `ubp table`'s table and saves it).
import type { MemorisationView, PaperTableFormat, ResultsView } from '../../protocol/resultsPanel';
import { h } from '../lib/dom';
import { button } from './controls';
import { DASH, interval, pct } from './format';

/** "62% [55%, 70%]": the exact-title recall rate with its interval. */
function rate(e: MemorisationView['exact']): string {
  if (e.value === null) return DASH;
  return e.lo === null || e.hi === null
    ? pct(e.value, 0)
    : `${pct(e.value, 0)} [${pct(e.lo, 0)}, ${pct(e.hi, 0)}]`;
}

/** The memorisation block, or null when no recall run sits beside this run. */
export function memorisationBlock(view: ResultsView): HTMLElement | null {
  const rows = view.memorisation ?? [];
  if (!rows.length) return null;
  return h(
    'section',
    { class: 'memorisation', id: 'memorisation', 'aria-label': 'Memorisation of the data set' },
    h('h3', {}, 'Memorisation of the data set (recall runs beside this one)'),
    h(
      'table',
      { class: 'data' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Model', 'Titles recalled', 'Partial match', 'Items', 'Recall run'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((m) =>
          h(
            'tr',
            { 'data-model': m.model },
            h('th', { scope: 'row' }, m.model),
            h('td', { title: interval(m.exact) }, rate(m.exact)),
            h('td', { title: interval(m.partial) }, m.partial ? rate(m.partial) : DASH),
            h('td', {}, String(m.items)),
            h('td', {}, m.run),
          ),
        ),
      ),
    ),
    h('ul', { class: 'notes' }, ...rows.map((m) => h('li', {}, m.note))),
  );
}

/** The report's notes without the memorisation sentences (the block above shows them beside the rates). */
export function otherNotes(view: ResultsView): string[] {
  const mine = new Set((view.memorisation ?? []).map((m) => m.note));
  return view.notes.filter((n) => !mine.has(n));
}

const FORMATS: { format: PaperTableFormat; label: string; icon: string }[] = [
  { format: 'md', label: 'Markdown', icon: 'markdown' },
  { format: 'latex', label: 'LaTeX', icon: 'file-code' },
  { format: 'csv', label: 'CSV', icon: 'table' },
];

/** "Export Table…" in Markdown, LaTeX or CSV: the same table as `ubp table`. */
export function paperTableBar(onExport: (format: PaperTableFormat) => void): HTMLElement {
  return h(
    'div',
    { class: 'toolbar paper-table', role: 'toolbar', 'aria-label': 'Export the paper table' },
    h(
      'span',
      { title: 'The same table as `ubp table` (models by runs, 95% intervals, best marked)' },
      'Export Table…',
    ),
    ...FORMATS.map((f) => button(`paper-table-${f.format}`, f.label, f.icon, () => onExport(f.format))),
  );
}
