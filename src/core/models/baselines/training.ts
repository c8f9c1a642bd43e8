// The training side of a split, indexed once and shared by every baseline fitted on it.
//
// Only rows with trainMask[row] === 1 are ever read after construction: the held-out rows (the targets of the
// test cases) must not influence a prediction, or the baselines would be scored on answers they had seen.
// Values live in a "model space": ratings as they are (explicit data), log(1 + plays) for play counts
// (implicit data), whose heavy tail would otherwise let a few huge counts dominate means and similarities.
import type { Interactions, ValueScale } from '../../types';

/** Compressed sparse rows: the entries of row r are idx/val[ptr[r] .. ptr[r+1]). */
export interface Csr {
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

export class TrainingIndex {
  readonly implicit: boolean;
  readonly scale: ValueScale | null;
  readonly nUsers: number;
  readonly nItems: number;
  /** Number of training rows. */
  readonly nTrain: number;
  readonly userIndex: Map<string, number>;
  readonly itemIndex: Map<string, number>;
  /** Training rows per user / per item. */
  readonly userCount: Int32Array;
  readonly itemCount: Int32Array;
  /** Sums of model-space values per user / per item. */
  readonly userSum: Float64Array;
  readonly itemSum: Float64Array;
  /** Mean model-space value over all training rows. */
  readonly globalMean: number;
  /** Milliseconds spent building what has been built so far (stats now, the CSRs when first asked for). */
  buildMs: number;
  private csrByUser: Csr | null = null;
  private csrByItem: Csr | null = null;

  constructor(
    readonly data: Interactions,
    readonly trainMask: Uint8Array,
  ) {
    const t0 = performance.now();
    if (trainMask.length !== data.n) {
      throw new Error(
        `baselines: trainMask has ${trainMask.length} entries but the dataset has ${data.n} rows`,
      );
    }
    this.implicit = data.kind === 'implicit';
    this.scale = data.scale;
    this.nUsers = data.userIds.length;
    this.nItems = data.itemIds.length;
    this.userIndex = new Map(data.userIds.map((id, i) => [id, i]));
    this.itemIndex = new Map(data.itemIds.map((id, i) => [id, i]));
    this.userCount = new Int32Array(this.nUsers);
    this.itemCount = new Int32Array(this.nItems);
    this.userSum = new Float64Array(this.nUsers);
    this.itemSum = new Float64Array(this.nItems);
    const { user, item, value } = data;
    let n = 0;
    let sum = 0;
    for (let r = 0; r < data.n; r++) {
      if (trainMask[r] !== 1) continue;
      const v = this.toModel(value[r]);
      const u = user[r];
      const i = item[r];
      this.userCount[u]++;
      this.itemCount[i]++;
      this.userSum[u] += v;
      this.itemSum[i] += v;
      sum += v;
      n++;
    }
    if (n === 0)
      throw new Error(`baselines: the training mask selects no rows of ${data.name}: nothing to fit`);
    this.nTrain = n;
    this.globalMean = sum / n;
    this.buildMs = performance.now() - t0;
  }

  /** Rating -> model space (identity), or play count -> log(1 + plays). */
  toModel(v: number): number {
    return this.implicit ? Math.log1p(Math.max(0, v)) : v;
  }

  /** Model space -> the dataset's own unit. */
  fromModel(x: number): number {
    return this.implicit ? Math.expm1(Math.max(0, x)) : x;
  }

  /** The user's mean model-space value; the global mean for a user with no training rows. */
  userMean(u: number): number {
    return u >= 0 && this.userCount[u] > 0 ? this.userSum[u] / this.userCount[u] : this.globalMean;
  }

  /** Training rows grouped by user: item indices and model-space values, in row order. */
  byUser(): Csr {
    this.csrByUser ??= this.buildCsr(this.data.user, this.data.item, this.userCount);
    return this.csrByUser;
  }

  /** Training rows grouped by item: user indices and model-space values, in row order. */
  byItem(): Csr {
    this.csrByItem ??= this.buildCsr(this.data.item, this.data.user, this.itemCount);
    return this.csrByItem;
  }

  /** Counting sort of the training rows by `key` into CSR arrays (two passes over the rows, O(n)). */
  private buildCsr(key: Int32Array, other: Int32Array, counts: Int32Array): Csr {
    const t0 = performance.now();
    const ptr = new Int32Array(counts.length + 1);
    for (let k = 0; k < counts.length; k++) ptr[k + 1] = ptr[k] + counts[k];
    const idx = new Int32Array(this.nTrain);
    const val = new Float64Array(this.nTrain);
    const next = ptr.slice(0, counts.length);
    const { value } = this.data;
    const mask = this.trainMask;
    for (let r = 0; r < this.data.n; r++) {
      if (mask[r] !== 1) continue;
      const at = next[key[r]]++;
      idx[at] = other[r];
      val[at] = this.toModel(value[r]);
    }
    this.buildMs += performance.now() - t0;
    return { ptr, idx, val };
  }
}
