// A small seeded PRNG for the bootstrap: sfc32 seeded through splitmix32. Fast, 128-bit state, and the same
// stream on every platform, so a report's intervals are reproducible from its seed.

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * The sfc32 state (a, b, c, d) of `seed`, warmed up: seededRandom's stream continues from it. Hot loops (the
 * bootstrap's draws) step it inline with sfc32Next's arithmetic instead of calling a closure.
 */
export function seededState(seed: number): Uint32Array {
  const mix = splitmix32(hashSeed(seed));
  const s = new Uint32Array([mix(), mix(), mix(), mix()]);
  for (let i = 0; i < 12; i++) sfc32Next(s); // warm up away from the seeding
  return s;
}

/** One sfc32 step on `s`: returns a uniform float in [0, 1). */
export function sfc32Next(s: Uint32Array): number {
  const a = s[0]!;
  const b = s[1]!;
  let c = s[2]!;
  const d = s[3]!;
  const t = (((a + b) >>> 0) + d) >>> 0;
  s[3] = (d + 1) >>> 0;
  s[0] = b ^ (b >>> 9);
  s[1] = (c + (c << 3)) >>> 0;
  c = (c << 21) | (c >>> 11);
  s[2] = (c + t) >>> 0;
  return t / 4294967296;
}

/** Returns a generator of uniform floats in [0, 1) for `seed` (any number; hashed to 32 bits). */
export function seededRandom(seed: number): () => number {
  const state = seededState(seed);
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  return (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** Folds any number or string into a 32-bit seed (non-negative 32-bit integers are kept as they are). */
export function hashSeed(seed: number | string): number {
  if (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) return seed;
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
