// Step: from what a predictor returned (or threw) to one results line. Pure functions: the answer is parsed with
// the provider's finish reason and reasoning-only flag in the parser's context, errors get a stable reason code
// and a fatal flag (the runner stops a model on it), and the line is scored.
import { scoreCase } from '../scoring/caseScore';
import { parseAnswer, type ParseContext } from '../scoring/parse';
import type {
  CaseResult,
  ChatMessage,
  Outcome,
  Prediction,
  PredictResponse,
  ReasonCode,
  TestCase,
  TokenUsage,
  ValueScale,
} from '../types';

export interface Interpreted {
  outcome: Outcome;
  reason?: string;
  reasonCode?: ReasonCode;
  prediction?: Prediction;
  finishReason?: string;
}

/** An answer, parsed for the case's form (a baseline's ready prediction is checked against the form). */
export function interpretResponse(
  resp: PredictResponse,
  tc: TestCase,
  scale: ValueScale | null,
): Interpreted {
  const base: Pick<Interpreted, 'finishReason'> = resp.finishReason
    ? { finishReason: resp.finishReason }
    : {};
  if (resp.prediction) {
    return resp.prediction.form === tc.form
      ? { ...base, outcome: 'success', prediction: resp.prediction }
      : {
          ...base,
          outcome: 'invalid',
          reason: `predictor answered the ${resp.prediction.form} form for a ${tc.form} case`,
        };
  }
  // The parser decides what a cut or reasoning-only reply means (scoring/parse.ts); the runner only passes them.
  const ctx: ParseContext = {
    scale,
    labels: tc.candidates?.map((c) => c.label),
    // A candidate's title alone (as the model saw it) names its label.
    titles: tc.candidates?.map((c) => c.title),
  };
  if (resp.finishReason !== undefined) ctx.finishReason = resp.finishReason;
  if (resp.reasoningOnly !== undefined) ctx.reasoningOnly = resp.reasoningOnly;
  const parsed = parseAnswer(resp.raw, tc.form, ctx);
  if (parsed.ok) return { ...base, outcome: 'success', prediction: parsed.prediction };
  return { ...base, outcome: 'invalid', reason: parsed.reason, reasonCode: parsed.reasonCode };
}

export interface InterpretedError {
  reason: string;
  reasonCode: ReasonCode;
  /** No other case of this model can succeed (PredictorError.fatal, or an error that says so). */
  fatal: boolean;
  attempts?: number;
}

/** A thrown request error: its storable reason, code and whether it stops the model. */
export function interpretError(e: unknown): InterpretedError {
  const err = e as { status?: unknown; kind?: unknown; fatal?: unknown; attempts?: unknown };
  const status = typeof err?.status === 'number' ? err.status : undefined;
  let reason: string;
  if (e instanceof Error) {
    reason =
      status !== undefined && !e.message.includes(String(status)) ? `${status} ${e.message}` : e.message;
  } else reason = String(e);
  const kind = typeof err?.kind === 'string' ? err.kind : undefined;
  const reasonCode: ReasonCode =
    kind === 'http' && status !== undefined
      ? `http-${status}`
      : kind === 'network' ||
          kind === 'timeout' ||
          kind === 'aborted' ||
          kind === 'bad-response' ||
          kind === 'batch-error'
        ? kind
        : kind === 'config' || kind === 'origin'
          ? 'fatal'
          : status !== undefined
            ? `http-${status}`
            : 'network';
  const out: InterpretedError = { reason, reasonCode, fatal: err?.fatal === true };
  if (typeof err?.attempts === 'number') out.attempts = err.attempts;
  return out;
}

/** The per-case metric values, or why scoring failed (a scoring bug must not lose the answer). */
export function scoreOf(
  tc: TestCase,
  prediction: Prediction | undefined,
  scoring: { scale: ValueScale | null; k: number; candidates?: number },
): { score?: Record<string, number>; error?: string } {
  try {
    return {
      score: scoreCase(tc.expected, prediction, {
        scale: scoring.scale,
        k: scoring.k,
        candidates: scoring.candidates ?? tc.candidates?.length,
      }),
    };
  } catch (e) {
    return { error: `scoring failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export interface ResultParts extends Interpreted {
  messages?: ChatMessage[];
  raw?: string;
  score?: Record<string, number>;
  usage?: TokenUsage;
  costUsd?: number;
  cached?: boolean;
  attempts?: number;
  latencyMs: number;
}

/** One results line (fields in a stable order; absent values are left out). */
export function buildResult(
  tc: TestCase,
  v: { id: string; model: string; template: string | null },
  sample: number,
  p: ResultParts,
): CaseResult {
  const result: CaseResult = {
    caseId: tc.id,
    variant: v.id,
    model: v.model,
    template: v.template,
    sample,
    user: tc.user,
    form: tc.form,
    outcome: p.outcome,
    expected: tc.expected,
    target: tc.target,
    historyLength: tc.historyLength,
    targetPopularity: tc.targetPopularity,
    latencyMs: Math.round(p.latencyMs * 1000) / 1000,
    finishedAt: new Date().toISOString(),
  };
  if (p.reason !== undefined) result.reason = p.reason;
  if (p.reasonCode !== undefined) result.reasonCode = p.reasonCode;
  if (p.finishReason !== undefined) result.finishReason = p.finishReason;
  if (p.messages) result.messages = p.messages;
  if (p.raw !== undefined) result.raw = p.raw;
  if (p.prediction) result.prediction = p.prediction;
  if (p.score) result.score = p.score;
  if (p.usage) result.usage = p.usage;
  if (p.costUsd !== undefined) result.costUsd = p.costUsd;
  if (p.cached !== undefined) result.cached = p.cached;
  if (p.attempts !== undefined) result.attempts = p.attempts;
  return result;
}

/** The line of a unit never sent because its model was stopped: an error a resume asks again. */
export function notSentResult(
  tc: TestCase,
  v: { id: string; model: string; template: string | null },
  sample: number,
  stoppedBecause: string,
): CaseResult {
  return buildResult(tc, v, sample, {
    outcome: 'error',
    reason: `not sent: ${v.model} was stopped after a fatal error (${stoppedBecause})`,
    reasonCode: 'fatal',
    attempts: 0,
    latencyMs: 0,
  });
}
