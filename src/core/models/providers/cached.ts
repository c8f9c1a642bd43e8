// A provider's answer to and from the response cache: the finish reason and the reasoning-only flag travel with
// the text, so a cut or refused answer served again is still reported as one.
import type { CachedAnswer } from '../cache';
import type { TokenUsage } from '../../types';
import type { LlmPredictResponse } from './types';

/** A cached answer as a response (finish reason 'stop' unless the entry says otherwise). */
export function fromCache(hit: CachedAnswer, latencyMs: number): LlmPredictResponse {
  const r: LlmPredictResponse = {
    raw: hit.raw,
    cached: true,
    attempts: 0,
    latencyMs,
    finishReason: hit.finish ?? 'stop',
  };
  if (hit.usage) r.usage = hit.usage;
  if (hit.reasoningOnly) r.reasoningOnly = true;
  return r;
}

/** The cache entry of an answer. */
export function cacheEntryOf(answer: {
  raw: string;
  usage?: TokenUsage;
  servedModel?: string;
  finishReason?: string;
  reasoningOnly?: boolean;
}): CachedAnswer {
  const entry: CachedAnswer = { raw: answer.raw };
  if (answer.usage) entry.usage = answer.usage;
  if (answer.servedModel) entry.model = answer.servedModel;
  if (answer.finishReason && answer.finishReason !== 'stop') entry.finish = answer.finishReason;
  if (answer.reasoningOnly) entry.reasoningOnly = true;
  return entry;
}
