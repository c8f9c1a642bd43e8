// The batch wire formats: how one request is written as a batch input line, and how one output line is read
// back, for OpenAI's Batch API (also `vllm run-batch`'s input and output) and Anthropic's Message Batches.
// Output lines become a `BatchAnswer`: an answer (text, usage, finish reason), a failed request, or a request
// the batch never ran (expired or cancelled: no outcome, so the unit stays pending).

export type BatchFormatId = 'openai' | 'anthropic';

export interface BatchLimits {
  /** Requests per batch. */
  maxRequests: number;
  /** Bytes of one batch's input (the uploaded file, or the create request's body). */
  maxBytes: number;
}

/** The providers' published limits per batch. */
export const BATCH_LIMITS: Record<BatchFormatId, BatchLimits> = {
  openai: { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 },
  anthropic: { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 },
};

/** The chat endpoint an OpenAI batch (and vLLM's run-batch) sends every line to. */
export const OPENAI_BATCH_ENDPOINT = '/v1/chat/completions';

export type BatchAnswer =
  | {
      customId: string;
      kind: 'answer';
      /** Whose response `body` is: a chat completion (OpenAI, vLLM) or a Messages response (Anthropic). */
      format: BatchFormatId;
      /** The response body as the interactive endpoint returns it: the provider's own reader turns it into an answer. */
      body: Record<string, unknown>;
    }
  | { customId: string; kind: 'error'; status?: number; message: string }
  | { customId: string; kind: 'not-run'; why: string };

/** One OpenAI batch input line (no newline). `body` is exactly what the interactive request would send. */
export function openaiRequestLine(customId: string, body: unknown): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: OPENAI_BATCH_ENDPOINT, body });
}

/** One Message Batches request (no newline): `{custom_id, params}` with params as for POST /v1/messages. */
export function anthropicRequestLine(customId: string, params: unknown): string {
  return JSON.stringify({ custom_id: customId, params });
}

/** Bytes a request line adds to a batch's input: the line and its newline (or the comma between array items). */
export function lineBytes(line: string): number {
  return Buffer.byteLength(line) + 1;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

/** OpenAI's error codes for requests a batch never ran. */
const OPENAI_NOT_RUN = new Set(['batch_expired', 'batch_cancelled']);

function errorMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  const o = obj(e);
  if (!o) return 'unknown error';
  const inner = obj(o.error);
  if (inner) return errorMessage(inner);
  const msg = typeof o.message === 'string' ? o.message : '';
  const code = typeof o.code === 'string' ? o.code : typeof o.type === 'string' ? o.type : '';
  // The message alone, as an interactive request's reason quotes it ("HTTP 500: <message>").
  return msg || code || JSON.stringify(o);
}

/** A chat completion body → answer; undefined when it is not one. */
function chatAnswer(customId: string, body: Json): BatchAnswer | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  if (!obj(body.choices[0])) return { customId, kind: 'error', message: 'the response has no choices' };
  return { customId, kind: 'answer', format: 'openai', body };
}

/**
 * One output or error-file line of an OpenAI batch or of `vllm run-batch` (both
 * `{custom_id, response: {status_code, body}, error}`; vLLM's error may be a bare string, and older vLLM
 * releases put the completion directly in `response`).
 */
export function parseOpenAIOutputLine(line: Json): BatchAnswer {
  const customId = String(line.custom_id ?? '');
  const error = line.error;
  if (error !== null && error !== undefined) {
    const code = obj(error)?.code;
    if (typeof code === 'string' && OPENAI_NOT_RUN.has(code)) return { customId, kind: 'not-run', why: code };
  }
  const response = obj(line.response);
  if (response) {
    const status = typeof response.status_code === 'number' ? response.status_code : undefined;
    const body = obj(response.body) ?? (Array.isArray(response.choices) ? response : undefined);
    if (body && (status === undefined || (status >= 200 && status < 300))) {
      const a = chatAnswer(customId, body);
      if (a) return a;
    }
    if (status !== undefined && (status < 200 || status >= 300)) {
      const message = body ? errorMessage(body) : error ? errorMessage(error) : 'request failed';
      return { customId, kind: 'error', status, message: `HTTP ${status}: ${message}` };
    }
  }
  if (error !== null && error !== undefined) return { customId, kind: 'error', message: errorMessage(error) };
  return { customId, kind: 'error', message: 'the output line has neither a response nor an error' };
}

/** One line of a Message Batch's results: `{custom_id, result: {type, message | error}}`. */
export function parseAnthropicResultLine(line: Json): BatchAnswer {
  const customId = String(line.custom_id ?? '');
  const result = obj(line.result);
  const type = result?.type;
  if (type === 'succeeded') {
    const message = obj(result!.message);
    if (message) return { customId, kind: 'answer', format: 'anthropic', body: message };
    return { customId, kind: 'error', message: 'a succeeded result without a message' };
  }
  if (type === 'errored') return { customId, kind: 'error', message: errorMessage(result!.error) };
  if (type === 'canceled' || type === 'expired') return { customId, kind: 'not-run', why: type };
  return { customId, kind: 'error', message: `unknown result type ${JSON.stringify(type)}` };
}

/** Any supported output line: an Anthropic result (has `result`) or an OpenAI / vLLM output line. */
export function parseOutputLine(line: Json): BatchAnswer {
  return 'result' in line && !('response' in line)
    ? parseAnthropicResultLine(line)
    : parseOpenAIOutputLine(line);
}
