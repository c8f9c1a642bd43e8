// Item-item cosine similarity on sparse item vectors over users, computed on demand.
//
// Never a dense items x items matrix (ml-25m has 62k items: 31 GB in float64). For one item i, the dot products
// with every other item come from one pass over i's users and, for each, that user's items:
//   dot(i, j) = sum over users u who have both i and j of x_ui * x_uj
// which costs sum over u in users(i) of |items(u)|. The row is kept in a small LRU, because a case's true item
// tends to be popular, and popular items recur across cases.
//
// Two kinds of vectors:
//   'centred'     x_ui = v_ui - mean_u (adjusted cosine, Sarwar et al. 2001): whether u liked i more or less
//                 than u's usual. Used to predict a value (rating and binary forms).
//   'interaction' x_ui = 1 for explicit data (co-occurrence cosine), log(1 + plays) for implicit data: whether
//                 u interacted with i at all, which is what choice and ranking ask.
// The norms are over all of an item's users (not only the co-rated ones), which damps similarities resting
// on few common users.
import type { TrainingIndex } from './training';

export type SimilarityKind = 'centred' | 'interaction';

export class ItemSimilarity {
  private readonly norm: Float64Array;
  private readonly cache = new Map<number, Float64Array>();
  private spare: Float64Array | null = null;
  /** Rows computed (cache misses), for the benchmark and tests. */
  computed = 0;

  constructor(
    private readonly train: TrainingIndex,
    readonly kind: SimilarityKind,
    /** How many dot-product rows to keep (each is 8 bytes x items). */
    private readonly capacity: number,
  ) {
    const { ptr, idx, val } = train.byItem();
    this.norm = new Float64Array(train.nItems);
    for (let i = 0; i < train.nItems; i++) {
      let s = 0;
      for (let q = ptr[i]; q < ptr[i + 1]; q++) {
        const x = this.weight(val[q], idx[q]);
        s += x * x;
      }
      this.norm[i] = Math.sqrt(s);
    }
  }

  /** The vector entry x_ui for a training value v of user u. */
  private weight(v: number, u: number): number {
    if (this.kind === 'centred') return v - this.train.userMean(u);
    return this.train.implicit ? v : 1;
  }

  /** cos(i, j) = dot(i, j) / (|i| |j|); 0 when either vector is all zeros. */
  cosine(i: number, j: number): number {
    const d = this.norm[i] * this.norm[j];
    return d > 0 ? this.dotRow(i)[j] / d : 0;
  }

  /** The cosines of item i with each of `items`, written to `out`. */
  cosines(i: number, items: ArrayLike<number>, out: Float64Array): void {
    const row = this.dotRow(i);
    const ni = this.norm[i];
    for (let k = 0; k < items.length; k++) {
      const j = items[k];
      const d = ni * this.norm[j];
      out[k] = d > 0 ? row[j] / d : 0;
    }
  }

  /** dot(i, j) for every item j (dense over items, computed once and cached). */
  private dotRow(i: number): Float64Array {
    const hit = this.cache.get(i);
    if (hit) {
      this.cache.delete(i); // re-insert: Map order is the LRU order
      this.cache.set(i, hit);
      return hit;
    }
    const row = this.spare ?? new Float64Array(this.train.nItems);
    this.spare = null;
    row.fill(0);
    const byItem = this.train.byItem();
    const byUser = this.train.byUser();
    const centred = this.kind === 'centred';
    const binary = !centred && !this.train.implicit;
    for (let q = byItem.ptr[i]; q < byItem.ptr[i + 1]; q++) {
      const u = byItem.idx[q];
      const mu = centred ? this.train.userMean(u) : 0;
      const xi = binary ? 1 : byItem.val[q] - mu;
      if (xi === 0) continue;
      const end = byUser.ptr[u + 1];
      if (binary) {
        for (let p = byUser.ptr[u]; p < end; p++) row[byUser.idx[p]] += 1;
      } else {
        for (let p = byUser.ptr[u]; p < end; p++) row[byUser.idx[p]] += xi * (byUser.val[p] - mu);
      }
    }
    this.computed++;
    if (this.capacity > 0) {
      if (this.cache.size >= this.capacity) {
        const oldest = this.cache.keys().next().value as number;
        this.spare = this.cache.get(oldest) ?? null;
        this.cache.delete(oldest);
      }
      this.cache.set(i, row);
    } else {
      this.spare = row;
    }
    return row;
  }
}
