// Seeded randomness for case building. Every random choice comes from a stream derived from (seed, purpose,
// key), so one choice never shifts another: changing K does not change which users are sampled, and the cases
// of one user do not depend on how many other users were built before them.

/** 32-bit FNV-1a of a string: turns a purpose or an external id into a stream key. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The splitmix32 finaliser: a well-mixed 32-bit value from any 32-bit input. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit seed for the stream of `parts` under `seed`. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = mix32(seed >>> 0);
  for (const p of parts) h = mix32(h ^ (typeof p === 'number' ? mix32(p >>> 0) : hashString(p)));
  return h;
}

/** mulberry32: a small, fast, well-known PRNG with a 32-bit state; good enough for sampling, not for crypto. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The stream for `parts` under `seed` (see deriveSeed). */
  static of(seed: number, ...parts: (string | number)[]): Rng {
    return new Rng(deriveSeed(seed, ...parts));
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}
