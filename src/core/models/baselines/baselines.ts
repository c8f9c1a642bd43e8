// The built-in baselines as Predictors: fitted once on the training rows of a split, then answering test
// cases of any form deterministically (see docs/baselines.md).
import type {
  Interactions,
  PredictRequest,
  PredictResponse,
  Prediction,
  Predictor,
  TaskForm,
  TestCase,
  ValueScale,
} from '../../types';
import { BASELINES, type BaselineName } from '../../config';
import { getForm } from '../../forms';
import { hashParts } from './hash';
import type { MfOptions } from './mf';
import {
  ItemKnnModel,
  ItemMeanModel,
  MajorityModel,
  RecencyModel,
  MfBaselineModel,
  PopularityModel,
  RandomModel,
  UserMeanModel,
  type BaselineModel,
  type BinaryAnswer,
  type CaseContext,
} from './models';
import { TrainingIndex } from './training';

/** The baseline names, as the eval config spells them (config.ts owns the list). */
export const BASELINE_NAMES: readonly BaselineName[] = BASELINES;

export function isBaselineName(name: string): name is BaselineName {
  return (BASELINE_NAMES as readonly string[]).includes(name);
}

export interface BaselineOptions {
  /** Seeds the random baseline, tie-breaks and MF's initialisation and row order. */
  seed: number;
  /** The task form the baselines are fitted for: picks MF's objective (BPR for choice and ranking). */
  form?: TaskForm;
  /** Explicit data, binary form: liked when the rating is >= this (default 4). */
  likeThreshold?: number;
  /** Implicit data, binary form: liked when among the user's top share by play count (default 0.2). */
  topShare?: number;
  /** The rating scale predictions are clipped to (default: the dataset's). */
  scale?: ValueScale | null;
  /** item-mean: pseudo-count of global-mean ratings each item mean is shrunk with (default 10). */
  itemMeanShrinkage?: number;
  /** item-knn: neighbours used for a value prediction (default 20). */
  neighbours?: number;
  /** item-knn: similarity rows kept per kind (default 256; each row is 8 bytes x items). */
  similarityCacheRows?: number;
  mf?: MfOptions;
}

/** The task options fitBaselines needs (the names of the eval config's `task` fields). */
export interface BaselineTask {
  form: TaskForm;
  seed: number;
  likeThreshold?: number;
  topShare?: number;
}

export interface BaselinePredictor extends Predictor {
  readonly kind: 'baseline';
  readonly name: BaselineName;
  /** Milliseconds the fit took (including the part of the shared training index it had to build). */
  readonly fitMs: number;
}

/**
 * Which baselines make sense for a form: the config's default list (config.ts). user-mean gives every
 * candidate of a case the same score, so it is left out of choice and ranking; popularity has no notion of a
 * star value, so it is left out of rating (asked anyway, it answers the global training mean).
 */
export function baselinesForForm(form: TaskForm): BaselineName[] {
  return [...getForm(form).baselines];
}

/** Fits one baseline on the rows of `data` where trainMask is 1. */
export function createBaseline(
  name: BaselineName,
  data: Interactions,
  trainMask: Uint8Array,
  options: BaselineOptions,
): BaselinePredictor {
  const t0 = performance.now();
  const train = new TrainingIndex(data, trainMask);
  return fitOn(name, train, options, t0);
}

/**
 * Fits several baselines for one task, sharing the training index (id maps, per-user and per-item sums, the
 * CSR arrays) between them. Unknown names get an error listing the known ones.
 */
export function fitBaselines(
  names: readonly string[],
  data: Interactions,
  trainMask: Uint8Array,
  task: BaselineTask,
  extra: Partial<BaselineOptions> = {},
): BaselinePredictor[] {
  const bad = names.filter((n) => !isBaselineName(n));
  if (bad.length) {
    throw new Error(
      `unknown baseline ${bad.map((b) => `"${b}"`).join(', ')}; known: ${BASELINE_NAMES.join(', ')}`,
    );
  }
  const t0 = performance.now();
  const train = new TrainingIndex(data, trainMask);
  const options: BaselineOptions = { ...extra, seed: task.seed, form: task.form };
  if (task.likeThreshold !== undefined) options.likeThreshold = task.likeThreshold;
  if (task.topShare !== undefined) options.topShare = task.topShare;
  return (names as BaselineName[]).map((name, k) =>
    fitOn(name, train, options, k === 0 ? t0 : performance.now()),
  );
}

function fitOn(
  name: BaselineName,
  train: TrainingIndex,
  options: BaselineOptions,
  t0: number,
): BaselinePredictor {
  const likeThreshold = options.likeThreshold ?? 4;
  const topShare = options.topShare ?? 0.2;
  if (!(topShare > 0 && topShare <= 1))
    throw new Error(`baselines: topShare must be in (0, 1], got ${topShare}`);
  let model: BaselineModel;
  switch (name) {
    case 'random':
      model = new RandomModel(train);
      break;
    case 'popularity':
      model = new PopularityModel(train, train.implicit ? topShare : likeShare(train, likeThreshold));
      break;
    case 'user-mean':
      model = new UserMeanModel(train);
      break;
    case 'recency':
      model = new RecencyModel(train);
      break;
    case 'majority':
      model = new MajorityModel(train, train.implicit ? topShare : likeShare(train, likeThreshold));
      break;
    case 'item-mean':
      model = new ItemMeanModel(train, options.itemMeanShrinkage ?? 10);
      break;
    case 'item-knn': {
      const knn = new ItemKnnModel(train, options.neighbours ?? 20, options.similarityCacheRows ?? 256);
      if (options.form)
        knn.prepare(getForm(options.form).baselineObjective === 'interaction' ? 'interaction' : 'centred');
      model = knn;
      break;
    }
    case 'mf': {
      const objective =
        options.form && getForm(options.form).baselineObjective === 'interaction' ? 'interaction' : 'value';
      model = new MfBaselineModel(train, objective, options.seed, options.mf ?? {});
      break;
    }
    default:
      throw new Error(`unknown baseline "${String(name)}"; known: ${BASELINE_NAMES.join(', ')}`);
  }
  const fitMs = performance.now() - t0;
  return new Baseline(name, train, model, options, likeThreshold, topShare, fitMs);
}

/** The training share of likes (explicit data): rows with a rating >= the threshold. */
function likeShare(train: TrainingIndex, threshold: number): number {
  const { data, trainMask } = train;
  let likes = 0;
  for (let r = 0; r < data.n; r++) if (trainMask[r] === 1 && data.value[r] >= threshold) likes++;
  return likes / train.nTrain;
}

class Baseline implements BaselinePredictor {
  readonly kind = 'baseline' as const;
  readonly id: string;
  private readonly scale: ValueScale | null;
  private readonly userThreshold = new Map<number, number>();

  constructor(
    readonly name: BaselineName,
    private readonly train: TrainingIndex,
    /** The fitted model (exposed for tests and the benchmark). */
    readonly model: BaselineModel,
    private readonly options: BaselineOptions,
    private readonly likeThreshold: number,
    private readonly topShare: number,
    readonly fitMs: number,
  ) {
    this.id = `baseline:${name}`;
    this.scale = options.scale !== undefined ? options.scale : train.scale;
  }

  async predict(request: PredictRequest): Promise<PredictResponse> {
    request.signal?.throwIfAborted();
    const prediction = this.answer(request.testCase, request.sample);
    return { raw: JSON.stringify(prediction), prediction };
  }

  /** The prediction for one case (synchronous; predict() wraps it). */
  answer(tc: TestCase, sample = 0): Prediction {
    const ctx: CaseContext = {
      id: tc.id,
      user: this.train.userIndex.get(tc.user) ?? -1,
      sample,
      seed: this.options.seed,
      history: () => ({
        items: Int32Array.from(tc.history, (h) => this.train.itemIndex.get(h.item) ?? -1),
        values: Float64Array.from(tc.history, (h) => h.value),
      }),
    };
    const item = (id: string) => this.train.itemIndex.get(id) ?? -1;
    // The form takes what it needs; each answer is computed only when asked for.
    const form = getForm(tc.form);
    if (!form.baselinePrediction)
      throw new Error(`the ${form.id} form has no baseline answers (baseline:${this.name} cannot answer it)`);
    return form.baselinePrediction(tc, {
      value: () => this.toOutput(this.model.value(ctx, item(tc.target.item))),
      like: () => this.binary(ctx, item(tc.target.item)),
      order: () => {
        const candidates = tc.candidates ?? [];
        if (candidates.length === 0) throw new Error(`case ${tc.id}: a ${tc.form} case without candidates`);
        const scores = this.model.scores(
          ctx,
          Int32Array.from(candidates, (c) => item(c.item)),
        );
        return rankCandidates(candidates, scores, this.options.seed, tc.id, sample).map(
          (k) => candidates[k].label,
        );
      },
    });
  }

  /** Model space -> the dataset's unit, clipped to the scale. */
  private toOutput(x: number): number {
    let v = this.train.fromModel(x);
    if (this.scale && !this.train.implicit) v = Math.min(this.scale.max, Math.max(this.scale.min, v));
    return v;
  }

  /**
   * Like when the predicted value clears the threshold; probability = logistic(margin / temperature).
   * Explicit: threshold = likeThreshold - step/2 (a prediction of 3.8 is nearer a 4 than a 3.5), temperature
   * one step. Implicit: threshold = the user's top-share cut in log(1 + plays), temperature 0.5.
   */
  private binary(ctx: CaseContext, item: number): BinaryAnswer {
    if (this.model.binary) return this.model.binary(ctx, item);
    const v = this.model.value(ctx, item);
    let threshold: number;
    let temperature: number;
    if (this.train.implicit) {
      threshold = this.topShareCut(ctx.user);
      temperature = 0.5;
    } else {
      const step = this.scale && this.scale.step > 0 ? this.scale.step : 0;
      threshold = this.likeThreshold - step / 2;
      temperature = step > 0 ? step : this.scale ? (this.scale.max - this.scale.min) / 10 : 1;
    }
    const margin = v - threshold;
    return { like: margin >= 0, probability: 1 / (1 + Math.exp(-margin / temperature)) };
  }

  /**
   * The smallest model-space value among the user's top share of training items (ceil(share x n) items);
   * over all training rows for a user without any.
   */
  private topShareCut(u: number): number {
    const known = this.userThreshold.get(u);
    if (known !== undefined) return known;
    let values: Float64Array;
    if (u >= 0 && this.train.userCount[u] > 0) {
      const { ptr, val } = this.train.byUser();
      values = val.slice(ptr[u], ptr[u + 1]);
    } else {
      const { data, trainMask } = this.train;
      values = new Float64Array(this.train.nTrain);
      for (let r = 0, k = 0; r < data.n; r++)
        if (trainMask[r] === 1) values[k++] = this.train.toModel(data.value[r]);
    }
    values.sort();
    const cut = values[values.length - Math.max(1, Math.ceil(this.topShare * values.length - 1e-9))];
    this.userThreshold.set(u, cut);
    return cut;
  }
}

/**
 * Candidate positions ordered by score, highest first. Equal scores are ordered by a hash of (seed, case id,
 * item id): never by label or position, which would carry the true item's position into the answer.
 */
export function rankCandidates(
  candidates: readonly { item: string }[],
  scores: Float64Array,
  seed: number,
  caseId: string,
  sample = 0,
): number[] {
  const tie = candidates.map((c) =>
    sample === 0 ? hashParts(seed, caseId, c.item) : hashParts(seed, caseId, c.item, String(sample)),
  );
  const key = (k: number) => (Number.isNaN(scores[k]) ? -Infinity : scores[k]);
  return candidates
    .map((_, k) => k)
    .sort(
      (a, b) =>
        key(b) - key(a) ||
        tie[a] - tie[b] ||
        (candidates[a].item < candidates[b].item ? -1 : candidates[a].item > candidates[b].item ? 1 : 0),
    );
}
