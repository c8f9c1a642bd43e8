// Runs on disk (<workspace>/.ubp/runs by default) and runs going on in this window. Watches the run folders
// and tells the views, debounced: a watcher fires once per appended results line.
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  COMPACT_RESULTS,
  LiveResults,
  RUN_RESULTS_FILE,
  listRuns,
  readRun,
  summariseVariant,
  groupByVariant,
  failureOf,
  scoringContext,
  type RunHandle,
  type RunListing,
  type RunProgress,
  type VariantSummary,
} from '../../core';
import { cliReport } from './cliChild';

const DEBOUNCE_MS = 300;

interface RunFigures {
  summaries: VariantSummary[];
  failures: Map<string, number>;
}

export interface ActiveRun {
  handle: RunHandle;
  progress?: RunProgress;
}

export class RunService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires (debounced) when run folders change on disk or an active run progresses. */
  readonly onDidChange = this.changed.event;
  private readonly active = new Map<string, ActiveRun>();
  private readonly summaryCache = new Map<string, { stamp: string; value: Promise<RunFigures> }>();
  private watcher: vscode.FileSystemWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** `cliPath`: the bundled `ubp` (dist/cli.js) that reports on big runs in a child process. */
  constructor(private readonly cliPath?: string) {
    this.watch();
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('ubp.runsFolder')) {
          this.watch();
          this.fire();
        }
      }),
    );
  }

  /** The store root (`.ubp`), or undefined without a workspace folder. */
  root(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    const setting = vscode.workspace.getConfiguration('ubp').get<string>('runsFolder', '.ubp') || '.ubp';
    return path.resolve(folder.uri.fsPath, setting);
  }

  list(): RunListing[] {
    const root = this.root();
    return root ? listRuns(root) : [];
  }

  /** Per-variant headline metrics of a run, cached until its results change. */
  async variantSummaries(run: RunListing): Promise<VariantSummary[]> {
    return (await this.figures(run)).summaries;
  }

  /** Failed answers per variant (wrong by the form's per-case indicator, invalid or error). */
  async failureCounts(run: RunListing): Promise<Map<string, number>> {
    return (await this.figures(run)).failures;
  }

  private figures(run: RunListing): Promise<RunFigures> {
    // Recomputed when the results change: for a run going on here, every 5% of its units (at least 25), so a
    // refresh every 300 ms does not re-read and re-bootstrap the whole results file each time.
    const p = this.active.get(run.id)?.progress;
    const t = run.manifest.totals;
    const stamp = p
      ? `live:${p.done - (p.done % Math.max(25, Math.ceil(p.total / 20)))}`
      : `${t.success}/${t.invalid}/${t.error}/${run.manifest.status}`;
    const cached = this.summaryCache.get(run.dir);
    if (cached && cached.stamp === stamp) return cached.value;
    const value = (async () => {
      if (this.cliPath && t.success + t.invalid + t.error > COMPACT_RESULTS) return this.bigFigures(run);
      const { manifest, results } = await readRun(run.dir);
      const ctx = scoringContext(manifest, { bootstrap: { resamples: 1000 } });
      const byVariant = groupByVariant(results);
      const failures = new Map<string, number>();
      for (const r of results)
        if (failureOf(r, ctx)) failures.set(r.variant, (failures.get(r.variant) ?? 0) + 1);
      const summaries = manifest.variants
        .filter((v) => byVariant.has(v.id))
        .map((v) => summariseVariant(byVariant.get(v.id)!, ctx));
      return { summaries, failures };
    })();
    this.summaryCache.set(run.dir, { stamp, value });
    return value;
  }

  /**
   * A run over the results panel's in-memory limit is never read whole in the extension host: its metrics come
   * from `ubp report` in a child process (as the panel's do), its failure counts from the compact model (an
   * offset and a kind per unit, read in chunks).
   */
  private async bigFigures(run: RunListing): Promise<RunFigures> {
    const live = new LiveResults(path.join(run.dir, RUN_RESULTS_FILE), scoringContext(run.manifest), {
      keepResults: 0,
      caseOrder: false,
    });
    const [report] = await Promise.all([cliReport(this.cliPath!, run.dir), live.poll()]);
    const failures = new Map<string, number>();
    for (const [variant, c] of live.failureCounts()) failures.set(variant, c.wrong + c.invalid + c.error);
    return { summaries: report.variants, failures };
  }

  track(runId: string, handle: RunHandle): void {
    const entry: ActiveRun = { handle };
    this.active.set(runId, entry);
    handle.on('progress', (e) => {
      entry.progress = e.progress;
      this.fire();
    });
    void handle.done.finally(() => {
      this.active.delete(runId);
      this.fire();
    });
    this.fire();
  }

  activeRun(runId: string): ActiveRun | undefined {
    return this.active.get(runId);
  }

  activeRuns(): [string, ActiveRun][] {
    return [...this.active.entries()];
  }

  /** Tells listeners, at most once per DEBOUNCE_MS. */
  fire(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, DEBOUNCE_MS);
  }

  private watch(): void {
    this.watcher?.dispose();
    const root = this.root();
    if (!root) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(root), 'runs/**'),
    );
    this.watcher.onDidChange(() => this.fire());
    this.watcher.onDidCreate(() => this.fire());
    this.watcher.onDidDelete(() => this.fire());
  }

  dispose(): void {
    this.watcher?.dispose();
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
