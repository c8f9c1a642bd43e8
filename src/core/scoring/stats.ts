// Plain statistical helpers: quantiles, AUC (Mann–Whitney with ties), McNemar's exact test.

/** Type-7 (linear interpolation) quantile of an ascending-sorted array; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Area under the ROC curve as the Mann–Whitney statistic: the probability that a random positive scores above
 * a random negative, ties counting one half. `weight` (optional) weights each observation (bootstrap
 * multiplicities, sample fractions). `order` may pass the indices sorted by ascending score to save a sort.
 * NaN when either class is empty.
 */
export function aucMannWhitney(
  score: ArrayLike<number>,
  positive: ArrayLike<number>,
  weight?: ArrayLike<number>,
  order?: ArrayLike<number>,
): number {
  const n = score.length;
  const idx = order ?? sortedOrder(score);
  let negBelow = 0; // weight of negatives with a strictly lower score
  let totalPos = 0;
  let totalNeg = 0;
  let sum = 0;
  let i = 0;
  while (i < n) {
    // One group of tied scores.
    let j = i;
    let pos = 0;
    let neg = 0;
    const s = score[idx[i]];
    while (j < n && score[idx[j]] === s) {
      const k = idx[j];
      const w = weight ? weight[k] : 1;
      if (positive[k]) pos += w;
      else neg += w;
      j++;
    }
    sum += pos * (negBelow + 0.5 * neg);
    negBelow += neg;
    totalPos += pos;
    totalNeg += neg;
    i = j;
  }
  return totalPos > 0 && totalNeg > 0 ? sum / (totalPos * totalNeg) : NaN;
}

/** Indices of `values` in ascending order of value. */
export function sortedOrder(values: ArrayLike<number>): Int32Array {
  const idx = new Int32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((a, b) => values[a] - values[b]);
  return idx;
}

/** log of n choose k. */
function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const LOG_FACT: number[] = [0];
function logFactorial(n: number): number {
  for (let i = LOG_FACT.length; i <= n; i++) LOG_FACT[i] = LOG_FACT[i - 1] + Math.log(i);
  return LOG_FACT[n];
}

/** P(X = k) for X ~ Binomial(n, 1/2). */
function binomHalfPmf(n: number, k: number): number {
  return Math.exp(logChoose(n, k) - n * Math.LN2);
}

export interface McNemarResult {
  /** Pairs where the first side is right and the second wrong. */
  b: number;
  /** Pairs where the first side is wrong and the second right. */
  c: number;
  /** Two-sided exact p-value: 2·P(X ≤ min(b, c)), X ~ Bin(b + c, 1/2), capped at 1. */
  pExact: number;
  /** Two-sided mid-p: the exact p less P(X = min(b, c)) (less conservative, close to nominal). */
  pMid: number;
}

/** McNemar's exact test on the discordant pair counts b and c. */
export function mcnemar(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, pExact: 1, pMid: 1 };
  const m = Math.min(b, c);
  let tail = 0;
  for (let k = 0; k <= m; k++) tail += binomHalfPmf(n, k);
  const pm = binomHalfPmf(n, m);
  return { b, c, pExact: Math.min(1, 2 * tail), pMid: Math.min(1, 2 * (tail - 0.5 * pm)) };
}

/** ln Γ(x) (Lanczos approximation, g = 7, n = 9: relative error ~1e-7, plenty for p-values). */
export function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.61503916999186,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lg = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lg));
  }
  // Lentz's continued fraction.
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lg) * h);
}

/** P(X ≥ x) for X ~ χ²(df). */
export function chiSquareSurvival(x: number, df: number): number {
  return df > 0 ? gammaQ(df / 2, x / 2) : NaN;
}

/** Pearson's χ² test of observed counts against expected shares (which need not sum to exactly 1). */
export function chiSquareTest(
  observed: number[],
  expectedShare: number[],
): { statistic: number; df: number; p: number } {
  const total = observed.reduce((a, b) => a + b, 0);
  const shareSum = expectedShare.reduce((a, b) => a + b, 0);
  let stat = 0;
  let cells = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = (total * expectedShare[i]) / shareSum;
    if (e <= 0) continue;
    cells++;
    stat += ((observed[i] - e) * (observed[i] - e)) / e;
  }
  const df = cells - 1;
  return { statistic: stat, df, p: total > 0 && df > 0 ? chiSquareSurvival(stat, df) : NaN };
}
