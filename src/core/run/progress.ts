// Step: what the run tells while it goes. Model units and baselines are paced apart (baselines finish in
// milliseconds and would make a model's ETA meaningless); the ETA of each comes from its recent rate (the last
// completions, with the time since the newest of them counted, so a stall makes the ETA grow instead of freeze).
import type { RunProgress } from './events';
import type { RunTotals } from './store';

type Kind = 'llm' | 'baseline';

/**
 * Completions per ms over a recent window that holds at least the last `size` completions and at least the last
 * `spanMs` (whichever reaches further back), with the time since the newest completion counted in. The span keeps
 * fast units (baselines, a local model: thousands a second) from swinging the ETA with every collector pause; the
 * count keeps slow ones (a model at one answer a second) from a window of two answers. Checkpoints at most every
 * `spanMs / 100` bound the memory at any rate.
 */
export class RecentRate {
  /** (time, completions so far), oldest first; the first is where the window may start. */
  private readonly marks: { t: number; n: number }[];
  private n = 0;
  private readonly step: number;
  constructor(
    start: number,
    private readonly size = 50,
    private readonly spanMs = 10_000,
  ) {
    this.marks = [{ t: start, n: 0 }];
    this.step = spanMs / 100;
  }
  /** True when the window may start at `m`: it holds `size` completions and `spanMs` at time `now`. */
  private covers(m: { t: number; n: number }, now: number): boolean {
    return this.n - m.n >= this.size && now - m.t >= this.spanMs;
  }
  add(t: number): void {
    this.n++;
    // A window starting at a mark counts the completions after it.
    if (this.marks.length === 1 || t - this.marks[this.marks.length - 1]!.t >= this.step)
      this.marks.push({ t, n: this.n });
    // An older mark is no longer needed once the one after it already covers the window (and will from now on).
    while (this.marks.length > 2 && this.covers(this.marks[1]!, t)) this.marks.shift();
  }
  get count(): number {
    return this.n;
  }
  /** Units per ms, or null before the first completion. */
  rate(now: number): number | null {
    if (!this.n) return null;
    // The newest mark that covers the window, else the oldest (the window then reaches back to the start).
    let from = this.marks[0]!;
    for (let i = this.marks.length - 1; i > 0; i--)
      if (this.covers(this.marks[i]!, now)) {
        from = this.marks[i]!;
        break;
      }
    return (this.n - from.n) / Math.max(1, now - from.t);
  }
}

export class ProgressTracker {
  private readonly t0: number;
  private readonly rates: Record<Kind, RecentRate>;
  private readonly finished: Record<Kind, number> = { llm: 0, baseline: 0 };

  constructor(
    /** Units by kind, and pending at the session's start. */
    private readonly units: Record<Kind, number>,
    private readonly pendingAtStart: Record<Kind, number>,
    private readonly now: () => number = () => performance.now(),
    /** Model units left out of this session (held by an open provider batch): not done, not pending here. */
    private readonly skipped = 0,
  ) {
    this.t0 = now();
    this.rates = { llm: new RecentRate(this.t0), baseline: new RecentRate(this.t0) };
  }

  /** A unit of `kind` ended with a line. */
  done(kind: Kind): void {
    this.finished[kind]++;
    this.rates[kind].add(this.now());
  }

  /** Units pending at the start that are not finished (nor given up). */
  remaining(kind: Kind): number {
    return Math.max(0, this.pendingAtStart[kind] - this.finished[kind]);
  }

  /** ms until `kind` is done at its recent rate: 0 when nothing is left, null before a rate is known. */
  eta(kind: Kind): number | null {
    const left = this.remaining(kind);
    if (left === 0) return 0;
    const rate = this.rates[kind].rate(this.now());
    return rate ? left / rate : null;
  }

  /** `waitMs`: how long the longest wait before a retry still lasts (the run cannot end sooner). */
  snapshot(totals: RunTotals, inFlight: number, extra: Partial<RunProgress> = {}, waitMs = 0): RunProgress {
    const finishedThisSession = this.finished.llm + this.finished.baseline;
    const remaining = this.remaining('llm') + this.remaining('baseline');
    const llm = this.eta('llm');
    const base = this.eta('baseline');
    // The two kinds run in parallel pools: the run ends when the slower one does, and not before a unit waiting
    // to retry has sent again (near the end the rate alone says "0 s" while answers are seconds away).
    const etaMs = llm === null || base === null ? null : Math.max(llm, base, remaining > 0 ? waitMs : 0);
    return {
      done: totals.units - remaining - this.skipped,
      total: totals.units,
      success: totals.success,
      invalid: totals.invalid,
      error: totals.error,
      inFlight,
      finishedThisSession,
      elapsedMs: this.now() - this.t0,
      etaMs,
      promptTokens: totals.promptTokens,
      completionTokens: totals.completionTokens,
      costUsd: totals.costUsd,
      models: { done: this.units.llm - this.remaining('llm') - this.skipped, total: this.units.llm },
      baselines: {
        done: this.units.baseline - this.remaining('baseline'),
        total: this.units.baseline,
      },
      ...extra,
    };
  }
}
