// Builders of CaseResult fixtures for the scoring tests.
import type { CaseResult, Expected, Outcome, Prediction } from '../../../src/core/types';

export function result(
  fields: {
    caseId: string;
    user: string;
    expected: Expected;
    prediction?: Prediction;
    outcome?: Outcome;
    variant?: string;
    sample?: number;
    historyLength?: number;
    targetPopularity?: number;
  } & Partial<CaseResult>,
): CaseResult {
  const outcome = fields.outcome ?? (fields.prediction ? 'success' : 'invalid');
  const variant = fields.variant ?? 'm';
  return {
    model: variant,
    template: null,
    sample: 0,
    form: fields.expected.form,
    historyLength: 10,
    targetPopularity: 5,
    latencyMs: 100,
    finishedAt: '2026-11-30T00:00:00.000Z',
    ...fields,
    variant,
    outcome,
  };
}

export const near = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol;
