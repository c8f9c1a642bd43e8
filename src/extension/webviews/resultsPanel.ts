// The results panel's host side: one webview per run (or per pair of runs in compare mode). It reads the run,
// computes the engine's report here and posts a plain view model, then the failed predictions; it answers the
// webview's requests (open a case, compare against a reference, export a table or a chart), follows a run that
// is still being written (a debounced watcher on results.jsonl, reading only the appended bytes), and restores
// itself after a window reload through a WebviewPanelSerializer.
import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  latestResults,
  listRuns,
  readAppendedResults,
  readRunManifest,
  RUN_RESULTS_FILE,
  scoringContext,
  toCsv,
  unitKey,
  type CaseResult,
  type MemorisationRow,
  type Report,
} from '../../core';
import type {
  CompareView,
  ExportRequest,
  FailureRow,
  PaperTableFormat,
  ResultsPanelProtocol,
  ResultsPanelState,
  ResultsView,
} from '../../protocol/resultsPanel';
import { HostChannel } from './hostChannel';
import { webviewHtml, webviewOptions } from './html';
import { CASE_SCHEME, CaseDocumentProvider, showCase } from './resultsCaseDocument';
import {
  cliCompare,
  cliReport,
  compareInProcess,
  compareViewOf,
  failureRows,
  findProbeTwin,
  manifestHeaderView,
  memorisationOf,
  OFF_THREAD_RESULTS,
  PAPER_TABLE_EXT,
  paperTableText,
  probeChart,
  quickReportOf,
  readSlimRun,
  referenceComparison,
  reportOf,
  resultsView,
  parseSlimLine,
  toJsonRows,
  type CaseRef,
  type LoadedRun,
} from './resultsModel';

export const RESULTS_VIEW_TYPE = 'ubp.results';
/** Quiet time after the last change of results.jsonl before the panel refreshes (one event per appended line). */
const LIVE_DEBOUNCE_MS = 400;
/** While a run is live, also poll its size this often (watchers can miss files outside the workspace). */
const LIVE_POLL_MS = 2000;

export interface ResultsPanelDeps {
  log: vscode.LogOutputChannel;
  /** The store root (`<workspace>/.ubp`); runs are in its `runs/` folder. A `…/runs` folder is accepted too. */
  runsRoot: () => string | undefined;
  /** Opens a case inline (the inline-inspection feature); without it a read-only document is shown. */
  openCase?: (runDir: string, caseId: string, variant: string, sample: number) => Promise<void>;
}

type Phase = ResultsPanelProtocol['toHost']['rendered']['phase'];
type Rendered = ResultsPanelProtocol['toHost']['rendered'];

/** What `ubp.openResults` and `ubp.compareRuns` return (tests and other commands use it). */
export interface OpenedResults {
  panel: vscode.WebviewPanel;
  /** The first view model posted (run mode) or the comparison (compare mode). */
  view: Promise<ResultsView | CompareView>;
  /** The report the view was made from (run mode). */
  report: Promise<Report | undefined>;
  /** The failure rows posted (run mode). */
  failures: Promise<FailureRow[]>;
  /** Resolves when the webview reports it has rendered `phase` (first time). */
  rendered(phase: Phase): Promise<Rendered>;
  /** Shows the Failures tab filtered to one variant. */
  showFailures(variant: string): void;
  /** Every view posted so far (live updates add more). */
  views(): ResultsView[];
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Tracks (run, results) as results.jsonl grows: appended complete lines only, later lines replace earlier. */
class LiveRun {
  private byKey = new Map<string, CaseResult>();
  private offset = 0;

  constructor(
    readonly dir: string,
    results: CaseResult[],
    public manifest: LoadedRun['manifest'],
    /** Bytes of results.jsonl already read (up to the last complete line). */
    offset: number,
  ) {
    for (const r of results) this.byKey.set(unitKey(r.caseId, r.variant, r.sample), r);
    this.offset = offset;
  }

  get run(): LoadedRun {
    return { dir: this.dir, manifest: this.manifest, results: [...this.byKey.values()] };
  }

  /** Reads what was appended since the last call. `replaced` is true when a line superseded an earlier one. */
  poll(): { added: CaseResult[]; replaced: boolean; changed: boolean } {
    const file = path.join(this.dir, RUN_RESULTS_FILE);
    try {
      this.manifest = readRunManifest(this.dir);
    } catch {
      /* being rewritten: keep the last one */
    }
    const added: CaseResult[] = [];
    let replaced = false;
    // The engine's incremental reader: complete lines appended since the offset. Same order as readRun: a unit
    // keeps the place of its first line (the bootstrap's clusters follow it).
    const onLine = (r: CaseResult): void => {
      const key = unitKey(r.caseId, r.variant, r.sample);
      if (this.byKey.has(key)) replaced = true;
      this.byKey.set(key, r);
      added.push(r);
    };
    let scan = readAppendedResults(file, this.offset, onLine, parseSlimLine);
    if (scan.truncated) {
      // Truncated (a torn tail was cut): start over.
      this.offset = 0;
      this.byKey.clear();
      scan = readAppendedResults(file, 0, onLine, parseSlimLine);
    }
    if (scan.validBytes === this.offset) return { added: [], replaced: false, changed: false };
    this.offset = scan.validBytes;
    return { added, replaced, changed: true };
  }
}

type Target = { kind: 'run'; dir: string } | { kind: 'compare'; a: string; b: string };

class ResultsPanel implements vscode.Disposable {
  readonly opened: OpenedResults;
  private readonly channel: HostChannel<ResultsPanelProtocol>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedWaiters = new Map<Phase, ReturnType<typeof deferred<Rendered>>>();
  private readonly viewDeferred = deferred<ResultsView | CompareView>();
  private readonly reportDeferred = deferred<Report | undefined>();
  private readonly failuresDeferred = deferred<FailureRow[]>();
  private readonly posted: ResultsView[] = [];
  private live?: LiveRun;
  private refs: CaseRef[] = [];
  private failureKeys = new Set<string>();
  private debounce?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private refreshing = false;
  private dirty = false;
  private probe?: ResultsView['charts']['probe'];
  /** Recall rates from recall runs beside this run (read once when the run is opened). */
  private memorisation: MemorisationRow[] = [];
  /** The runs of a compare panel (the paper table's columns). */
  private compared: LoadedRun[] = [];
  private disposed = false;
  private readonly abort = new AbortController();
  private readonly extensionPath: string;

  constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: ResultsPanelDeps,
    readonly target: Target,
    private readonly openedAt: number,
    private readonly onDispose: () => void,
  ) {
    this.extensionPath = context.extensionUri.fsPath;
    panel.webview.options = webviewOptions(context.extensionUri);
    this.channel = new HostChannel<ResultsPanelProtocol>(
      panel.webview,
      {
        openCase: (p) => this.openCase(p.ref),
        compareWith: async (p) => {
          if (!this.live) throw new Error('no run loaded');
          return referenceComparison(this.live.run, p.reference);
        },
        exportTable: (p) => this.exportTable(p),
        exportChart: (p) => this.exportChart(p),
        exportPaperTable: (p) => this.exportPaperTable(p.format),
      },
      {
        rendered: (r) => {
          this.waiter(r.phase).resolve(r);
          deps.log.debug(`results panel: ${r.phase} rendered ${r.at - openedAt} ms after opening`);
        },
      },
    );
    this.disposables.push(this.channel);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    // A stable document title (the tab's title changes once the run is read, and is restored as such).
    const docTitle = target.kind === 'run' ? `Results: ${path.basename(target.dir)}` : 'Compare runs';
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'results', docTitle);
    this.opened = {
      panel,
      view: this.viewDeferred.promise,
      report: this.reportDeferred.promise,
      failures: this.failuresDeferred.promise,
      rendered: (phase) => this.waiter(phase).promise,
      showFailures: (variant) => this.channel.notify('showFailures', { variant }),
      views: () => this.posted.slice(),
    };
    void this.load();
  }

  private waiter(phase: Phase): ReturnType<typeof deferred<Rendered>> {
    let w = this.renderedWaiters.get(phase);
    if (!w) this.renderedWaiters.set(phase, (w = deferred<Rendered>()));
    return w;
  }

  private async load(): Promise<void> {
    try {
      if (this.target.kind === 'run') await this.loadRun(this.target.dir);
      else await this.loadCompare(this.target.a, this.target.b);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log.error(`results panel: ${message}`);
      this.channel.notify('error', { message });
      this.viewDeferred.reject(e);
      this.reportDeferred.resolve(undefined);
      this.failuresDeferred.resolve([]);
    }
  }

  private async loadRun(dir: string): Promise<void> {
    this.channel.notify('loading', { title: path.basename(dir), openedAt: this.openedAt });
    const t0 = performance.now();
    try {
      this.channel.notify('header', {
        header: manifestHeaderView(dir, readRunManifest(dir)),
        openedAt: this.openedAt,
      });
    } catch {
      /* the full read below reports a missing or broken manifest */
    }
    const read = await readSlimRun(dir);
    this.panel.title = `Results: ${read.manifest.name}`;
    this.live = new LiveRun(read.dir, read.results, read.manifest, read.bytes);
    const run = this.live.run;
    try {
      this.memorisation = await memorisationOf(run);
    } catch (e) {
      this.deps.log.warn(`results panel: recall runs beside this run: ${(e as Error).message}`);
    }
    // Small runs: the full report right here. Large ones: point estimates now (the values equal the full
    // report's), intervals from a child process a moment later.
    const big = run.results.length > OFF_THREAD_RESULTS;
    const report = big ? quickReportOf(run, this.memorisation) : reportOf(run, this.memorisation);
    const view = resultsView(run, report, this.timing(t0), this.isLive(), !big);
    this.post(view);
    if (!big) this.reportDeferred.resolve(report);
    this.deps.log.info(
      `results panel: ${read.manifest.id}: ${read.results.length} results read and scored in ${view.computeMs} ms` +
        (big ? ' (point estimates; intervals follow)' : ''),
    );
    const rows = this.rowsFor(latestResults(run.results), run);
    // The failure rows can be megabytes: let the webview paint the metrics first (at most a second's wait).
    await Promise.race([this.waiter('metrics').promise, new Promise((r) => setTimeout(r, 1000))]);
    if (this.disposed) return;
    this.channel.notify('failures', { reset: true, rows });
    this.failuresDeferred.resolve(rows);
    if (this.isLive()) this.watch(dir);
    if (big) await this.fullReport();
    await this.loadProbe(run);
  }

  private timing(t0: number): { openedAt: number; computeMs: number } {
    return { openedAt: this.openedAt, computeMs: Math.round(performance.now() - t0) };
  }

  private get cliPath(): string {
    return path.join(this.extensionPath, 'dist', 'cli.js');
  }

  private fullRunning = false;
  private fullAgain = false;

  /** The full report of a large run from `ubp report --json` in a child process; re-run if data changed meanwhile. */
  private async fullReport(): Promise<void> {
    if (!this.live || this.disposed) return;
    if (this.fullRunning) {
      this.fullAgain = true;
      return;
    }
    this.fullRunning = true;
    const t0 = performance.now();
    try {
      let report: Report;
      try {
        report = await cliReport(this.cliPath, this.live.dir, this.abort.signal);
      } catch (e) {
        if (this.disposed) return;
        this.deps.log.warn(
          `results panel: ubp report in a child process failed (${(e as Error).message}); computing here`,
        );
        report = reportOf(this.live.run, this.memorisation);
      }
      if (this.disposed) return;
      this.post(resultsView(this.live.run, report, this.timing(t0), this.isLive(), true), false);
      this.reportDeferred.resolve(report);
      this.deps.log.info(
        `results panel: ${this.live.manifest.id}: intervals in ${Math.round(performance.now() - t0)} ms`,
      );
    } finally {
      this.fullRunning = false;
      if (this.fullAgain && !this.disposed) {
        this.fullAgain = false;
        void this.fullReport();
      }
    }
  }

  private rowsFor(results: CaseResult[], run: LoadedRun): FailureRow[] {
    const rows = failureRows(results, scoringContext(run.manifest), this.refs);
    for (const r of rows) this.failureKeys.add(unitKey(r.caseId, r.variant, r.sample));
    return rows;
  }

  private async loadProbe(run: LoadedRun): Promise<void> {
    try {
      const twin = findProbeTwin(run);
      if (!twin) return;
      this.probe = probeChart(run, await readSlimRun(twin.dir));
      if (this.probe && this.posted.length) {
        const last = this.posted[this.posted.length - 1];
        this.post({ ...last, charts: { ...last.charts, probe: this.probe } }, false);
      }
    } catch (e) {
      this.deps.log.warn(`results panel: knowledge probe twin: ${(e as Error).message}`);
    }
  }

  private post(view: ResultsView, first = true): void {
    if (this.probe && !view.charts.probe) view = { ...view, charts: { ...view.charts, probe: this.probe } };
    this.posted.push(view);
    this.channel.notify('show', view);
    if (first) this.viewDeferred.resolve(view);
  }

  private isLive(): boolean {
    return this.live?.manifest.status === 'running';
  }

  private async loadCompare(a: string, b: string): Promise<void> {
    this.channel.notify('loading', {
      title: `${path.basename(a)} vs ${path.basename(b)}`,
      openedAt: this.openedAt,
    });
    const t0 = performance.now();
    const [ra, rb] = await Promise.all([readSlimRun(a), readSlimRun(b)]);
    this.compared = [ra, rb];
    if (ra.manifest.dataset.form !== rb.manifest.dataset.form) {
      throw new Error(
        `cannot compare a ${ra.manifest.dataset.form} run with a ${rb.manifest.dataset.form} run`,
      );
    }
    this.panel.title = `Compare: ${ra.manifest.id} ↔ ${rb.manifest.id}`;
    const big = ra.results.length + rb.results.length > OFF_THREAD_RESULTS;
    const cmp = big
      ? await cliCompare(this.cliPath, ra.dir, rb.dir, this.abort.signal)
      : compareInProcess(ra, rb);
    const view = compareViewOf(cmp, ra, rb, quickReportOf(ra), quickReportOf(rb), this.timing(t0), this.refs);
    this.channel.notify('compare', view);
    this.viewDeferred.resolve(view);
    this.reportDeferred.resolve(undefined);
    this.failuresDeferred.resolve([]);
  }

  // ---- live updates -------------------------------------------------------------------------------------------

  private watch(dir: string): void {
    const pattern = new vscode.RelativePattern(vscode.Uri.file(dir), `{${RUN_RESULTS_FILE},manifest.json}`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const kick = () => this.schedule();
    watcher.onDidChange(kick, null, this.disposables);
    watcher.onDidCreate(kick, null, this.disposables);
    this.disposables.push(watcher);
    this.poller = setInterval(kick, LIVE_POLL_MS);
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.refresh(), LIVE_DEBOUNCE_MS);
  }

  private async refresh(): Promise<void> {
    if (!this.live || this.disposed) return;
    if (this.refreshing) {
      this.dirty = true;
      return;
    }
    this.refreshing = true;
    try {
      const t0 = performance.now();
      const { added, replaced, changed } = this.live.poll();
      const stillLive = this.isLive();
      if (!changed && stillLive) return;
      const run = this.live.run;
      const big = run.results.length > OFF_THREAD_RESULTS;
      const report = big ? quickReportOf(run, this.memorisation) : reportOf(run, this.memorisation);
      this.post(resultsView(run, report, this.timing(t0), stillLive, !big), false);
      if (big) void this.fullReport();
      if (replaced && added.some((r) => this.failureKeys.has(unitKey(r.caseId, r.variant, r.sample)))) {
        this.refs = [];
        this.failureKeys.clear();
        this.channel.notify('failures', { reset: true, rows: this.rowsFor(latestResults(run.results), run) });
      } else if (added.length) {
        this.channel.notify('failures', { reset: false, rows: this.rowsFor(added, run) });
      }
      if (!stillLive) this.stopWatching();
    } catch (e) {
      this.deps.log.warn(`results panel: live update: ${(e as Error).message}`);
    } finally {
      this.refreshing = false;
      if (this.dirty) {
        this.dirty = false;
        this.schedule();
      }
    }
  }

  private stopWatching(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  // ---- requests -----------------------------------------------------------------------------------------------

  private async openCase(ref: number): Promise<void> {
    const c = this.refs[ref];
    const dir = c?.dir ?? (this.target.kind === 'run' ? this.target.dir : undefined);
    if (!c || !dir) throw new Error('unknown case');
    if (this.deps.openCase) return this.deps.openCase(dir, c.caseId, c.variant, c.sample);
    await showCase(
      { dir, caseId: c.caseId, variant: c.variant, sample: c.sample, format: 'md' },
      this.panel.viewColumn,
    );
  }

  private defaultFolder(): vscode.Uri {
    const dir = this.target.kind === 'run' ? this.target.dir : this.target.b;
    return vscode.Uri.file(dir);
  }

  private async exportTable(p: ExportRequest): Promise<{ saved: string | null }> {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.defaultFolder(), `${safeName(p.suggestedName)}.${p.format}`),
      filters: p.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      title: `Export ${p.suggestedName} as ${p.format.toUpperCase()}`,
    });
    if (!uri) return { saved: null };
    const text = p.format === 'csv' ? toCsv(p.columns, p.rows) : toJsonRows(p.columns, p.rows);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    this.deps.log.info(`results panel: exported ${p.rows.length} rows to ${uri.fsPath}`);
    return { saved: uri.fsPath };
  }

  /** The paper table (`ubp table`'s engine function) of this run, or of both runs in compare mode. */
  private async exportPaperTable(format: PaperTableFormat): Promise<{ saved: string | null }> {
    const runs = this.live ? [this.live.run] : this.compared;
    if (!runs.length) throw new Error('no run loaded');
    const name = runs.map((r) => r.manifest.id).join('-vs-');
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(
        this.defaultFolder(),
        `${safeName(`table-${name}`)}.${PAPER_TABLE_EXT[format]}`,
      ),
      filters:
        format === 'csv' ? { CSV: ['csv'] } : format === 'latex' ? { LaTeX: ['tex'] } : { Markdown: ['md'] },
      title: 'Export paper table',
    });
    if (!uri) return { saved: null };
    await vscode.workspace.fs.writeFile(uri, Buffer.from(paperTableText(runs, format), 'utf8'));
    this.deps.log.info(`results panel: exported the paper table to ${uri.fsPath}`);
    return { saved: uri.fsPath };
  }

  private async exportChart(p: {
    suggestedName: string;
    dataUrl: string;
  }): Promise<{ saved: string | null }> {
    const prefix = 'data:image/png;base64,';
    if (!p.dataUrl.startsWith(prefix)) throw new Error('the chart image is not a PNG');
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.defaultFolder(), `${safeName(p.suggestedName)}.png`),
      filters: { PNG: ['png'] },
      title: 'Export chart as PNG',
    });
    if (!uri) return { saved: null };
    await vscode.workspace.fs.writeFile(uri, Buffer.from(p.dataUrl.slice(prefix.length), 'base64'));
    return { saved: uri.fsPath };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    if (this.debounce) clearTimeout(this.debounce);
    this.stopWatching();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDispose();
  }
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').slice(0, 80) || 'export';
}

/** The panels of this window, and the serializer that brings them back after a reload. */
export class ResultsPanels implements vscode.WebviewPanelSerializer<ResultsPanelState>, vscode.Disposable {
  private readonly open = new Map<string, ResultsPanel>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly deps: ResultsPanelDeps,
  ) {}

  /** The store root holding `runs/`. */
  storeRoot(): string | undefined {
    const root = this.deps.runsRoot();
    if (!root) return undefined;
    try {
      if (path.basename(root) === 'runs' && !statSync(path.join(root, 'runs')).isDirectory())
        return path.dirname(root);
    } catch {
      if (path.basename(root) === 'runs') return path.dirname(root);
    }
    return root;
  }

  /** Runs under the store root, newest first. */
  runs(): ReturnType<typeof listRuns> {
    const root = this.storeRoot();
    return root ? listRuns(root) : [];
  }

  showRun(dir: string): OpenedResults {
    return this.show({ kind: 'run', dir: path.resolve(dir) });
  }

  showComparison(a: string, b: string): OpenedResults {
    return this.show({ kind: 'compare', a: path.resolve(a), b: path.resolve(b) });
  }

  private show(target: Target, existing?: vscode.WebviewPanel): OpenedResults {
    const openedAt = Date.now();
    const key = target.kind === 'run' ? target.dir : `${target.a}\u0000${target.b}`;
    const current = this.open.get(key);
    if (current && !existing) {
      current.panel.reveal();
      return current.opened;
    }
    const title = target.kind === 'run' ? `Results: ${path.basename(target.dir)}` : 'Compare runs';
    const panel =
      existing ??
      vscode.window.createWebviewPanel(
        RESULTS_VIEW_TYPE,
        title,
        vscode.ViewColumn.Active,
        webviewOptions(this.context.extensionUri),
      );
    const p = new ResultsPanel(panel, this.context, this.deps, target, openedAt, () => {
      if (this.open.get(key) === p) this.open.delete(key);
    });
    this.open.set(key, p);
    return p.opened;
  }

  async deserializeWebviewPanel(
    panel: vscode.WebviewPanel,
    state: ResultsPanelState | undefined,
  ): Promise<void> {
    if (state?.compare) this.show({ kind: 'compare', a: state.compare[0], b: state.compare[1] }, panel);
    else if (state?.runDir) this.show({ kind: 'run', dir: state.runDir }, panel);
    else panel.dispose();
  }

  dispose(): void {
    for (const p of [...this.open.values()]) p.dispose();
    this.open.clear();
  }
}

/**
 * The results panels (the Open Results and Compare Runs commands use them), the serializer that restores them
 * after a reload, and the read-only `ubp-case:` documents.
 */
export function registerResultsPanel(
  context: vscode.ExtensionContext,
  deps: ResultsPanelDeps,
): { panels: ResultsPanels; disposable: vscode.Disposable } {
  const panels = new ResultsPanels(context, deps);
  return {
    panels,
    disposable: vscode.Disposable.from(
      panels,
      vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, panels),
      vscode.workspace.registerTextDocumentContentProvider(CASE_SCHEME, new CaseDocumentProvider()),
    ),
  };
}
