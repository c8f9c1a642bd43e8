// Browser side of the results panel: the run header, the metrics table (with the reference comparison), charts,
// the failed predictions, and compare mode for two runs. The host computes everything; this side renders,
// filters and sorts. Every model answer and item title is set as text (src/webview/lib/dom.ts).
import { WebviewChannel } from './lib/channel';
import { h, replace } from './lib/dom';
import type {
  CompareView,
  ExportRequest,
  PaperTableFormat,
  ResultsPanelProtocol,
  ResultsPanelState,
  ResultsView,
  RunHeaderView,
} from '../protocol/resultsPanel';
import { Charts } from './results/charts';
import { CompareTable } from './results/compare';
import { FailuresTable } from './results/failures';
import { runHeader } from './results/header';
import { memorisationBlock, otherNotes, paperTableBar } from './results/memorisation';
import { MetricsTable } from './results/metricsTable';
import './results.css';

const app = document.getElementById('app')!;
const channel = new WebviewChannel<ResultsPanelProtocol>();
const saved = (channel.state ?? {}) as ResultsPanelState & { tab?: number };
let state: ResultsPanelState & { tab?: number } = { ...saved };

function saveState(patch: Partial<ResultsPanelState & { tab: number }>): void {
  state = { ...state, ...patch };
  channel.state = state;
}

function status(message: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = message;
}

function rendered(phase: ResultsPanelProtocol['toHost']['rendered']['phase'], rows?: number): void {
  // After the next frame is painted; a hidden webview gets no frames, so a timer stands in after 250 ms.
  let sent = false;
  const send = () => {
    if (sent) return;
    sent = true;
    const at = Date.now();
    app.dataset[`${phase}At`] ??= String(at); // the first time, read by the UI test
    channel.notify('rendered', { phase, at, rows });
  };
  requestAnimationFrame(() => setTimeout(send));
  setTimeout(send, 250);
}

async function exportPaperTable(format: PaperTableFormat): Promise<void> {
  try {
    const { saved } = await channel.request('exportPaperTable', { format });
    if (saved) status(`Saved ${saved}`);
  } catch (e) {
    status(`Export failed: ${(e as Error).message}`);
  }
}

async function exportTable(
  name: string,
  format: 'csv' | 'json',
  columns: string[],
  rows: ExportRequest['rows'],
): Promise<void> {
  try {
    const { saved } = await channel.request('exportTable', { suggestedName: name, format, columns, rows });
    if (saved) status(`Saved ${saved}`);
  } catch (e) {
    status(`Export failed: ${(e as Error).message}`);
  }
}

const headerSlot = h('div', { id: 'header-slot' });
const metrics = new MetricsTable({
  onReference: (reference) => {
    saveState({ reference });
    void requestComparison(reference);
  },
  onExport: (format, columns, rows) => void exportTable('metrics', format, columns, rows),
});
const charts = new Charts({
  onExport: (name, dataUrl) =>
    void channel
      .request('exportChart', { suggestedName: `chart-${name}`, dataUrl })
      .then(({ saved }) => saved && status(`Saved ${saved}`))
      .catch((e: Error) => status(`Export failed: ${e.message}`)),
});
const failures = new FailuresTable({
  onOpen: (row) =>
    void channel
      .request('openCase', { ref: row.ref })
      .catch((e: Error) => status(`Cannot open the case: ${e.message}`)),
  onExport: (format, columns, rows) => void exportTable('failures', format, columns, rows),
  onRendered: (rows) => rendered('failures', rows),
  fetchPage: (query, offset, limit, anchor) =>
    channel.request('failuresPage', { query, offset, limit, ...(anchor ? { anchor } : {}) }),
  onExportQuery: (format, query) => {
    status('Exporting the failures…');
    void channel
      .request('exportFailures', { query, format })
      .then(({ saved, rows }) =>
        status(saved ? `Saved ${rows.toLocaleString('en-US')} failures to ${saved}` : ''),
      )
      .catch((e: Error) => status(`Export failed: ${e.message}`));
  },
  onError: (message) => status(`Cannot load the failures: ${message}`),
});
const compare = new CompareTable({
  onExport: (format, columns, rows) => void exportTable('comparison', format, columns, rows),
  onExportChanged: (format, columns, rows) => void exportTable('changed-cases', format, columns, rows),
  onOpen: (row) =>
    void channel
      .request('openCase', { ref: row.ref })
      .catch((e: Error) => status(`Cannot open the case: ${e.message}`)),
});

let current: ResultsView | undefined;
/** The header from the manifest, shown until the first view (a big run's failures can come before it). */
let earlyHeader: RunHeaderView | undefined;
let chartsDrawn = false;
let tabs: HTMLElement | undefined;
const TAB_CHARTS = 1;
const TAB_FAILURES = 2;

async function requestComparison(reference: string): Promise<void> {
  if (!reference) return;
  try {
    metrics.setComparison(await channel.request('compareWith', { reference }));
  } catch (e) {
    status(`Comparison failed: ${(e as Error).message}`);
  }
}

/** The Failures tab's badge: every failure of the run (a big run: not only the rows that arrived). */
function tabCount(n: number): void {
  const count = document.getElementById('failures-tab-count');
  if (count) count.textContent = ` ${n.toLocaleString('en-US')}`;
}

function failuresBadge(): HTMLElement {
  return h('span', { class: 'tab-count', id: 'failures-tab-count' });
}

function layout(): void {
  const tabEl = document.createElement('vscode-tabs');
  tabEl.id = 'tabs';
  tabEl.setAttribute('selected-index', String(state.tab ?? 0));
  // vscode-tabs assigns its own ids to headers and panels (for aria-controls): ours go in data-tab.
  const header = (label: string, id: string, ...extra: HTMLElement[]) => {
    const el = document.createElement('vscode-tab-header');
    el.setAttribute('slot', 'header');
    el.dataset.tab = id;
    el.append(label, ...extra);
    return el;
  };
  const panel = (id: string, child: HTMLElement) => {
    const el = document.createElement('vscode-tab-panel');
    el.dataset.tab = id;
    el.appendChild(child);
    return el;
  };
  tabEl.append(
    header('Metrics', 'tab-metrics'),
    header('Charts', 'tab-charts'),
    header('Failures', 'tab-failures', failuresBadge()),
    panel('panel-metrics', metrics.element),
    panel('panel-charts', charts.element),
    panel('panel-failures', failures.element),
  );
  tabEl.addEventListener('vsc-tabs-select', (e) => {
    const index = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    saveState({ tab: index });
    if (index === TAB_CHARTS) drawCharts();
  });
  tabs = tabEl;
  replace(
    app,
    headerSlot,
    tabEl,
    h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
}

function drawCharts(): void {
  if (!current || chartsDrawn) return;
  chartsDrawn = true;
  charts.render(current);
  rendered('charts');
}

/**
 * "Computing the 95% intervals…" while a view has only point estimates. A live run's line keeps its place (hidden)
 * when the intervals are in: its updates alternate between the two, and the panel below must not jump.
 */
function pendingLine(view: ResultsView): HTMLElement | null {
  if (view.intervals && !view.live) return null;
  const line = h(
    'p',
    { class: 'pending', role: 'status' },
    document.createElement('vscode-progress-ring'),
    'Point estimates; computing the 95% intervals…',
  );
  if (view.intervals) {
    line.style.visibility = 'hidden';
    line.setAttribute('aria-hidden', 'true');
  } else line.id = 'intervals-pending';
  return line;
}

function notesList(notes: string[]): HTMLElement | null {
  return notes.length
    ? h('ul', { class: 'notes', 'aria-label': 'Notes' }, ...notes.map((n) => h('li', {}, n)))
    : null;
}

function show(view: ResultsView): void {
  const first = !current;
  current = view;
  if (first) app.dataset.openedAt = String(view.openedAt);
  if (view.intervals && !app.dataset.intervals) {
    app.dataset.intervals = 'true';
    app.dataset.intervalsAt = String(Date.now());
  }
  saveState({ runDir: view.header.dir, compare: undefined });
  if (!tabs) layout();
  replace(
    headerSlot,
    runHeader(view.header, view.live),
    notesList(otherNotes(view)),
    memorisationBlock(view),
    paperTableBar((format) => void exportPaperTable(format)),
    pendingLine(view),
  );
  rendered('header');
  metrics.render(view, state.reference);
  failures.setVariants(view.variants.map((v) => v.id));
  app.setAttribute('aria-busy', 'false');
  rendered('metrics');
  void requestComparison(metrics.referenceVariant);
  chartsDrawn = false;
  if ((state.tab ?? 0) === TAB_CHARTS) drawCharts();
}

function showCompare(view: CompareView): void {
  saveState({ compare: [view.a.dir, view.b.dir], runDir: undefined });
  compare.render(view);
  replace(
    app,
    compare.element,
    paperTableBar((format) => void exportPaperTable(format)),
    h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  app.setAttribute('aria-busy', 'false');
  rendered('compare', view.rows.length);
}

channel
  .on('loading', ({ title }) => {
    if (current) return;
    replace(
      app,
      h(
        'div',
        { class: 'loading' },
        document.createElement('vscode-progress-ring'),
        h('span', {}, `Loading ${title}…`),
      ),
    );
  })
  .on('header', ({ header, openedAt }) => {
    if (current) return;
    earlyHeader = header;
    app.dataset.openedAt = String(openedAt);
    replace(
      app,
      h('div', { id: 'header-slot' }, runHeader(header, header.status === 'running')),
      h(
        'div',
        { class: 'loading' },
        document.createElement('vscode-progress-ring'),
        h('span', {}, 'Reading and scoring the results…'),
      ),
    );
    rendered('header');
  })
  .on('show', show)
  .on('compare', showCompare)
  .on('failures', ({ reset, rows, page }) => {
    if (page && !tabs) {
      // A big run: its failures are indexed before `ubp report` has the metrics; show them meanwhile.
      layout();
      replace(
        headerSlot,
        earlyHeader ? runHeader(earlyHeader, earlyHeader.status === 'running') : null,
        h(
          'p',
          { class: 'pending', id: 'metrics-pending', role: 'status' },
          document.createElement('vscode-progress-ring'),
          'Computing the metrics of this big run in a separate process (ubp report); the failures are ready.',
        ),
      );
    }
    failures.setRows(rows, reset, page);
    tabCount(page ? page.all : failures.failureCount);
  })
  .on('failuresChanged', ({ all }) => {
    // A big live run: the table asks for the rows in view again, keeping the user's place.
    failures.changed(all);
    tabCount(all);
  })
  .on('showFailures', ({ variant }) => {
    failures.setFilter({ variant });
    tabs?.setAttribute('selected-index', String(TAB_FAILURES));
    saveState({ tab: TAB_FAILURES });
  })
  .on('error', ({ message }) => {
    replace(app, h('p', { class: 'error', role: 'alert' }, message));
    app.setAttribute('aria-busy', 'false');
  })
  .ready();

// Redraw the charts in the new colours when the theme changes (VS Code swaps the body's theme class).
new MutationObserver(() => charts.retheme()).observe(document.body, {
  attributes: true,
  attributeFilter: ['class'],
});
