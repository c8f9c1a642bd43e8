// The results panel's charts, drawn with Chart.js and coloured from VS Code's theme variables (read at runtime,
// re-read when the theme changes). Intervals are drawn as whiskers by a small plugin after the datasets.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type Plugin,
} from 'chart.js';
import type { BucketView, EstimateView, Num, ResultsView, VariantView } from '../../protocol/resultsPanel';
import { h, replace } from '../lib/dom';
import { button, select } from './controls';
import { fmt, int, plusMinus, pValue } from './format';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

const PALETTE = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-charts-red',
];

export interface Theme {
  palette: string[];
  baseline: string;
  foreground: string;
  grid: string;
  background: string;
  font: string;
}

/** The current theme's colours, from the CSS variables VS Code sets on the webview's body. */
export function readTheme(): Theme {
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-foreground', '#888');
  return {
    palette: PALETTE.map((p, i) =>
      v(p, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#cca700', '#f14c4c'][i]),
    ),
    baseline: v('--vscode-charts-lines', v('--vscode-descriptionForeground', '#888')),
    foreground,
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    background: v('--vscode-editor-background', '#1e1e1e'),
    font: v('--vscode-font-family', 'sans-serif'),
  };
}

/** `#rrggbb` with an alpha; other colour forms are returned as they are. */
export function withAlpha(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour.trim());
  if (!m) return colour;
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((x) => parseInt(x, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Per data point interval bounds, carried on the dataset. */
type Whiskers = { lo: Num; hi: Num }[];
type WithWhiskers = { whiskers?: Whiskers };

/** Draws each point's interval as a vertical whisker with caps, after the datasets. */
const whiskerPlugin: Plugin = {
  id: 'ubpWhiskers',
  afterDatasetsDraw(chart) {
    const y = chart.scales.y;
    if (!y) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.lineWidth = 1.5;
    chart.data.datasets.forEach((ds, di) => {
      const whiskers = (ds as WithWhiskers).whiskers;
      const meta = chart.getDatasetMeta(di);
      if (!whiskers || meta.hidden) return;
      ctx.strokeStyle =
        (chart.options.plugins as { ubpWhiskers?: { color?: string } }).ubpWhiskers?.color ?? '#888';
      meta.data.forEach((el, i) => {
        const w = whiskers[i];
        if (!w || w.lo === null || w.hi === null) return;
        const x = el.x;
        const top = y.getPixelForValue(w.hi);
        const bottom = y.getPixelForValue(w.lo);
        const cap = Math.min(6, ((el as unknown as { width?: number }).width ?? 12) / 3);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.moveTo(x - cap, top);
        ctx.lineTo(x + cap, top);
        ctx.moveTo(x - cap, bottom);
        ctx.lineTo(x + cap, bottom);
        ctx.stroke();
      });
    });
    ctx.restore();
  },
};

interface Card {
  name: string;
  chart?: Chart;
  build?: () => ChartConfiguration;
  /** Creates the chart if its canvas is in the document and it has none yet. */
  draw?: () => void;
}

export interface ChartsOptions {
  onExport: (name: string, dataUrl: string) => void;
}

export class Charts {
  readonly element: HTMLElement = h('div', { class: 'charts', id: 'charts' });
  private cards: Card[] = [];
  private theme = readTheme();
  private view?: ResultsView;
  private metric = '';
  private confusionVariant = '';

  constructor(private readonly opts: ChartsOptions) {}

  /** Re-reads the theme's colours and redraws every chart. */
  retheme(): void {
    this.theme = readTheme();
    for (const card of this.cards) {
      if (!card.chart || !card.build) continue;
      const cfg = card.build();
      card.chart.data = cfg.data;
      card.chart.options = cfg.options ?? {};
      card.chart.update('none');
    }
    if (this.view) this.renderConfusion();
  }

  render(view: ResultsView): void {
    this.view = view;
    if (!this.metric || !view.metrics.some((m) => m.key === this.metric)) this.metric = view.headline;
    // A live run re-renders every second or so: the "Data" tables the user opened stay open.
    const open = new Set(
      [...this.element.querySelectorAll<HTMLDetailsElement>('.chart-card > details[open]')].map(
        (d) => d.parentElement!.id,
      ),
    );
    for (const c of this.cards) c.chart?.destroy();
    this.cards = [];
    const sections: HTMLElement[] = [];
    sections.push(this.variantBars(view));
    if (view.charts.history.length)
      sections.push(
        this.bucketChart(
          'history',
          'Metric by history length',
          'History length (interactions)',
          view.charts.history,
          'line',
        ),
      );
    if (view.charts.popularity.length)
      sections.push(
        this.bucketChart(
          'popularity',
          'Metric by item popularity',
          'Popularity of the target item',
          view.charts.popularity,
          'bar',
        ),
      );
    if (view.charts.confusion) sections.push(this.confusionSection());
    if (view.charts.position) sections.push(this.positionChart(view));
    if (view.charts.probe) sections.push(this.probeChart(view));
    for (const section of sections) {
      const details = section.querySelector<HTMLDetailsElement>(':scope > details');
      if (details && open.has(section.id)) details.open = true;
    }
    replace(this.element, ...sections);
    // Drawn at once when the panel is in the document (no blank frame between the old charts and the new).
    for (const card of this.cards) card.draw?.();
    this.renderConfusion();
  }

  destroy(): void {
    for (const c of this.cards) c.chart?.destroy();
    this.cards = [];
  }

  private metricLabel(key: string): string {
    return this.view?.metrics.find((m) => m.key === key)?.label ?? key;
  }

  /**
   * One colour per variant, distinct across every chart: models take the theme's chart colours from the start,
   * baselines from the end, lighter (and dashed in line charts), so two baselines never share a grey.
   */
  private colour(variant: VariantView | undefined): string {
    const all = this.view?.variants ?? [];
    const p = this.theme.palette;
    if (variant?.kind === 'baseline') {
      const i = all.filter((v) => v.kind === 'baseline').findIndex((v) => v.id === variant.id);
      return withAlpha(p[(p.length - 1 - (Math.max(0, i) % p.length)) % p.length]!, 0.6);
    }
    const i = all.filter((v) => v.kind === 'llm').findIndex((v) => v.id === variant?.id);
    return p[Math.max(0, i) % p.length]!;
  }

  private baseOptions(yTitle: string, xTitle?: string, fromZero = true): ChartConfiguration['options'] {
    const t = this.theme;
    const axis = (title?: string) => ({
      ticks: { color: t.foreground, font: { family: t.font } },
      grid: { color: t.grid },
      border: { color: t.grid },
      title: title
        ? { display: true, text: title, color: t.foreground, font: { family: t.font } }
        : undefined,
    });
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: axis(xTitle), y: { ...axis(yTitle), beginAtZero: fromZero } },
      plugins: {
        legend: { labels: { color: t.foreground, font: { family: t.font } } },
        tooltip: { enabled: true },
        ...({ ubpWhiskers: { color: t.foreground } } as object),
      },
    };
  }

  /** A titled card with its canvas, an export button and an accessible summary table for screen readers. */
  private card(
    name: string,
    title: string,
    build: () => ChartConfiguration,
    summary: HTMLElement,
    extra?: HTMLElement,
  ): HTMLElement {
    const canvas = h('canvas', { role: 'img', 'aria-label': title });
    const card: Card = { name, build };
    this.cards.push(card);
    const exportButton = button(`export-chart-${name}`, 'PNG', 'device-camera', () => this.exportChart(card));
    exportButton.setAttribute('aria-label', `Export the chart "${title}" as PNG`);
    const el = h(
      'section',
      { class: 'chart-card', id: `chart-${name}`, 'aria-label': title },
      h(
        'div',
        { class: 'chart-head' },
        h('h3', {}, title),
        extra ?? null,
        h('span', { class: 'toolbar-end' }, exportButton),
      ),
      h('div', { class: 'chart-box' }, canvas),
      h('details', { class: 'chart-data' }, h('summary', {}, 'Data'), summary),
    );
    // Create the chart once the canvas is in the document (Chart.js measures its parent): right after render()
    // puts it there, else on the next frame.
    card.draw = () => {
      if (!canvas.isConnected || card.chart) return;
      card.chart = new Chart(canvas, { ...build(), plugins: [whiskerPlugin] });
    };
    requestAnimationFrame(() => card.draw?.());
    return el;
  }

  private exportChart(card: Card): void {
    if (!card.chart) return;
    const src = card.chart.canvas;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    this.opts.onExport(card.name, out.toDataURL('image/png'));
  }

  private variantBars(view: ResultsView): HTMLElement {
    const variants = view.variants;
    const build = (): ChartConfiguration => {
      const est = variants.map((v) => v.metrics[this.metric]?.all);
      const colours = variants.map((v) => this.colour(v));
      return {
        type: 'bar',
        data: {
          labels: variants.map((v) => v.id),
          datasets: [
            {
              label: this.metricLabel(this.metric),
              data: est.map((e) => e?.value ?? null),
              backgroundColor: colours,
              borderColor: colours,
              whiskers: est.map((e) => ({ lo: e?.lo ?? null, hi: e?.hi ?? null })),
            } as ChartDataset<'bar'> & WithWhiskers,
          ],
        },
        options: {
          ...this.baseOptions(this.metricLabel(this.metric)),
          plugins: { ...this.baseOptions('')!.plugins, legend: { display: false } },
        },
      };
    };
    const metricSelect = select(
      'chart-metric',
      'Metric',
      view.metrics.map((m) => ({ value: m.key, label: m.label })),
      this.metric,
      (v) => {
        this.metric = v;
        const card = this.cards.find((c) => c.name === 'variants');
        if (card?.chart) {
          const cfg = build();
          card.chart.data = cfg.data;
          card.chart.options = cfg.options ?? {};
          card.chart.update('none');
        }
        replace(
          summary,
          summaryTable(
            ['Variant', 'Value', 'Low', 'High'],
            variants.map((x) => [x.id, ...triple(x.metrics[this.metric]?.all)]),
          ),
        );
      },
    );
    const summary = h('div');
    replace(
      summary,
      summaryTable(
        ['Variant', 'Value', 'Low', 'High'],
        variants.map((x) => [x.id, ...triple(x.metrics[this.metric]?.all)]),
      ),
    );
    return this.card('variants', 'Per variant, with 95% intervals', build, summary, metricSelect);
  }

  private bucketChart(
    name: string,
    title: string,
    xTitle: string,
    buckets: BucketView[],
    type: 'bar' | 'line',
  ): HTMLElement {
    const view = this.view!;
    const variantIds = view.variants.map((v) => v.id);
    const build = (): ChartConfiguration => {
      const datasets = variantIds.map((id) => {
        const variant = view.variants.find((v) => v.id === id);
        const colour = this.colour(variant);
        const est = buckets.map((b) => b.values.find((x) => x.variant === id)?.estimate);
        return {
          label: id,
          data: est.map((e) => e?.value ?? null),
          backgroundColor: colour,
          borderColor: colour,
          borderDash: variant?.kind === 'baseline' ? [4, 3] : undefined,
          spanGaps: true,
          whiskers: est.map((e) => ({ lo: e?.lo ?? null, hi: e?.hi ?? null })),
        };
      });
      return {
        type,
        data: { labels: buckets.map((b) => b.label), datasets: datasets as ChartDataset<'bar' | 'line'>[] },
        options: this.baseOptions(this.metricLabel(view.headline), xTitle, type === 'bar'),
      } as ChartConfiguration;
    };
    const rows = buckets.flatMap((b) =>
      b.values.map((x) => [b.label, x.variant, ...triple(x.estimate), int(Math.round(x.estimate.n))]),
    );
    return this.card(
      name,
      `${title} (${this.metricLabel(view.headline)})`,
      build,
      summaryTable(['Bucket', 'Variant', 'Value', 'Low', 'High', 'n'], rows),
    );
  }

  private positionChart(view: ResultsView): HTMLElement {
    const pos = view.charts.position!;
    const build = (): ChartConfiguration => {
      return {
        type: 'bar',
        data: {
          labels: pos.labels,
          datasets: pos.byVariant.map((v) => {
            const variant = view.variants.find((x) => x.id === v.variant);
            const colour = this.colour(variant);
            return {
              label: `${v.variant} (χ² p ${pValue(v.p)})`,
              data: v.accuracy,
              backgroundColor: colour,
              borderColor: colour,
            };
          }),
        },
        options: this.baseOptions('Accuracy', 'Label of the true item'),
      };
    };
    const rows = pos.byVariant.flatMap((v) =>
      pos.labels.map((l, i) => [v.variant, l, fmt(v.accuracy[i]), fmt(v.chosenShare[i])]),
    );
    return this.card(
      'position',
      'Accuracy by the true item’s label position',
      build,
      summaryTable(['Variant', 'Label', 'Accuracy', 'Chosen share'], rows),
    );
  }

  private probeChart(view: ResultsView): HTMLElement {
    const probe = view.charts.probe!;
    const build = (): ChartConfiguration => {
      const mk = (key: 'titled' | 'probe', colour: string) => ({
        label: key === 'titled' ? `Titled (${probe.titledRun})` : `Knowledge probe (${probe.probeRun})`,
        data: probe.values.map((v) => v[key]),
        backgroundColor: colour,
        borderColor: colour,
      });
      return {
        type: 'bar',
        data: {
          labels: probe.values.map((v) => v.variant),
          datasets: [mk('titled', this.theme.palette[0]), mk('probe', this.theme.palette[1])],
        },
        options: this.baseOptions(this.metricLabel(view.headline)),
      };
    };
    const rows = probe.values.map((v) => [
      v.variant,
      fmt(v.titled),
      fmt(v.probe),
      plusMinus(v.drop),
      pValue(v.p),
    ]);
    return this.card(
      'probe',
      'Knowledge probe beside the titled run (shared cases)',
      build,
      summaryTable(['Variant', 'Titled', 'Probe', 'Drop without titles', 'p'], rows),
    );
  }

  private confusionHost = h('div', { class: 'confusion', id: 'confusion' });

  private confusionSection(): HTMLElement {
    const conf = this.view!.charts.confusion!;
    if (!conf.byVariant.some((v) => v.variant === this.confusionVariant))
      this.confusionVariant = conf.byVariant[0]?.variant ?? '';
    const pick = select(
      'confusion-variant',
      'Variant',
      conf.byVariant.map((v) => ({ value: v.variant, label: v.variant })),
      this.confusionVariant,
      (v) => {
        this.confusionVariant = v;
        this.renderConfusion();
      },
    );
    return h(
      'section',
      { class: 'chart-card', id: 'chart-confusion', 'aria-label': 'Predicted against true stars' },
      h('div', { class: 'chart-head' }, h('h3', {}, 'Predicted against true stars'), pick),
      this.confusionHost,
    );
  }

  /** The confusion matrix as an HTML grid: rows are true stars, columns predicted stars, shade = row share. */
  private renderConfusion(): void {
    const conf = this.view?.charts.confusion;
    if (!conf) return;
    const entry = conf.byVariant.find((v) => v.variant === this.confusionVariant);
    if (!entry) return replace(this.confusionHost);
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col', class: 'corner' }, 'true ↓ / predicted →'),
      ...conf.stars.map((s) => h('th', { scope: 'col' }, String(s))),
    );
    const body = entry.counts.map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, String(conf.stars[i])),
        ...row.map((count, j) => {
          const share = total > 0 ? count / total : 0;
          const td = h(
            'td',
            {
              class: i === j ? 'cm diag' : 'cm',
              title: `true ${conf.stars[i]}, predicted ${conf.stars[j]}: ${count}`,
            },
            count ? int(count) : '',
          );
          td.style.setProperty('--share', `${Math.round(share * 100)}%`);
          return td;
        }),
      );
    });
    replace(
      this.confusionHost,
      h(
        'table',
        { class: 'confusion-grid', 'aria-label': `Confusion matrix of ${entry.variant}` },
        h('thead', {}, head),
        h('tbody', {}, ...body),
      ),
    );
  }
}

function triple(e: EstimateView | undefined): string[] {
  return [fmt(e?.value ?? null), fmt(e?.lo ?? null), fmt(e?.hi ?? null)];
}

function summaryTable(columns: string[], rows: (string | number)[][]): HTMLElement {
  return h(
    'table',
    { class: 'data' },
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, String(c)))))),
  );
}
