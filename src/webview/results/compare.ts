// Compare mode: run B against run A on the cases both answered, per variant and metric: A, B, the paired delta
// with its interval and p-value; "only changed" keeps the significant differences.
import type { CompareView, FailureRow } from '../../protocol/resultsPanel';
import { FailuresTable } from './failures';
import { h, replace } from '../lib/dom';
import { button, checkbox, icon } from './controls';
import { interval, plusMinus, pValue } from './format';
import { runHeader } from './header';

export interface CompareOptions {
  onExport: (format: 'csv' | 'json', columns: string[], rows: (string | number | null)[][]) => void;
  /** Opens run B's case of a changed row. */
  onOpen: (row: FailureRow) => void;
  onExportChanged: (format: 'csv' | 'json', columns: string[], rows: (string | number | null)[][]) => void;
}

export class CompareTable {
  readonly element: HTMLElement = h('section', { class: 'compare', 'aria-label': 'Comparison of two runs' });
  private view?: CompareView;
  private onlyChanged = false;

  private readonly changed: FailuresTable;

  constructor(private readonly opts: CompareOptions) {
    this.changed = new FailuresTable({
      kind: 'changes',
      onOpen: opts.onOpen,
      onExport: opts.onExportChanged,
    });
  }

  render(view: CompareView): void {
    this.view = view;
    this.draw();
    this.changed.setVariants([...new Set(view.changed.map((r) => r.variant))]);
    this.changed.setRows(view.changed, true);
  }

  private rows(): CompareView['rows'] {
    const rows = this.view?.rows ?? [];
    return this.onlyChanged ? rows.filter((r) => r.significant) : rows;
  }

  private draw(): void {
    const view = this.view!;
    const label = (key: string) => view.metrics.find((m) => m.key === key)?.label ?? key;
    const rows = this.rows();
    const table = h(
      'table',
      { class: 'metrics-table', id: 'compare-table', 'aria-label': 'Run B against run A' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            'Variant',
            'Metric',
            `A: ${view.a.runId}`,
            `B: ${view.b.runId}`,
            'Δ (B − A)',
            'p',
            'Paired n (cases)',
          ].map((c, i) => h('th', { scope: 'col', class: i >= 2 ? 'num' : '' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((r) =>
          h(
            'tr',
            {
              class: r.significant ? (r.better ? 'up' : 'down') : '',
              'data-variant': r.variant,
              'data-metric': r.metric,
            },
            h('th', { scope: 'row' }, r.variant),
            h('td', {}, label(r.metric)),
            h('td', { class: 'num', title: interval(r.a ?? undefined) }, plusMinus(r.a ?? undefined)),
            h('td', { class: 'num', title: interval(r.b ?? undefined) }, plusMinus(r.b ?? undefined)),
            h(
              'td',
              {
                class: 'num delta',
                title: interval(r.delta ?? undefined),
                'data-value': r.delta?.value ?? '',
              },
              plusMinus(r.delta ?? undefined),
              r.significant
                ? icon(r.better ? 'arrow-up' : 'arrow-down', r.better ? 'B is better' : 'B is worse')
                : null,
            ),
            h('td', { class: 'num' }, pValue(r.p)),
            h('td', { class: 'num' }, r.paired.toLocaleString('en-US')),
          ),
        ),
      ),
    );
    replace(
      this.element,
      h(
        'div',
        { class: 'compare-headers' },
        h('div', {}, h('h2', {}, 'A'), runHeader(view.a, false)),
        h('div', {}, h('h2', {}, 'B'), runHeader(view.b, false)),
      ),
      h(
        'div',
        { class: 'toolbar', role: 'toolbar', 'aria-label': 'Comparison options' },
        checkbox('only-changed', 'Only changed (p < 0.05)', this.onlyChanged, (v) => {
          this.onlyChanged = v;
          this.draw();
        }),
        h('span', { class: 'count', id: 'compare-count' }, `${rows.length} of ${view.rows.length} rows`),
        h(
          'span',
          { class: 'toolbar-end' },
          button('compare-export-csv', 'CSV', 'export', () => this.export('csv')),
          button('compare-export-json', 'JSON', 'json', () => this.export('json')),
        ),
      ),
      ...view.warnings.map((w) =>
        h('p', { class: 'warning compare-warning' }, icon('warning', 'Warning'), ' ', w),
      ),
      h('div', { class: 'table-wrap' }, table),
      h(
        'section',
        { class: 'changed', 'aria-label': 'Cases that changed' },
        h('h2', {}, 'Cases that changed from A to B'),
        this.changed.element,
      ),
    );
  }

  private export(format: 'csv' | 'json'): void {
    const columns = [
      'variant',
      'metric',
      'a',
      'aLo',
      'aHi',
      'b',
      'bLo',
      'bHi',
      'delta',
      'deltaLo',
      'deltaHi',
      'p',
      'paired',
      'significant',
    ];
    const rows = this.rows().map((r) => [
      r.variant,
      r.metric,
      r.a?.value ?? null,
      r.a?.lo ?? null,
      r.a?.hi ?? null,
      r.b?.value ?? null,
      r.b?.lo ?? null,
      r.b?.hi ?? null,
      r.delta?.value ?? null,
      r.delta?.lo ?? null,
      r.delta?.hi ?? null,
      r.p,
      r.paired,
      r.significant ? 'yes' : 'no',
    ]);
    this.opts.onExport(format, columns, rows);
  }
}
