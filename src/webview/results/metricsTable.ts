// The metrics table: one row per variant (LLMs, then baselines set apart), one column per metric showing the
// estimate ± half its interval, the best value per column marked, and ▲/▼ markers for differences that are
// significant against the reference variant the user picks. Invalid and error shares close each row.
import type { DeltaView, ReferenceComparison, ResultsView, VariantView } from '../../protocol/resultsPanel';
import { h, replace } from '../lib/dom';
import { button, checkbox, icon, select } from './controls';
import { interval, pct, plusMinus, pValue } from './format';

export interface MetricsTableOptions {
  onReference: (reference: string) => void;
  onExport: (format: 'csv' | 'json', columns: string[], rows: (string | number | null)[][]) => void;
}

export class MetricsTable {
  readonly element: HTMLElement = h('section', { class: 'metrics', 'aria-label': 'Metrics' });
  private view?: ResultsView;
  private reference = '';
  private comparison?: ReferenceComparison;
  private validOnly = false;

  constructor(private readonly opts: MetricsTableOptions) {}

  get referenceVariant(): string {
    return this.reference;
  }

  render(view: ResultsView, reference?: string): void {
    this.view = view;
    if (reference !== undefined) this.reference = reference;
    if (!view.variants.some((v) => v.id === this.reference)) this.reference = defaultReference(view);
    this.draw();
  }

  setComparison(c: ReferenceComparison): void {
    if (c.reference !== this.reference) return;
    this.comparison = c;
    this.draw();
  }

  private draw(): void {
    const view = this.view;
    if (!view) return;
    const toolbar = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Metrics options' },
      select(
        'reference',
        'Compare against',
        view.variants.map((v) => ({ value: v.id, label: v.id })),
        this.reference,
        (v) => {
          this.reference = v;
          this.comparison = undefined;
          this.draw();
          this.opts.onReference(v);
        },
      ),
      checkbox('valid-only', 'Valid answers only', this.validOnly, (v) => {
        this.validOnly = v;
        this.draw();
      }),
      h(
        'span',
        { class: 'toolbar-end' },
        button('metrics-export-csv', 'CSV', 'export', () => this.export('csv')),
        button('metrics-export-json', 'JSON', 'json', () => this.export('json')),
      ),
    );
    const llms = view.variants.filter((v) => v.kind === 'llm');
    const baselines = view.variants.filter((v) => v.kind === 'baseline');
    const best = bestPerMetric(view, this.validOnly);
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'Variant'),
      ...view.metrics.map((m) =>
        h(
          'th',
          {
            scope: 'col',
            class: 'num',
            title: `${m.description ?? m.label} (${m.higherIsBetter === null ? 'no better direction' : m.higherIsBetter ? 'higher is better' : 'lower is better'})`,
          },
          m.label,
          m.key === view.headline
            ? h('span', { class: 'headline-mark', title: 'headline metric' }, ' ★')
            : null,
        ),
      ),
      h('th', { scope: 'col', class: 'num', title: 'Share of answers that could not be parsed' }, 'Invalid'),
      h('th', { scope: 'col', class: 'num', title: 'Share of requests that failed' }, 'Errors'),
      h('th', { scope: 'col', class: 'num' }, 'Cases'),
    );
    const group = (label: string) =>
      h(
        'tr',
        { class: 'group' },
        // The label (not the row-wide cell) stays in view while a narrow panel scrolls the table sideways.
        h(
          'th',
          { colspan: view.metrics.length + 4, scope: 'colgroup' },
          h('span', { class: 'group-label' }, label),
        ),
      );
    const rows = [
      ...(llms.length && baselines.length ? [group('Models')] : []),
      ...llms.map((v) => this.row(v, best)),
      ...(baselines.length ? [group('Baselines')] : []),
      ...baselines.map((v) => this.row(v, best)),
    ];
    const table = h(
      'table',
      {
        class: 'metrics-table',
        id: 'metrics-table',
        'aria-label': `Metrics per variant, ${this.validOnly ? 'valid answers only' : 'invalid answers scored as wrong'}`,
      },
      h('thead', {}, head),
      h('tbody', {}, ...rows),
    );
    const legend = h(
      'p',
      { class: 'legend' },
      icon('star-full'),
      ' best in column   ',
      icon('arrow-up'),
      icon('arrow-down'),
      ` significantly better / worse than ${this.reference || 'the reference'} (paired bootstrap${this.comparison ? `, ${this.comparison.resamples} resamples` : ''}, p < 0.05)`,
      this.comparison ? null : h('span', { class: 'muted' }, ' · computing comparisons…'),
    );
    replace(
      this.element,
      toolbar,
      h('div', { class: 'table-wrap' }, table),
      legend,
      templateGrid(view, this.validOnly),
    );
  }

  private row(v: VariantView, best: Map<string, Set<string>>): HTMLElement {
    const view = this.view!;
    const isRef = v.id === this.reference;
    const cells = view.metrics.map((m) => {
      const e = this.validOnly ? v.metrics[m.key]?.valid : v.metrics[m.key]?.all;
      const isBest = best.get(m.key)?.has(v.id) ?? false;
      const d = isRef ? undefined : this.delta(v.id, m.key);
      const marker =
        d && d.significant
          ? icon(
              d.better ? 'arrow-up' : 'arrow-down',
              `${d.better ? 'better' : 'worse'} than ${this.reference}: Δ ${plusMinus(d.delta)}, p ${pValue(d.p)}`,
            )
          : null;
      const td = h(
        'td',
        {
          class: `num${isBest ? ' best' : ''}${marker ? (d!.better ? ' up' : ' down') : ''}`,
          'data-variant': v.id,
          'data-metric': m.key,
          'data-value': e?.value ?? '',
          title: [interval(e), d ? `vs ${this.reference}: Δ ${plusMinus(d.delta)}, p ${pValue(d.p)}` : '']
            .filter(Boolean)
            .join('\n'),
        },
        plusMinus(e),
        isBest ? icon('star-full', 'best') : null,
        marker,
      );
      return td;
    });
    return h(
      'tr',
      { class: `${v.kind}${isRef ? ' reference' : ''}`, 'data-variant': v.id },
      h(
        'th',
        { scope: 'row', class: 'variant' },
        v.id,
        isRef ? h('span', { class: 'ref-tag' }, ' (reference)') : null,
      ),
      ...cells,
      h(
        'td',
        {
          class: 'num',
          'data-variant': v.id,
          'data-metric': 'invalidShare',
          'data-value': v.invalidShare.value ?? '',
          title: interval(v.invalidShare),
        },
        pct(v.invalidShare.value),
      ),
      h(
        'td',
        {
          class: 'num',
          'data-variant': v.id,
          'data-metric': 'errorShare',
          'data-value': v.errorShare.value ?? '',
          title: interval(v.errorShare),
        },
        pct(v.errorShare.value),
      ),
      h('td', { class: 'num' }, v.counts.cases.toLocaleString('en-US')),
    );
  }

  private delta(variant: string, metric: string): DeltaView | undefined {
    return this.comparison?.deltas.find((d) => d.variant === variant && d.metric === metric);
  }

  private export(format: 'csv' | 'json'): void {
    const view = this.view;
    if (!view) return;
    const columns = [
      'variant',
      'kind',
      'model',
      'template',
      'metric',
      'scope',
      'value',
      'lo',
      'hi',
      'n',
      'deltaVsReference',
      'p',
    ];
    const rows: (string | number | null)[][] = [];
    for (const v of view.variants) {
      for (const m of view.metrics) {
        for (const scope of ['all', 'valid'] as const) {
          const e = v.metrics[m.key]?.[scope];
          const d = scope === 'all' ? this.delta(v.id, m.key) : undefined;
          rows.push([
            v.id,
            v.kind,
            v.model,
            v.template,
            m.key,
            scope,
            e?.value ?? null,
            e?.lo ?? null,
            e?.hi ?? null,
            e?.n ?? null,
            d?.delta.value ?? null,
            d?.p ?? null,
          ]);
        }
      }
      for (const [key, e] of [
        ['invalidShare', v.invalidShare],
        ['errorShare', v.errorShare],
      ] as const) {
        rows.push([v.id, v.kind, v.model, v.template, key, 'all', e.value, e.lo, e.hi, e.n, null, null]);
      }
    }
    this.opts.onExport(format, columns, rows);
  }
}

/** Default reference: the first LLM variant, else the first variant. */
function defaultReference(view: ResultsView): string {
  return (view.variants.find((v) => v.kind === 'llm') ?? view.variants[0])?.id ?? '';
}

/** Variants holding the best value of each metric (ties all marked). */
function bestPerMetric(view: ResultsView, validOnly: boolean): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (view.variants.length < 2) return out;
  for (const m of view.metrics) {
    // No better direction (bias: closest to zero is best, not the extreme): leave unmarked.
    if (m.higherIsBetter === null || m.key === 'bias') continue;
    let bestValue: number | null = null;
    let ids = new Set<string>();
    for (const v of view.variants) {
      const x = (validOnly ? v.metrics[m.key]?.valid : v.metrics[m.key]?.all)?.value;
      if (typeof x !== 'number') continue;
      const better = bestValue === null || (m.higherIsBetter ? x > bestValue + 1e-12 : x < bestValue - 1e-12);
      if (better) {
        bestValue = x;
        ids = new Set([v.id]);
      } else if (Math.abs(x - bestValue!) <= 1e-12) ids.add(v.id);
    }
    out.set(m.key, ids);
  }
  return out;
}

/** Headline metric as a templates × models grid, when a config has several templates. */
function templateGrid(view: ResultsView, validOnly: boolean): HTMLElement | null {
  const llms = view.variants.filter((v) => v.kind === 'llm' && v.template !== null);
  const templates = [...new Set(llms.map((v) => v.template!))];
  if (templates.length < 2) return null;
  const models = [...new Set(llms.map((v) => v.model))];
  const label = view.metrics.find((m) => m.key === view.headline)?.label ?? view.headline;
  return h(
    'section',
    { class: 'grid-section', 'aria-label': 'Templates by models' },
    h('h3', {}, `${label}: templates × models`),
    h(
      'table',
      { class: 'metrics-table', id: 'template-grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Template'),
          ...models.map((m) => h('th', { scope: 'col', class: 'num' }, m)),
        ),
      ),
      h(
        'tbody',
        {},
        ...templates.map((t) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, t),
            ...models.map((m) => {
              const v = llms.find((x) => x.template === t && x.model === m);
              const e = v
                ? validOnly
                  ? v.metrics[view.headline]?.valid
                  : v.metrics[view.headline]?.all
                : undefined;
              return h('td', { class: 'num', title: interval(e) }, plusMinus(e));
            }),
          ),
        ),
      ),
    ),
  );
}
