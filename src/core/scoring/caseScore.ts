// Per-case metric values: one case, one answer (or none), scored against the expected answer by the case's form
// (src/core/forms/<form>.ts documents its keys). Aggregation (aggregate.ts) averages these over cases; the
// runner stores them in each CaseResult.score.
import { getForm, type FormScoreContext } from '../forms';
import type { Expected, Prediction } from '../types';

export { labelIndex, ndcgAt, rankingCutoffs, scaleMidpoint, STANDARD_CUTOFFS } from '../forms';

export type CaseScoreOptions = FormScoreContext;

/**
 * Scores one case. `prediction` is undefined when the answer was invalid or the request failed: the form scores
 * such a case as a wrong answer (docs/scoring.md). A prediction of another form counts as missing.
 */
export function scoreCase(
  expected: Expected,
  prediction: Prediction | undefined,
  opts: CaseScoreOptions,
): Record<string, number> {
  const pred = prediction && prediction.form === expected.form ? prediction : undefined;
  return getForm(expected.form).score(expected, pred, opts);
}
