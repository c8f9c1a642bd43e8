// Built-in baselines (random, popularity, user-mean, item-mean, item-knn, mf) as Predictors.
export {
  BASELINE_NAMES,
  baselinesForForm,
  createBaseline,
  fitBaselines,
  isBaselineName,
  rankCandidates,
  type BaselineOptions,
  type BaselinePredictor,
  type BaselineTask,
} from './baselines';
export type { MfOptions } from './mf';
// BaselineName is exported by config.ts (the eval config owns the list of names).
