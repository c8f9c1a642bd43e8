// The six baselines as scoring models over dense indices. Each answers three questions for a case:
//   value(ctx, i)   the predicted value of item i for the case's user, in model space (rating, or
//                   log(1 + plays) for implicit data): drives the rating and binary forms;
//   scores(ctx, is) one score per candidate, higher = more likely the user's item: choice and ranking;
//   binary(ctx, i)  optional: a model without a notion of value (popularity) says like/dislike itself.
// predictor.ts turns these into Predictions; see docs/baselines.md for the formulas.
import { hashUnit } from './hash';
import { fitMf, predictMf, type MfModel, type MfOptions } from './mf';
import { ItemSimilarity } from './similarity';
import type { TrainingIndex } from './training';

/** One case, in dense indices. */
export interface CaseContext {
  id: string;
  /** Dense user index, -1 if the user is not in the dataset. */
  user: number;
  sample: number;
  seed: number;
  /** The case's shown history (dense item index, -1 if unknown; raw value), used only for unknown users. */
  history: () => { items: Int32Array; values: Float64Array };
}

export interface BinaryAnswer {
  like: boolean;
  probability: number;
}

export interface BaselineModel {
  value(ctx: CaseContext, item: number): number;
  scores(ctx: CaseContext, items: Int32Array): Float64Array;
  binary?(ctx: CaseContext, item: number): BinaryAnswer;
}

/** Uniform draws for the random baseline: a function of (seed, case id, sample) only. */
export class RandomModel implements BaselineModel {
  private range: [number, number] | null = null;

  constructor(private readonly train: TrainingIndex) {}

  value(ctx: CaseContext): number {
    const x = hashUnit(ctx.seed, 'value', ctx.id, String(ctx.sample));
    const scale = this.train.scale;
    if (scale && !this.train.implicit) {
      if (scale.step > 0) {
        const steps = Math.round((scale.max - scale.min) / scale.step) + 1;
        return scale.min + Math.min(steps - 1, Math.floor(x * steps)) * scale.step;
      }
      return scale.min + x * (scale.max - scale.min);
    }
    const [lo, hi] = this.trainRange();
    return lo + x * (hi - lo);
  }

  /** Every candidate scores 0: the seeded tie-break (a hash of seed, case and item) is the random order. */
  scores(_ctx: CaseContext, items: Int32Array): Float64Array {
    return new Float64Array(items.length);
  }

  binary(ctx: CaseContext): BinaryAnswer {
    const x = hashUnit(ctx.seed, 'binary', ctx.id, String(ctx.sample));
    return { like: x >= 0.5, probability: x };
  }

  /** Smallest and largest training value in model space (for data without a scale). */
  private trainRange(): [number, number] {
    if (!this.range) {
      let lo = Infinity;
      let hi = -Infinity;
      const { data, trainMask } = this.train;
      for (let r = 0; r < data.n; r++) {
        if (trainMask[r] !== 1) continue;
        const v = this.train.toModel(data.value[r]);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.range = [lo, hi];
    }
    return this.range;
  }
}

/**
 * Popularity: score = number of training interactions of the item. It has no notion of a user's value, so
 * the rating form gets the global training mean, and the binary form a rank-based probability: the share of
 * training interactions that fall on less popular items (ties count half), liked when that share is at least
 * 1 - (the training share of likes), so that it predicts about as many likes as the training data holds.
 */
export class PopularityModel implements BaselineModel {
  private readonly percentile: Float64Array;

  constructor(
    private readonly train: TrainingIndex,
    private readonly likeRate: number,
  ) {
    const { itemCount, nItems, nTrain } = train;
    const order = Array.from({ length: nItems }, (_, i) => i).sort((a, b) => itemCount[a] - itemCount[b]);
    this.percentile = new Float64Array(nItems);
    let below = 0;
    for (let k = 0; k < nItems;) {
      const c = itemCount[order[k]];
      let end = k;
      let tied = 0;
      while (end < nItems && itemCount[order[end]] === c) tied += itemCount[order[end++]];
      for (let m = k; m < end; m++) this.percentile[order[m]] = (below + tied / 2) / nTrain;
      below += tied;
      k = end;
    }
  }

  value(): number {
    return this.train.globalMean;
  }

  scores(_ctx: CaseContext, items: Int32Array): Float64Array {
    return Float64Array.from(items, (i) => (i >= 0 ? this.train.itemCount[i] : 0));
  }

  binary(_ctx: CaseContext, item: number): BinaryAnswer {
    const p = item >= 0 ? this.percentile[item] : 0;
    return { like: p >= 1 - this.likeRate, probability: p };
  }
}

/**
 * Recency: the newest release first (the release year a title carries; items without one last). Not personal at
 * all: it shows how far the release-year cue alone goes in choice and ranking (issue 12: always picking the
 * newest scores well above chance on 5-way choice).
 */
export class RecencyModel implements BaselineModel {
  private readonly year: Float64Array;

  constructor(private readonly train: TrainingIndex) {
    this.year = Float64Array.from(train.data.items, (it) => it.year ?? -Infinity);
  }

  value(): number {
    return this.train.globalMean;
  }

  scores(_ctx: CaseContext, items: Int32Array): Float64Array {
    return Float64Array.from(items, (i) => (i >= 0 ? this.year[i]! : -Infinity));
  }
}

/** Majority: the more common training label for every case (binary), with the training like share as p. */
export class MajorityModel implements BaselineModel {
  constructor(
    private readonly train: TrainingIndex,
    private readonly likeRate: number,
  ) {}

  value(): number {
    return this.train.globalMean;
  }

  scores(_ctx: CaseContext, items: Int32Array): Float64Array {
    return new Float64Array(items.length);
  }

  binary(): BinaryAnswer {
    return { like: this.likeRate >= 0.5, probability: this.likeRate };
  }
}

/** The user's mean training value (the global mean for a user without training rows). */
export class UserMeanModel implements BaselineModel {
  constructor(private readonly train: TrainingIndex) {}

  value(ctx: CaseContext): number {
    return this.train.userMean(ctx.user);
  }

  /** The same score for every candidate: only the seeded tie-break orders them (not offered for ranking). */
  scores(ctx: CaseContext, items: Int32Array): Float64Array {
    return new Float64Array(items.length).fill(this.value(ctx));
  }
}

/** The item's mean training value shrunk toward the global mean: (sum_i + lambda mu) / (n_i + lambda). */
export class ItemMeanModel implements BaselineModel {
  constructor(
    private readonly train: TrainingIndex,
    private readonly shrinkage: number,
  ) {}

  value(_ctx: CaseContext, item: number): number {
    const t = this.train;
    if (item < 0) return t.globalMean;
    return (t.itemSum[item] + this.shrinkage * t.globalMean) / (t.itemCount[item] + this.shrinkage);
  }

  scores(ctx: CaseContext, items: Int32Array): Float64Array {
    return Float64Array.from(items, (i) => this.value(ctx, i));
  }
}

/**
 * Item-kNN over the user's training items (the case's shown history for a user without training rows).
 *   value:  v̂_ui = m_u + sum_{j in N_k(i;u)} s_ij (v_uj - m_u) / sum_{j in N_k(i;u)} s_ij
 *           with s = centred cosine and N_k(i;u) the k items of u most similar to i with s > 0; m_u when none.
 *   score:  sum over the user's items j of the interaction cosine s_ij.
 */
export class ItemKnnModel implements BaselineModel {
  private centred: ItemSimilarity | null = null;
  private interaction: ItemSimilarity | null = null;
  private buf = new Float64Array(256);

  constructor(
    private readonly train: TrainingIndex,
    private readonly k: number,
    private readonly cacheRows: number,
  ) {
    train.byUser();
    train.byItem();
  }

  /** Builds the similarity norms for the forms to come (else they are built on first use). */
  prepare(kind: 'centred' | 'interaction'): void {
    this.similarity(kind);
  }

  similarity(kind: 'centred' | 'interaction'): ItemSimilarity {
    if (kind === 'centred') return (this.centred ??= new ItemSimilarity(this.train, kind, this.cacheRows));
    return (this.interaction ??= new ItemSimilarity(this.train, kind, this.cacheRows));
  }

  private profile(ctx: CaseContext): { items: Int32Array; values: Float64Array } {
    const t = this.train;
    if (ctx.user >= 0 && t.userCount[ctx.user] > 0) {
      const { ptr, idx, val } = t.byUser();
      return {
        items: idx.subarray(ptr[ctx.user], ptr[ctx.user + 1]),
        values: val.subarray(ptr[ctx.user], ptr[ctx.user + 1]),
      };
    }
    const h = ctx.history();
    const keep: number[] = [];
    for (let k = 0; k < h.items.length; k++) if (h.items[k] >= 0) keep.push(k);
    return {
      items: Int32Array.from(keep, (k) => h.items[k]),
      values: Float64Array.from(keep, (k) => t.toModel(h.values[k])),
    };
  }

  private sims(kind: 'centred' | 'interaction', item: number, items: Int32Array): Float64Array {
    if (this.buf.length < items.length) this.buf = new Float64Array(items.length * 2);
    const out = this.buf.subarray(0, items.length);
    this.similarity(kind).cosines(item, items, out);
    return out;
  }

  value(ctx: CaseContext, item: number): number {
    const prof = this.profile(ctx);
    let mean = this.train.globalMean;
    if (prof.values.length > 0) {
      let s = 0;
      for (let k = 0; k < prof.values.length; k++) s += prof.values[k];
      mean = s / prof.values.length;
    }
    if (item < 0 || prof.items.length === 0) return mean;
    const sims = this.sims('centred', item, prof.items);
    const cand: number[] = [];
    for (let k = 0; k < sims.length; k++) if (sims[k] > 0 && prof.items[k] !== item) cand.push(k);
    if (cand.length === 0) return mean;
    // The k most similar; equal similarities keep profile (row) order, which is deterministic.
    cand.sort((a, b) => sims[b] - sims[a] || a - b);
    let num = 0;
    let den = 0;
    for (let m = 0; m < Math.min(this.k, cand.length); m++) {
      const k = cand[m];
      num += sims[k] * (prof.values[k] - mean);
      den += sims[k];
    }
    return mean + num / den;
  }

  scores(ctx: CaseContext, items: Int32Array): Float64Array {
    const prof = this.profile(ctx);
    const out = new Float64Array(items.length);
    if (prof.items.length === 0) return out;
    for (let c = 0; c < items.length; c++) {
      if (items[c] < 0) continue;
      const sims = this.sims('interaction', items[c], prof.items);
      let s = 0;
      for (let k = 0; k < sims.length; k++) if (prof.items[k] !== items[c]) s += sims[k];
      out[c] = s;
    }
    return out;
  }
}

/** Matrix factorisation (mf.ts): biased MF for values, BPR for choice and ranking. */
export class MfBaselineModel implements BaselineModel {
  readonly model: MfModel;

  constructor(
    private readonly train: TrainingIndex,
    objective: 'value' | 'interaction',
    seed: number,
    opts: MfOptions,
  ) {
    this.model = fitMf(train, objective, seed, opts);
  }

  value(ctx: CaseContext, item: number): number {
    // A ranking-fitted model has no values: answer the global mean rather than a meaningless score.
    if (this.model.objective !== 'value') return this.train.globalMean;
    return predictMf(this.model, ctx.user, item);
  }

  scores(ctx: CaseContext, items: Int32Array): Float64Array {
    return Float64Array.from(items, (i) => (i >= 0 ? predictMf(this.model, ctx.user, i) : -Infinity));
  }
}
