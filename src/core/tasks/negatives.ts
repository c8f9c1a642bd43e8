// Negative candidates for the choice and ranking forms: items the user has never interacted with, drawn
// without replacement, uniformly or in proportion to their training interaction counts.
import type { Rng } from './random';

export type NegativeRule = 'uniform' | 'popularity';

export class NegativeSampler {
  /** Cumulative training counts (popularity rule), for a binary search per draw. */
  private readonly cumulative: Float64Array | null;
  private readonly total: number;

  constructor(
    private readonly items: number,
    rule: NegativeRule,
    trainCounts: Int32Array,
  ) {
    if (rule === 'popularity') {
      this.cumulative = new Float64Array(items);
      let sum = 0;
      for (let i = 0; i < items; i++) this.cumulative[i] = sum += trainCounts[i];
      this.total = sum;
    } else {
      this.cumulative = null;
      this.total = items;
    }
  }

  private draw(rng: Rng): number {
    if (!this.cumulative || this.total === 0) return rng.int(this.items);
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * `count` distinct items outside `touched` (and inside `allowed`, when given), in draw order. Rejection sampling; when the user has touched
   * most of the catalogue (or the popular part of it), the remaining items are enumerated and drawn uniformly.
   * Returns fewer than `count` only when fewer such items exist.
   */
  sample(
    rng: Rng,
    count: number,
    touched: ReadonlySet<number>,
    allowed?: (item: number) => boolean,
  ): number[] {
    const chosen = new Set<number>();
    const out: number[] = [];
    const maxAttempts = 20 * count + 200;
    for (let attempt = 0; out.length < count && attempt < maxAttempts; attempt++) {
      const item = this.draw(rng);
      if (touched.has(item) || chosen.has(item) || (allowed && !allowed(item))) continue;
      chosen.add(item);
      out.push(item);
    }
    if (out.length < count) {
      const rest: number[] = [];
      for (let i = 0; i < this.items; i++)
        if (!touched.has(i) && !chosen.has(i) && (!allowed || allowed(i))) rest.push(i);
      while (out.length < count && rest.length) {
        const j = rng.int(rest.length);
        out.push(rest[j]);
        rest[j] = rest[rest.length - 1];
        rest.pop();
      }
    }
    return out;
  }
}
