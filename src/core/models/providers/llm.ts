// The predictor every LLM provider shares: the response cache (looked up before, filled after), the retry loop
// around the provider's one attempt (with the runner's circuit breaker as its gate, passed in the request), the
// sampling parameters a model refused (dropped, and the request sent once more), and the response with what was
// measured. A provider supplies what differs: the request body, its cache key, one attempt over its transport, how
// to classify a failure, and how to read an answer. Everything per variant is set up once, here or in the
// provider; per request only the body, the attempt and the answer are made.
import type { PredictRequest, TokenUsage } from '../../types';
import type { ResponseCache } from '../cache';
import { PredictorError, withRetries, type AttemptFailure, type RetryDeps, type RetryPolicy } from '../retry';
import { cacheEntryOf, fromCache } from './cached';
import { retryWithoutRefusedParam, type DroppableParam, type HttpErrorInfo } from './errors';
import type { LlmPredictResponse, ProviderId, RetryListener } from './types';

/** What a request is made of before it is sent. */
export type LlmRequest = Pick<PredictRequest, 'testCase' | 'messages' | 'sample'>;

/** An answer as a provider reads it from its reply. */
export interface LlmAnswer {
  raw: string;
  usage?: TokenUsage;
  finishReason?: string;
  reasoningOnly?: boolean;
  /** The model the endpoint says answered, when it differs from the one asked for. */
  servedModel?: string;
}

export interface LlmPredictorSpec<Body extends object, Reply> {
  id: string;
  provider: ProviderId;
  model: string;
  origin: string;
  /** The JSON body for a request (what batch files are made of, too). */
  requestBody(request: LlmRequest): Body;
  /** The response-cache key of a request whose intended body is `body`. */
  cacheKey(body: Body, request: LlmRequest): string;
  /** One attempt: sends `body` (the intended one minus refused parameters) and returns the reply. */
  attempt(body: Body, signal: AbortSignal): Promise<Reply>;
  /** Turns what an attempt threw into a decision and a storable reason. */
  classify(error: unknown): AttemptFailure;
  /** The HTTP error an attempt threw, if it was one (to spot a refused sampling parameter). */
  httpInfo(error: unknown): HttpErrorInfo | undefined;
  /** The answer in a reply (the intended body says e.g. which forced tool carries it). */
  read(reply: Reply, intended: Body): LlmAnswer;
  policy: RetryPolicy;
  /** Absent: no caching (`--no-cache`). */
  cache?: ResponseCache;
  retryDeps?: RetryDeps;
  onRetry?: RetryListener;
}

/** The request body minus the parameters a model refused (the same object when none was). */
export function withoutDropped<Body extends object>(body: Body, dropped: ReadonlySet<DroppableParam>): Body {
  if (!dropped.size) return body;
  const copy = { ...body } as Record<string, unknown>;
  for (const p of dropped) delete copy[p];
  return copy as Body;
}

/** A provider's predictor from its parts (see LlmPredictorSpec). */
export function llmPredictor<Body extends object, Reply, P extends ProviderId>(
  spec: LlmPredictorSpec<Body, Reply> & { provider: P },
): {
  readonly id: string;
  readonly kind: 'llm';
  readonly provider: P;
  readonly model: string;
  readonly origin: string;
  requestBody(request: LlmRequest): Body;
  cacheKeyOf(request: LlmRequest): string;
  predict(request: PredictRequest): Promise<LlmPredictResponse>;
} {
  const { policy, cache } = spec;
  // Sampling parameters this model refused once: not sent again (the cache key still counts them, so answers
  // stay found under the request the config asked for).
  const dropped = new Set<DroppableParam>();
  const onRetry = spec.onRetry;

  return {
    id: spec.id,
    kind: 'llm',
    provider: spec.provider,
    model: spec.model,
    origin: spec.origin,
    requestBody: (request) => spec.requestBody(request),
    cacheKeyOf: (request) => spec.cacheKey(spec.requestBody(request), request),
    async predict(request: PredictRequest): Promise<LlmPredictResponse> {
      const t0 = performance.now();
      if (request.signal.aborted) throw new PredictorError('aborted', 'cancelled', { attempts: 0 });
      const intended = spec.requestBody(request);
      const key = cache ? spec.cacheKey(intended, request) : '';
      if (cache) {
        const hit = cache.get(key);
        if (hit) return fromCache(hit, performance.now() - t0);
      }
      // Each attempt sends the intended body minus what the model refused so far. A 400 naming a sampling
      // parameter still in the body drops it and counts as retryable once; refused again it stays fatal.
      let sent = intended;
      const outcome = await withRetries(
        (signal) => {
          sent = withoutDropped(intended, dropped);
          return spec.attempt(sent, signal);
        },
        {
          policy,
          signal: request.signal,
          deps: spec.retryDeps,
          gate: request.gate,
          classify: (e) => retryWithoutRefusedParam(spec.classify(e), spec.httpInfo(e), sent, dropped),
          onRetry: onRetry
            ? (attempt, index) => onRetry({ predictor: spec.id, caseId: request.testCase.id, attempt, index })
            : undefined,
        },
      );
      const response: LlmPredictResponse = {
        ...spec.read(outcome.value, intended),
        attempts: outcome.attempts.length,
        latencyMs: performance.now() - t0,
        attemptLog: outcome.attempts,
      };
      if (cache) cache.put(key, cacheEntryOf(response));
      return response;
    },
  };
}
