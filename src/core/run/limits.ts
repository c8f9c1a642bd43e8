// Rate limits for one model: requests per minute and tokens per minute, as token buckets that allow about one
// second of burst. A caller reserves before sending (the balance may go negative, so later callers queue behind
// it in order) and corrects the token reservation once the real usage is known.

export class RateLimiter {
  private reqBalance: number;
  private tokBalance: number;
  private last: number;
  private readonly reqPerMs: number;
  private readonly tokPerMs: number;
  private readonly reqCap: number;
  private readonly tokCap: number;

  constructor(
    readonly rpm: number | undefined,
    readonly tpm: number | undefined,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.reqPerMs = rpm ? rpm / 60_000 : Infinity;
    this.tokPerMs = tpm ? tpm / 60_000 : Infinity;
    this.reqCap = rpm ? Math.max(1, rpm / 60) : Infinity;
    this.tokCap = tpm ? Math.max(1, tpm / 60) : Infinity;
    this.reqBalance = this.reqCap;
    this.tokBalance = this.tokCap;
    this.last = this.clock();
  }

  get active(): boolean {
    return this.rpm !== undefined || this.tpm !== undefined;
  }

  private refill(): void {
    const t = this.clock();
    const dt = t - this.last;
    this.last = t;
    if (this.rpm) this.reqBalance = Math.min(this.reqCap, this.reqBalance + dt * this.reqPerMs);
    if (this.tpm) this.tokBalance = Math.min(this.tokCap, this.tokBalance + dt * this.tokPerMs);
  }

  /** Reserves one request and `tokens`; returns how long to wait (ms) before sending, 0 when it may go now. */
  reserve(tokens: number): number {
    if (!this.active) return 0;
    this.refill();
    let wait = 0;
    if (this.rpm) {
      this.reqBalance -= 1;
      if (this.reqBalance < 0) wait = Math.max(wait, -this.reqBalance / this.reqPerMs);
    }
    if (this.tpm) {
      // A request larger than the bucket still goes, after the bucket has refilled completely.
      this.tokBalance -= Math.min(tokens, this.tokCap);
      if (this.tokBalance < 0) wait = Math.max(wait, -this.tokBalance / this.tokPerMs);
    }
    return wait;
  }

  /** Corrects a token reservation by the difference between the real and the estimated count. */
  adjustTokens(delta: number): void {
    if (this.tpm) this.tokBalance -= delta;
  }
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
