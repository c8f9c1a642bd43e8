// Follows the provider batches of the workspace's runs. While some run has an open batch, it polls them every
// `ubp.batch.pollSeconds` through the engine's `refreshBatches` (status, then download and import of the ended
// ones), stops when none is open, and starts again when the runs change. It pauses while the window is not
// focused (nobody looks at the rows; a batch takes hours anyway) and polls once at once when focus comes back,
// if a poll came due meanwhile. One timed poll at a time: a poll asked for while one runs waits for it and
// takes the usual interval after it. Every batch call of the window (these
// polls, "Refresh Batch Status", "Cancel Batch") goes through one queue: never two at once, so two writers never
// race on a run's batches.json. A failed poll is logged once and kept for the run's row; finishing a run's last
// batch says so once, with "Open Results".
import * as vscode from 'vscode';
import * as path from 'node:path';
import { apiKeyEnvOf, loadBatch, type BatchRecord, type ModelConfig, type RunListing } from '../../core';
import { Command } from '../commands/ids';
import type { Services } from '.';
import { confirmEnvKeyOrigin } from './keyService';

/** Seconds between polls from the setting; 0 turns polling off (refresh on request only). */
export function pollSeconds(): number {
  const s = vscode.workspace.getConfiguration('ubp').get<number>('batch.pollSeconds', 60);
  return Number.isFinite(s) && s > 0 ? Math.max(1, s) : 0;
}

/** What one poll of one run found. */
export interface PollOutcome {
  dir: string;
  /** The run's status after the poll (absent when the poll failed). */
  status?: string;
  batches: BatchRecord[];
  /** Answers imported by this poll. */
  imported: number;
  /** True when this poll imported the run's last open batch. */
  finished: boolean;
  error?: string;
}

export interface PollError {
  message: string;
  /** When it failed (ISO 8601). */
  at: string;
}

/** Settles when the first run of the first call is done, without surfacing its failure. */
const settled = (p: Promise<unknown>): Promise<void> =>
  p.then(
    () => undefined,
    () => undefined,
  );

/** Whether the window has focus, and its changes (VS Code's window state; tests give their own). */
export interface WindowFocus {
  readonly focused: boolean;
  readonly onDidChange: (listener: (focused: boolean) => void) => vscode.Disposable;
}

const vscodeWindowFocus: WindowFocus = {
  get focused() {
    return vscode.window.state.focused;
  },
  onDidChange: (listener) => vscode.window.onDidChangeWindowState((s) => listener(s.focused)),
};

/** Focus regained this soon after a timed poll waits for the rest of this gap (else it polls at once). */
const REFOCUS_GAP_MS = 10_000;

export class BatchPoller implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  /** True while a timed poll (listing the open runs, then polling them) runs. */
  private ticking = false;
  /** A poll came due while it could not start (window unfocused, or a timed poll running). */
  private due = false;
  private focused: boolean;
  /** When the last timed poll ended (ms since the epoch). */
  private lastTick = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly errors = new Map<string, PollError>();
  private readonly polled = new vscode.EventEmitter<PollOutcome[]>();
  /** Fires after every poll (timed or requested) with what it found. */
  readonly onDidPoll = this.polled.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly services: Services,
    focus: WindowFocus = vscodeWindowFocus,
  ) {
    this.focused = focus.focused;
    this.subscriptions.push(
      focus.onDidChange((f) => this.setFocused(f)),
      this.polled,
      // A submitted batch, an import by the CLI, a new run: look again (a no-op while a poll is armed).
      services.runs.onDidChange(() => this.arm()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('ubp.batch.pollSeconds')) return;
        this.disarm();
        this.arm();
      }),
    );
  }

  /** Looks for open batches shortly after activation (off its clock), then on the interval. */
  start(firstDelayMs = 3000): void {
    this.arm(Math.min(firstDelayMs, pollSeconds() * 1000));
  }

  /** The last poll error of a run (cleared by its next successful poll). */
  errorOf(dir: string): PollError | undefined {
    return this.errors.get(path.resolve(dir));
  }

  /** True while a poll is armed (polling is on and some run had open batches, or the runs just changed). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** True while polling waits for the window's focus (a poll came due while it had none). */
  get paused(): boolean {
    return !this.focused && this.due;
  }

  /**
   * The window lost or regained focus: an armed poll is put off until focus comes back, and then made at once
   * (once; the interval follows). Called by VS Code's window state events.
   */
  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (!focused) {
      if (this.timer) this.due = true;
      this.disarm();
    } else if (this.due) {
      this.due = false;
      // At once, unless a poll ended moments ago (a user switching windows back and forth is not a reason to
      // poll the provider every few seconds).
      this.arm(Math.max(0, this.lastTick + REFOCUS_GAP_MS - Date.now()));
    }
  }

  /** Runs `fn` after every batch call queued before it, and before any queued after it. */
  exclusive<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = settled(run);
    return run;
  }

  /**
   * Polls these runs now (queued behind any poll in progress), imports what ended, tells the views. `interactive`:
   * asked for by the user, who may be asked to approve a key's origin; timed polls never ask anything.
   */
  poll(dirs: readonly string[], o: { interactive?: boolean } = {}): Promise<PollOutcome[]> {
    return this.exclusive(async () => {
      const out: PollOutcome[] = [];
      for (const dir of dirs) out.push(await this.pollRun(dir, o.interactive === true));
      if (out.length) {
        this.services.runs.fire();
        this.polled.fire(out);
      }
      return out;
    });
  }

  /** The runs of the workspace with an open batch, that no one else is writing. */
  async openRuns(): Promise<RunListing[]> {
    const candidates = this.services.runs
      .list()
      .filter((r) => r.manifest.status === 'batch' && !r.activeBy && !this.services.runs.activeRun(r.id));
    if (!candidates.length) return [];
    const { readBatchState, isOpen } = await loadBatch();
    return candidates.filter((r) => {
      try {
        return readBatchState(r.dir).batches.some(isOpen);
      } catch {
        return false; // a damaged state file: `ubp batch status` says why; polling it every minute would not
      }
    });
  }

  private arm(delayMs = pollSeconds() * 1000): void {
    if (this.disposed || this.timer || pollSeconds() === 0) return;
    // Unfocused, or a timed poll running (it arms the next one when it ends): remember that one came due.
    if (!this.focused || this.ticking) {
      this.due = true;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delayMs);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    this.due = false;
    let again = false;
    try {
      let open: RunListing[];
      try {
        open = await this.openRuns();
      } catch (e) {
        this.services.log.error(`batch polling: cannot list the runs: ${message(e)}`);
        return;
      }
      // None open: stop here; the next change to the runs arms a poll again.
      if (!open.length) return;
      const outcomes = await this.poll(open.map((r) => r.dir));
      for (const o of outcomes)
        if (o.finished)
          this.announce(
            o,
            open.find((r) => r.dir === o.dir),
          );
      again = true;
    } finally {
      this.ticking = false;
      this.lastTick = Date.now();
      // Open batches, or the runs changed meanwhile: the next poll after the usual interval.
      if (again || this.due) {
        this.due = false;
        this.arm();
      }
    }
  }

  private async pollRun(dir: string, interactive: boolean): Promise<PollOutcome> {
    const key = path.resolve(dir);
    const { log } = this.services;
    try {
      const { refreshBatches, readBatchState, isOpen } = await loadBatch();
      const r = await refreshBatches(dir, {
        getApiKey: (model, origin) => this.keyOf(model, origin, interactive),
        packageRoot: this.services.extensionUri.fsPath,
        log: (line) => log.info(`${path.basename(dir)}: ${line}`),
      });
      if (this.errors.delete(key)) log.info(`batch poll of ${dir}: working again`);
      const batches = readBatchState(dir).batches;
      return {
        dir,
        status: r.status,
        batches,
        imported: r.imported.reduce((s, i) => s + i.stats.answered, 0),
        finished: r.imported.length > 0 && !batches.some(isOpen),
      };
    } catch (e) {
      const text = message(e);
      // Once in the output channel per distinct failure, not once a minute; the row shows the latest.
      if (this.errors.get(key)?.message !== text) log.error(`batch poll of ${dir}: ${text}`);
      this.errors.set(key, { message: text, at: new Date().toISOString() });
      return { dir, batches: [], imported: 0, finished: false, error: text };
    }
  }

  /** The key of a model: asks to approve an environment key's origin only on a user's request. */
  private async keyOf(model: ModelConfig, origin: string, interactive: boolean): Promise<string | undefined> {
    const deny = (): Thenable<boolean> => Promise.resolve(false);
    const { key } = await this.services.keys.resolve(
      origin,
      apiKeyEnvOf(model),
      interactive ? confirmEnvKeyOrigin : deny,
    );
    return key;
  }

  /** One message when a run's last batch is imported by a timed poll. */
  private announce(o: PollOutcome, run: RunListing | undefined): void {
    const name = run ? `"${run.manifest.name}" (${run.id})` : path.basename(o.dir);
    const open = 'Open Results';
    void vscode.window
      .showInformationMessage(
        `UBP: the batches of ${name} have ended; ${o.imported} answers imported (run ${o.status}).`,
        open,
      )
      .then((a) => a === open && vscode.commands.executeCommand(Command.openResults, o.dir));
  }

  dispose(): void {
    this.disposed = true;
    this.disarm();
    for (const s of this.subscriptions) s.dispose();
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
