// Test cases from behaviour data: splits, user sampling, negatives, the four task forms, the knowledge probe.
export {
  buildCases,
  caseToJson,
  candidateLabel,
  resolveCutoff,
  resolveSplit,
  tieOrderedRows,
  CASES_VERSION,
  DEFAULT_CUTOFF,
  TaskError,
} from './build';
export type { BuildOptions, BuiltCases, SplitKind } from './build';
export { buildUserIndex, userRows, itemCounts } from './user-index';
export type { UserIndex } from './user-index';
export { NegativeSampler } from './negatives';
export type { NegativeRule } from './negatives';
export { opaqueItemNames } from './probe';
export { Rng, deriveSeed, hashString } from './random';
