// "Did you mean …?" hints (unknown config fields, unknown template variables): the closest known name.

/** Levenshtein distance between two strings (exact characters; callers lower-case when case does not matter). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/**
 * The known name closest to `name` ignoring case, if within `maxDistance` edits; the first such name in
 * `names` order wins a tie.
 */
export function closestName(name: string, names: Iterable<string>, maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  const lower = name.toLowerCase();
  for (const n of names) {
    if (Math.abs(n.length - lower.length) >= bestDistance) continue; // cannot beat the best so far
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}
