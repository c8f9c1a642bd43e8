// Step: the cost estimate of what a run still has to send. Only units without a final line count (a resume
// estimates what is left); reasoning models get completion tokens reserved for their hidden reasoning, since
// they are billed for it and an estimate of ~8 tokens per answer would be wrong by orders of magnitude.
import { caseIdAt } from '../tasks/caseList';
import type { CaseList, Outcome } from '../types';
import { readResults } from './results';
import { unitKey } from './store';

/**
 * Reasoning model families by name, on any endpoint and behind a vendor prefix ("openai/gpt-5-mini"). A local
 * copy of the providers' rule (models/openai.ts `isReasoningModel`, kept equal by a unit test): importing that
 * module would load the openai package for every run, baselines-only ones included.
 */
export function isReasoningModelName(model: string): boolean {
  return /^(?:[\w.-]+\/)?(o\d|gpt-5)/i.test(model) && !/^(?:[\w.-]+\/)?gpt-5[\w.-]*-chat/i.test(model);
}

/** Completion tokens reserved per answer for reasoning, by `reasoning_effort` (default medium). */
export const REASONING_RESERVE: Readonly<Record<string, number>> = {
  minimal: 256,
  low: 1024,
  medium: 2048,
  high: 8192,
};

/**
 * Reasoning tokens to expect per answer from `model` with `params`: 0 for other models; the effort's reserve,
 * never more than the request's own completion cap (max_completion_tokens / max_tokens) minus the answer.
 */
export function reasoningReserve(
  model: string,
  params: { reasoning_effort?: unknown; max_completion_tokens?: unknown; max_tokens?: unknown },
  answerTokens: number,
): number {
  if (!isReasoningModelName(model)) return 0;
  const effort = typeof params.reasoning_effort === 'string' ? params.reasoning_effort : 'medium';
  const reserve = REASONING_RESERVE[effort] ?? REASONING_RESERVE.medium!;
  const cap = Number(params.max_completion_tokens ?? params.max_tokens);
  return Number.isFinite(cap) && cap > 0 ? Math.max(0, Math.min(reserve, cap - answerTokens)) : reserve;
}

/** Units of each variant that already have a final line (success or invalid) among `cases`. */
export async function finishedUnits(resultsFile: string, cases: CaseList): Promise<Map<string, number>> {
  // The ids are gathered only when the file has lines (a fresh run of a million cases needs no set of them).
  let wanted: Set<string> | undefined;
  const last = new Map<string, { variant: string; outcome: Outcome }>();
  await readResults(resultsFile, (r) => {
    if (!wanted) {
      wanted = new Set<string>();
      for (let i = 0; i < cases.length; i++) wanted.add(caseIdAt(cases, i));
    }
    if (wanted.has(r.caseId))
      last.set(unitKey(r.caseId, r.variant, r.sample), { variant: r.variant, outcome: r.outcome });
  });
  const byVariant = new Map<string, number>();
  for (const { variant, outcome } of last.values())
    if (outcome !== 'error') byVariant.set(variant, (byVariant.get(variant) ?? 0) + 1);
  return byVariant;
}

export interface RunEstimate {
  /** Units still to run (case × variant × sample without a final line). */
  units: number;
  /** Units already final from earlier sessions (not counted above). */
  alreadyDone: number;
  /** Requests still to send (one per LLM unit, before retries). */
  llmRequests: number;
  promptTokens: number;
  /** Completion tokens, reasoning reserve included. */
  completionTokens: number;
  /** Of completionTokens, those reserved for reasoning models' reasoning. */
  reasoningReserve: number;
  /** USD; null when no model has a known price. */
  costUsd: number | null;
  /** Models without a price (their cost is not counted and the budget cannot bound them). */
  unpriced: string[];
}

export function emptyEstimate(): RunEstimate {
  return {
    units: 0,
    alreadyDone: 0,
    llmRequests: 0,
    promptTokens: 0,
    completionTokens: 0,
    reasoningReserve: 0,
    costUsd: 0,
    unpriced: [],
  };
}

/** Adds one variant's remaining work to the estimate. */
export function addToEstimate(
  est: RunEstimate,
  v: {
    kind: 'llm' | 'baseline';
    model: string;
    units: number;
    done: number;
    promptTokensPerUnit?: number;
    answerTokens?: number;
    reasoningTokens?: number;
    cost?: (usage: { prompt: number; completion: number }) => number | undefined;
  },
): void {
  const left = Math.max(0, v.units - v.done);
  est.units += left;
  est.alreadyDone += Math.min(v.units, v.done);
  if (v.kind !== 'llm') return;
  est.llmRequests += left;
  const prompt = Math.round((v.promptTokensPerUnit ?? 0) * left);
  const reasoning = (v.reasoningTokens ?? 0) * left;
  const completion = (v.answerTokens ?? 0) * left + reasoning;
  est.promptTokens += prompt;
  est.completionTokens += completion;
  est.reasoningReserve += reasoning;
  const c = v.cost?.({ prompt, completion });
  if (c === undefined) {
    if (!est.unpriced.includes(v.model)) est.unpriced.push(v.model);
  } else if (est.costUsd !== null) est.costUsd += c;
}
