// Scoring: per-case metrics, aggregation with bootstrap intervals, paired comparisons, breakdowns, reports.
export * from './caseScore';
export * from './parse';
