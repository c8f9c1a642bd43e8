// The results panel's host side: one webview per run (or per pair of runs in compare mode). It reads the run into
// the engine's LiveResults model, computes the report and posts a plain view model, then the failed predictions; it
// answers the webview's requests (open a case, compare against a reference, a page of failures, export a table or
// a chart), follows a run that is still being written (a debounced watcher on results.jsonl, reading only the
// appended bytes), and restores itself after a window reload through a WebviewPanelSerializer.
// Runs of up to COMPACT_RESULTS units are held as slim objects and reported here (the intervals of those above
// OFF_THREAD_RESULTS from a child process). Bigger runs hold no per-line objects: the model keeps offsets and a few
// numbers per unit, the failures table gets pages filtered and sorted here, and the report, reference comparisons
// and the paper table come from the CLI in a child process (docs/results-panel.md).
import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  COMPACT_RESULTS,
  listRuns,
  LiveResults,
  readRunManifest,
  RUN_RESULTS_FILE,
  scoringContext,
  toCsv,
  type CaseResult,
  type MemorisationRow,
  type Report,
  type RunManifest,
  type ScoringContext,
} from '../../core';
import {
  failureSearchText,
  type CompareView,
  type ExportRequest,
  type FailureQuery,
  type FailureRow,
  type FailuresPage,
  type PaperTableFormat,
  type ReferenceComparison,
  type ResultsPanelProtocol,
  type ResultsPanelState,
  type ResultsView,
} from '../../protocol/resultsPanel';
import { HostChannel } from './hostChannel';
import { webviewHtml, webviewOptions } from './html';
import { CASE_SCHEME, CaseDocumentProvider, showCase } from './resultsCaseDocument';
import { cliCompare, cliReport, cliTable } from '../services/cliChild';
import {
  cliReferenceComparison,
  compareInProcess,
  compareViewOf,
  factsOf,
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
  starsOf,
  toJsonRows,
  type CaseRef,
  type LoadedRun,
  type RunFacts,
  writeFailureRows,
} from './resultsModel';

export const RESULTS_VIEW_TYPE = 'ubp.results';
/** Quiet time after the last change of results.jsonl before the panel refreshes (one event per appended line). */
const LIVE_DEBOUNCE_MS = 400;
/** While a run is live, also poll its size this often (watchers can miss files outside the workspace). */
const LIVE_POLL_MS = 2000;
/** Rows of a big run's failures table per page. */
export const FAILURE_PAGE_ROWS = 500;
/** Changed cases listed per pair when two big runs are compared. */
const COMPARE_CHANGED_ROWS = 5000;
const ALL_FAILURES: FailureQuery = { variant: '', outcome: '', user: '', search: '', sort: 'error-desc' };

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
  /** The failure rows posted (run mode; a big run: its first page). */
  failures: Promise<FailureRow[]>;
  /** Resolves when the webview reports it has rendered `phase` (first time). */
  rendered(phase: Phase): Promise<Rendered>;
  /** Shows the Failures tab filtered to one variant. */
  showFailures(variant: string): void;
  /** Every view posted so far (live updates add more). */
  views(): ResultsView[];
  /**
   * A big run: what the host told the failures table, in order: a first `page` (replacing the table's rows and
   * place) or `changed` (a live update: the table keeps its place and asks for the rows in view).
   */
  failureNotices(): { kind: 'page' | 'changed'; all: number }[];
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
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
  private readonly failureNotices: { kind: 'page' | 'changed'; all: number }[] = [];
  /** Run mode: the run's results (slim objects for small runs, compact state for big ones). */
  private live?: LiveResults;
  private manifest?: RunManifest;
  private ctx?: ScoringContext;
  /** Compare mode: where each changed row's case lives. */
  private refs: CaseRef[] = [];
  /** A big run's failures table: the query of its last page (a rewritten results file re-sends its first page). */
  private query: FailureQuery = ALL_FAILURES;
  private debounce?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private refreshing = false;
  private dirty = false;
  private probe?: ResultsView['charts']['probe'];
  /** Recall rates from recall runs beside this run (read once when the run is opened). */
  private memorisation: MemorisationRow[] = [];
  /** The runs of a compare panel (the paper table's columns). */
  private compared: LoadedRun[] = [];
  /** The run folders of a compare panel (big runs are not held: `compared` stays empty). */
  private comparedDirs: string[] = [];
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
        compareWith: (p) => this.compareWith(p.reference),
        failuresPage: (p) => this.failuresPage(p.query, p.offset, p.limit, p.anchor),
        exportFailures: (p) => this.exportFailures(p.query, p.format),
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
      failureNotices: () => this.failureNotices.slice(),
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

  /** The run as slim objects, while it is small enough to be held. */
  private get kept(): LoadedRun | undefined {
    const results = this.live?.results;
    return results && this.manifest ? { dir: this.runDir, manifest: this.manifest, results } : undefined;
  }

  private get runDir(): string {
    return this.target.kind === 'run' ? this.target.dir : this.target.b;
  }

  /** The view of a report, with the facts the report lacks from the model. */
  private viewOf(report: Report, t0: number, intervals: boolean, live = this.isLive()): ResultsView {
    const kept = this.kept;
    const facts: RunFacts = kept
      ? factsOf(kept, report)
      : { users: this.live!.users(), confusion: this.live!.confusion() };
    const view = resultsView(
      { dir: this.runDir, manifest: this.manifest! },
      report,
      this.timing(t0),
      live,
      intervals,
      facts,
    );
    if (kept) return view;
    const n = this.live!.size;
    view.compact = { results: n, threshold: COMPACT_RESULTS };
    view.notes = [
      ...view.notes,
      `This run has ${n.toLocaleString('en-US')} results, more than the panel holds in memory ` +
        `(${COMPACT_RESULTS.toLocaleString('en-US')}): the failures table loads ${FAILURE_PAGE_ROWS} rows at a ` +
        'time from the results file; the metrics, the reference comparison and the paper table come from ' +
        '`ubp report`, `ubp compare` and `ubp table` in a separate process; the knowledge-probe chart is not ' +
        'drawn at this size (`ubp report <run> --probe <other run>` compares the two).',
    ];
    return view;
  }

  private async loadRun(dir: string): Promise<void> {
    this.channel.notify('loading', { title: path.basename(dir), openedAt: this.openedAt });
    const t0 = performance.now();
    const manifest = readRunManifest(dir);
    this.channel.notify('header', { header: manifestHeaderView(dir, manifest), openedAt: this.openedAt });
    this.manifest = manifest;
    this.ctx = scoringContext(manifest);
    this.panel.title = `Results: ${manifest.name}`;
    const live = new LiveResults(path.join(dir, RUN_RESULTS_FILE), this.ctx, {
      ...(manifest.dataset.form === 'rating' ? { stars: starsOf(manifest.dataset.scale) } : {}),
    });
    this.live = live;
    // A run the manifest says is big: its point estimates start in a child process while the file is indexed.
    const t = manifest.totals;
    const expected = t ? t.success + t.invalid + t.error : 0;
    const early =
      expected > COMPACT_RESULTS
        ? cliReport(this.cliPath, dir, this.abort.signal, { pointEstimates: true })
        : undefined;
    early?.catch(() => undefined);
    const scan = await live.poll();
    if (this.disposed) return;
    try {
      this.memorisation = await memorisationOf({ dir, manifest });
    } catch (e) {
      this.deps.log.warn(`results panel: recall runs beside this run: ${(e as Error).message}`);
    }
    const kept = this.kept;
    if (kept) {
      // Small runs: the full report right here. Large ones: point estimates now (the values equal the full
      // report's), intervals from a child process a moment later.
      const big = kept.results.length > OFF_THREAD_RESULTS;
      const report = big ? quickReportOf(kept, this.memorisation) : reportOf(kept, this.memorisation);
      const view = this.viewOf(report, t0, !big);
      this.post(view);
      if (!big) this.reportDeferred.resolve(report);
      this.deps.log.info(
        `results panel: ${manifest.id}: ${kept.results.length} results read and scored in ${view.computeMs} ms` +
          (big ? ' (point estimates; intervals follow)' : ''),
      );
      const rows = this.rowsOf(kept.results.map((_, i) => i));
      // The failure rows can be megabytes: let the webview paint the metrics first (at most a second's wait).
      await Promise.race([this.waiter('metrics').promise, new Promise((r) => setTimeout(r, 1000))]);
      if (this.disposed) return;
      this.channel.notify('failures', { reset: true, rows });
      this.failuresDeferred.resolve(rows);
      if (this.isLive()) this.watch(dir);
      if (big) await this.fullReport();
      await this.loadProbe(kept);
      return;
    }
    // Big runs: nothing per line in this process. The first page of failures as soon as the file is indexed,
    // point estimates from `ubp report --resamples 0` (started beside the read when the manifest said so), then
    // the intervals.
    const page = await this.postFirstPage(ALL_FAILURES);
    this.failuresDeferred.resolve(page.rows);
    const point = await (
      early ?? cliReport(this.cliPath, dir, this.abort.signal, { pointEstimates: true })
    ).catch((e: Error) => {
      throw new Error(
        `The metrics of this run (${live.size.toLocaleString('en-US')} results) come from \`ubp report\` in a ` +
          `separate process, which failed: ${e.message}`,
      );
    });
    if (this.disposed) return;
    const view = this.viewOf(point, t0, false);
    this.post(view);
    this.deps.log.info(
      `results panel: ${manifest.id}: ${live.size} results indexed (${live.failures} failures, ` +
        `${scan.corrupt} unreadable lines) and point estimates in ${view.computeMs} ms; intervals follow`,
    );
    if (this.isLive()) this.watch(dir);
    await this.fullReport();
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
        report = await cliReport(this.cliPath, this.runDir, this.abort.signal);
      } catch (e) {
        if (this.disposed) return;
        const kept = this.kept;
        if (!kept) throw e;
        this.deps.log.warn(
          `results panel: ubp report in a child process failed (${(e as Error).message}); computing here`,
        );
        report = reportOf(kept, this.memorisation);
      }
      if (this.disposed) return;
      this.post(this.viewOf(report, t0, true), false);
      this.reportDeferred.resolve(report);
      this.deps.log.info(
        `results panel: ${this.manifest!.id}: intervals in ${Math.round(performance.now() - t0)} ms`,
      );
    } catch (e) {
      // A big run with no child process: say so where the intervals would be.
      this.deps.log.error(`results panel: ubp report in a child process failed: ${(e as Error).message}`);
      const last = this.posted[this.posted.length - 1];
      if (last && !this.disposed) {
        const note = `The 95% intervals could not be computed: \`ubp report\` failed (${(e as Error).message}).`;
        this.post({ ...last, intervals: true, notes: [...last.notes, note] }, false);
      }
      this.reportDeferred.resolve(undefined);
    } finally {
      this.fullRunning = false;
      if (this.fullAgain && !this.disposed) {
        this.fullAgain = false;
        void this.fullReport();
      }
    }
  }

  private pointRunning = false;
  private pointAgain = false;

  /** A big live run changed: point estimates from a child process, then the intervals. */
  private async pointReport(): Promise<void> {
    if (this.pointRunning) {
      this.pointAgain = true;
      return;
    }
    this.pointRunning = true;
    const t0 = performance.now();
    try {
      const report = await cliReport(this.cliPath, this.runDir, this.abort.signal, { pointEstimates: true });
      if (!this.disposed) this.post(this.viewOf(report, t0, false), false);
    } catch (e) {
      if (!this.disposed) this.deps.log.warn(`results panel: point estimates: ${(e as Error).message}`);
    } finally {
      this.pointRunning = false;
    }
    if (this.pointAgain && !this.disposed) {
      this.pointAgain = false;
      return this.pointReport();
    }
    void this.fullReport();
  }

  /** Failure rows of some slots of a small run (each row's ref is its slot). */
  private rowsOf(slots: readonly number[]): FailureRow[] {
    const results = this.live!.results!;
    return failureRows(
      slots.map((s) => results[s]),
      this.ctx!,
      [],
      (i) => slots[i],
    );
  }

  /**
   * Rows [offset, offset + limit) of the failures a query picks (big runs; the search reads their lines). With an
   * anchor (a live update), the window moves by as many rows as the anchor's unit moved in the query's order.
   */
  private async failuresPage(
    query: FailureQuery,
    offset: number,
    limit: number,
    anchor?: { ref: number; index: number },
  ): Promise<FailuresPage> {
    const live = this.live;
    const ctx = this.ctx;
    if (!live || !ctx) throw new Error('no run loaded');
    const search = query.search.trim().toLowerCase();
    const matches = search
      ? (r: CaseResult) => {
          const row = failureRows([r], ctx, [], () => 0)[0];
          return row !== undefined && failureSearchText(row).includes(search);
        }
      : undefined;
    const q = {
      variant: query.variant,
      outcome:
        query.outcome === 'wrong' || query.outcome === 'invalid' || query.outcome === 'error'
          ? query.outcome
          : ('' as const),
      user: query.user.trim(),
      sort: query.sort,
      ...(matches ? { matches } : {}),
    };
    let at: number | undefined;
    if (anchor) {
      // The query's order is cached for paging: this costs one look-up, and the page below reuses it.
      at = (await live.failureSlots(q, search)).indexOf(anchor.ref);
      if (at >= 0) offset = Math.max(0, offset + at - anchor.index);
    }
    const page = await live.failurePage(q, offset, Math.max(0, Math.min(limit, 5000)), search);
    this.query = query;
    const rows = failureRows(page.results, ctx, [], (i) => page.slots[i]);
    return {
      total: page.total,
      all: live.failures,
      offset,
      rows,
      ...(at !== undefined ? { anchor: at } : {}),
    };
  }

  /** Tells the webview a big live run's failures changed (recorded for tests). */
  private notifyFailures(changed: { all: number }): void {
    if (this.disposed) return;
    this.failureNotices.push({ kind: 'changed', ...changed });
    this.channel.notify('failuresChanged', changed);
  }

  /** Posts the first page of a big run's failures for `query` (replacing what the table had). */
  private async postFirstPage(query: FailureQuery): Promise<FailuresPage> {
    const page = await this.failuresPage(query, 0, FAILURE_PAGE_ROWS);
    if (!this.disposed) this.failureNotices.push({ kind: 'page', all: page.all });
    if (!this.disposed)
      this.channel.notify('failures', {
        reset: true,
        rows: page.rows,
        page: { total: page.total, all: page.all, query },
      });
    return page;
  }

  private async loadProbe(run: LoadedRun): Promise<void> {
    try {
      const twin = findProbeTwin(run);
      if (!twin) return;
      const t = twin.manifest.totals;
      if (t && t.success + t.invalid + t.error > COMPACT_RESULTS) {
        // Pairing would hold the twin's every line here.
        this.deps.log.info(
          `results panel: the knowledge-probe twin ${twin.manifest.id} is too big to chart here`,
        );
        return;
      }
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
    return this.manifest?.status === 'running';
  }

  private async loadCompare(a: string, b: string): Promise<void> {
    this.channel.notify('loading', {
      title: `${path.basename(a)} vs ${path.basename(b)}`,
      openedAt: this.openedAt,
    });
    const t0 = performance.now();
    this.comparedDirs = [a, b];
    const [ma, mb] = [readRunManifest(a), readRunManifest(b)];
    const units = (m: RunManifest) => (m.totals ? m.totals.success + m.totals.invalid + m.totals.error : 0);
    if (units(ma) + units(mb) > COMPACT_RESULTS) return this.loadBigCompare(a, b, ma, mb, t0);
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

  /**
   * Two runs too big to hold: each side's point estimates from `ubp report --resamples 0`, the comparison from
   * `ubp compare` (its changed-case list cut to COMPARE_CHANGED_ROWS per pair), distinct users from an index of
   * each file; all in child processes but the index.
   */
  private async loadBigCompare(
    a: string,
    b: string,
    ma: RunManifest,
    mb: RunManifest,
    t0: number,
  ): Promise<void> {
    if (ma.dataset.form !== mb.dataset.form)
      throw new Error(`cannot compare a ${ma.dataset.form} run with a ${mb.dataset.form} run`);
    this.panel.title = `Compare: ${ma.id} ↔ ${mb.id}`;
    const signal = this.abort.signal;
    const users = async (dir: string, m: RunManifest) => {
      const index = new LiveResults(path.join(dir, RUN_RESULTS_FILE), scoringContext(m), {
        keepResults: 0,
        caseOrder: false,
      });
      await index.poll();
      return index.users(); // the index is dropped here
    };
    const [cmp, reportA, reportB, usersA, usersB] = await Promise.all([
      cliCompare(this.cliPath, a, b, signal, COMPARE_CHANGED_ROWS),
      cliReport(this.cliPath, a, signal, { pointEstimates: true }),
      cliReport(this.cliPath, b, signal, { pointEstimates: true }),
      users(a, ma),
      users(b, mb),
    ]);
    const view = compareViewOf(
      cmp,
      { dir: a, manifest: ma, users: usersA },
      { dir: b, manifest: mb, users: usersB },
      reportA,
      reportB,
      this.timing(t0),
      this.refs,
    );
    const cut = cmp.variants.filter((pc) => pc.changes.improved + pc.changes.regressed > pc.changed.length);
    if (cut.length)
      view.warnings.push(
        `These runs are big: the changed cases list the first ${COMPARE_CHANGED_ROWS.toLocaleString('en-US')} ` +
          `of each pair (regressions first; ${cut
            .map(
              (pc) =>
                `${(pc.changes.improved + pc.changes.regressed).toLocaleString('en-US')} changed in ${pc.b}`,
            )
            .join(', ')}); \`ubp compare ${ma.id} ${mb.id} --json\` lists them all.`,
      );
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
    const live = this.live;
    if (!live || this.disposed) return;
    if (this.refreshing) {
      this.dirty = true;
      return;
    }
    this.refreshing = true;
    try {
      const t0 = performance.now();
      try {
        this.manifest = readRunManifest(this.runDir);
      } catch {
        /* being rewritten: keep the last one */
      }
      const wasKept = this.kept !== undefined;
      const p = await live.poll();
      const stillLive = this.isLive();
      if (!p.changed && stillLive) return;
      const kept = this.kept;
      if (kept) {
        const big = kept.results.length > OFF_THREAD_RESULTS;
        const report = big ? quickReportOf(kept, this.memorisation) : reportOf(kept, this.memorisation);
        this.post(this.viewOf(report, t0, !big, stillLive), false);
        if (big) void this.fullReport();
        if (p.restarted || p.failuresReplaced) {
          this.channel.notify('failures', { reset: true, rows: this.rowsOf(kept.results.map((_, i) => i)) });
        } else if (p.slots.length) {
          this.channel.notify('failures', { reset: false, rows: this.rowsOf(p.slots) });
        }
      } else {
        // Big now (or from the start): reports from child processes; the table asks for the rows in view again,
        // keeping the user's place (a rewritten file starts over: its rows are other units).
        void this.pointReport();
        if (p.restarted) await this.postFirstPage(this.query);
        else if (p.changed || wasKept) this.notifyFailures({ all: live.failures });
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
    // Run mode: a row's ref is its unit's slot in the model; compare mode: an index into refs.
    const c = this.target.kind === 'run' ? this.live?.unitAt(ref) : this.refs[ref];
    const dir = (c as CaseRef | undefined)?.dir ?? (this.target.kind === 'run' ? this.target.dir : undefined);
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
    const kept = this.kept;
    const ids =
      this.target.kind === 'run'
        ? this.manifest
          ? [this.manifest.id]
          : []
        : this.compared.map((r) => r.manifest.id);
    if (!ids.length) throw new Error('no run loaded');
    const name = ids.join('-vs-');
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
    // A big run: `ubp table` in a child process (the same engine function, the same defaults).
    const text =
      this.target.kind === 'run'
        ? kept
          ? paperTableText([kept], format)
          : await cliTable(this.cliPath, [this.runDir], format, this.abort.signal)
        : this.compared.length
          ? paperTableText(this.compared, format)
          : await cliTable(this.cliPath, this.comparedDirs, format, this.abort.signal);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    this.deps.log.info(`results panel: exported the paper table to ${uri.fsPath}`);
    return { saved: uri.fsPath };
  }

  /** Every other variant against `reference`, paired on cases: in process for small runs, `ubp compare` else. */
  private async compareWith(reference: string): Promise<ReferenceComparison> {
    const kept = this.kept;
    if (kept) return referenceComparison(kept, reference);
    if (!this.live) throw new Error('no run loaded');
    return cliReferenceComparison(
      this.cliPath,
      this.runDir,
      reference,
      this.live.variants,
      this.abort.signal,
    );
  }

  /** Every failure a query picks, streamed to a file (big runs: the webview holds only the pages it showed). */
  private async exportFailures(
    query: FailureQuery,
    format: 'csv' | 'json',
  ): Promise<{ saved: string | null; rows: number }> {
    const live = this.live;
    if (!live) throw new Error('no run loaded');
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.defaultFolder(), `failures.${format}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      title: `Export failures as ${format.toUpperCase()}`,
    });
    if (!uri) return { saved: null, rows: 0 };
    if (uri.scheme !== 'file') throw new Error('a big run exports to a local file only');
    const { total } = await this.failuresPage(query, 0, 0);
    const n = await writeFailureRows(uri.fsPath, format, total, async (offset, limit) => {
      return (await this.failuresPage(query, offset, limit)).rows;
    });
    this.deps.log.info(`results panel: exported ${n} failures to ${uri.fsPath}`);
    return { saved: uri.fsPath, rows: n };
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
