// Scoring: per-case metrics, aggregation with bootstrap intervals, paired comparisons, breakdowns, reports.
export * from './caseScore';
export * from './parse';
export * from './bootstrap';
export * from './metrics';
export * from './aggregate';
export * from './columns';
export { aucMannWhitney, mcnemar, chiSquareTest, type McNemarResult } from './stats';
export { seededRandom } from './random';
export * from './compare';
export { PairTables, pairRunOf, mergeCases, type PairRun, type MergedCases } from './pairing';
export * from './protocol';
export * from './breakdown';
export * from './report';
export * from './render';
export * from './export';
export * from './load';
export * from './table';
export * from './memorisation';
