// Seeded, order-independent randomness for the baselines. A baseline's "random" choices (the random baseline's
// answers, tie-breaks between equal scores) are a pure function of (seed, case id, item id), so predicting the
// cases in any order, in any number of processes, gives the same answers; and a tie is never broken by the
// candidate's label or position, which would leak the position of the true item.

/** 32-bit FNV-1a over the parts (each followed by a separator), then murmur3's finaliser for avalanche. */
export function hashParts(seed: number, ...parts: string[]): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      h ^= part.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f; // separator, so ("ab","c") and ("a","bc") differ
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) determined by the seed and the parts. */
export function hashUnit(seed: number, ...parts: string[]): number {
  return hashParts(seed, ...parts) / 4294967296;
}

/** mulberry32: a small, fast seeded PRNG returning numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
