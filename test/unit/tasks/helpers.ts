// Small in-memory Interactions for the task tests: hand-written rows, or a seeded synthetic dataset with a
// skewed item popularity (so popularity-weighted negatives have something to favour).
import type { Interactions } from '../../../src/core/types';
import { parseConfig, type TaskConfig } from '../../../src/core/config';
import { Rng } from '../../../src/core/tasks';

/** [user, item, value, time?] per row, in file order. */
export type Row = [string, string, number, number?];

export function makeData(
  rows: Row[],
  opts: { kind?: 'explicit' | 'implicit'; name?: string } = {},
): Interactions {
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const intern = (m: Map<string, number>, k: string) => m.get(k) ?? (m.set(k, m.size), m.size - 1);
  const hasTime = rows.length > 0 && rows.every((r) => r[3] !== undefined);
  const data: Interactions = {
    name: opts.name ?? 'fixture',
    format: 'generic',
    kind: opts.kind ?? 'explicit',
    scale: (opts.kind ?? 'explicit') === 'explicit' ? { min: 0.5, max: 5, step: 0.5 } : null,
    userIds: [],
    itemIds: [],
    items: [],
    n: rows.length,
    user: new Int32Array(rows.length),
    item: new Int32Array(rows.length),
    value: new Float64Array(rows.length),
    time: hasTime ? new Float64Array(rows.length) : null,
  };
  rows.forEach(([u, i, v, t], r) => {
    data.user[r] = intern(users, u);
    data.item[r] = intern(items, i);
    data.value[r] = v;
    if (data.time) data.time[r] = t!;
  });
  data.userIds = [...users.keys()];
  data.itemIds = [...items.keys()];
  data.items = data.itemIds.map((id) => ({ title: `Movie ${id} (1999)`, genres: ['Drama', `G${id}`] }));
  return data;
}

/**
 * A seeded synthetic dataset: `users` users with 8..40 interactions each over `items` items, item i drawn with
 * weight 1/(i+1) (Zipf-like), half-star ratings, timestamps with deliberate same-second ties.
 */
export function syntheticData(
  opts: {
    users?: number;
    items?: number;
    seed?: number;
    time?: boolean;
    kind?: 'explicit' | 'implicit';
  } = {},
): Interactions {
  const { users = 60, items = 300, seed = 7, time = true, kind = 'explicit' } = opts;
  const rng = new Rng(seed);
  const weights = Array.from({ length: items }, (_, i) => 1 / (i + 1));
  const cum: number[] = [];
  weights.reduce((s, w, i) => (cum[i] = s + w), 0);
  const total = cum[items - 1];
  const rows: Row[] = [];
  for (let u = 0; u < users; u++) {
    const count = 8 + rng.int(33);
    const seen = new Set<number>();
    let t = 1_000_000 + rng.int(1000);
    while (seen.size < count) {
      const x = rng.next() * total;
      const i = cum.findIndex((c) => c > x);
      if (seen.has(i)) continue;
      seen.add(i);
      if (rng.next() < 0.7) t += rng.int(500); // else: same second as the previous row
      const value = kind === 'explicit' ? (1 + rng.int(10)) / 2 : 1 + rng.int(1000);
      rows.push([String(u + 1), String(i + 1), value, time ? t : undefined]);
    }
  }
  // Shuffle rows so that file order is not time order.
  new Rng(seed + 1).shuffle(rows);
  return makeData(rows, { kind });
}

/** A task config with defaults filled in by the real schema, overridden by `task`. */
export function taskOf(task: Record<string, unknown>): TaskConfig {
  return parseConfig(JSON.stringify({ name: 't', dataset: { path: 'x' }, task }), 'test.ubp.json').task;
}
