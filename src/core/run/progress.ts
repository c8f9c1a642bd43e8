// Step: what the run tells while it goes. Model units and baselines are paced apart (baselines finish in
// milliseconds and would make a model's ETA meaningless); the ETA of each comes from its recent rate (the last
// completions, with the time since the newest of them counted, so a stall makes the ETA grow instead of freeze).
import type { RunProgress } from './events';
import type { RunTotals } from './store';

type Kind = 'llm' | 'baseline';

/** Completions per ms over the last `size` completions, with the time since the last one counted in. */
export class RecentRate {
  private readonly times: number[] = [];
  private windowStart: number;
  constructor(
    start: number,
    private readonly size = 50,
  ) {
    this.windowStart = start;
  }
  add(t: number): void {
    this.times.push(t);
    if (this.times.length > this.size) this.windowStart = this.times.shift()!;
  }
  get count(): number {
    return this.times.length;
  }
  /** Units per ms, or null before the first completion. */
  rate(now: number): number | null {
    if (!this.times.length) return null;
    return this.times.length / Math.max(1, now - this.windowStart);
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

  snapshot(totals: RunTotals, inFlight: number, extra: Partial<RunProgress> = {}): RunProgress {
    const finishedThisSession = this.finished.llm + this.finished.baseline;
    const remaining = this.remaining('llm') + this.remaining('baseline');
    const llm = this.eta('llm');
    const base = this.eta('baseline');
    // The two kinds run in parallel pools: the run ends when the slower one does.
    const etaMs = llm === null || base === null ? null : Math.max(llm, base);
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
