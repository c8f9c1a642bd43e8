// A per-user index over the rows of an Interactions: CSR (offsets + row ids), each user's rows in time order
// with the file order breaking ties (many MovieLens users rate several items in the same second, their latest
// included, so "the latest item" must not depend on the sort algorithm). Without timestamps: file order.
import type { Interactions } from '../types';

export interface UserIndex {
  /** Number of users (= data.userIds.length). */
  users: number;
  /** Rows of user u are rows[offsets[u]] .. rows[offsets[u + 1] - 1]; offsets has users + 1 entries. */
  offsets: Int32Array;
  /** Row ids grouped by user, each group ordered by (time, row). */
  rows: Int32Array;
}

export function buildUserIndex(data: Interactions): UserIndex {
  const users = data.userIds.length;
  const offsets = new Int32Array(users + 1);
  for (let r = 0; r < data.n; r++) offsets[data.user[r] + 1]++;
  for (let u = 0; u < users; u++) offsets[u + 1] += offsets[u];
  // Counting sort by user: stable, so each group starts in file order.
  const fill = offsets.slice(0, users);
  const rows = new Int32Array(data.n);
  for (let r = 0; r < data.n; r++) rows[fill[data.user[r]]++] = r;
  const time = data.time;
  if (time) {
    const byTime = (a: number, b: number) => time[a] - time[b] || a - b;
    for (let u = 0; u < users; u++) {
      const from = offsets[u];
      const to = offsets[u + 1];
      let sorted = true;
      for (let i = from + 1; i < to && sorted; i++) sorted = time[rows[i - 1]] <= time[rows[i]];
      if (!sorted) rows.subarray(from, to).sort(byTime);
    }
  }
  return { users, offsets, rows };
}

/** The rows of user u, oldest first (a view, not a copy). */
export function userRows(index: UserIndex, u: number): Int32Array {
  return index.rows.subarray(index.offsets[u], index.offsets[u + 1]);
}

/** Interactions per item over the rows whose mask is 1 (all rows without a mask). */
export function itemCounts(data: Interactions, mask?: Uint8Array): Int32Array {
  const counts = new Int32Array(data.itemIds.length);
  for (let r = 0; r < data.n; r++) if (!mask || mask[r]) counts[data.item[r]]++;
  return counts;
}
