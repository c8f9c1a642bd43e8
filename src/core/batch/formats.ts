// The batch wire formats: how one request is written as a batch input line, and how one output line is read
// back, for OpenAI's Batch API (also `vllm run-batch`'s input and output) and Anthropic's Message Batches.
// Output lines become a `BatchAnswer`: an answer (text, usage, finish reason), a failed request, or a request
// the batch never ran (expired or cancelled: no outcome, so the unit stays pending).
import type { ChatMessage, TokenUsage } from '../types';

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
      raw: string;
      usage?: TokenUsage;
      finishReason?: string;
      /** The model the server says answered. */
      model?: string;
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

interface ChatBody {
  model?: string;
  messages?: { role: string; content: string }[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
}

/** Default max_tokens of a Messages request (Anthropic requires one; the chat body may not carry any). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

/**
 * Messages API params from an OpenAI-style chat body: system messages go to `system`, `stop` to
 * `stop_sequences`; response_format has no equivalent and is dropped (the prompt asks for the answer's shape).
 */
export function anthropicParams(body: ChatBody): Record<string, unknown> {
  const messages = (body.messages ?? []) as ChatMessage[];
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const params: Record<string, unknown> = {
    model: body.model,
    max_tokens: body.max_tokens ?? body.max_completion_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
  };
  if (system) params.system = system;
  if (body.temperature !== undefined) params.temperature = body.temperature;
  if (body.top_p !== undefined) params.top_p = body.top_p;
  if (body.stop !== undefined) params.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  return params;
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
  const choice = obj(body.choices[0]);
  if (!choice) return { customId, kind: 'error', message: 'the response has no choices' };
  const message = obj(choice.message);
  const raw =
    typeof message?.content === 'string'
      ? message.content
      : typeof message?.refusal === 'string'
        ? message.refusal
        : '';
  const a: BatchAnswer & { kind: 'answer' } = { customId, kind: 'answer', raw };
  const u = obj(body.usage);
  if (u && typeof u.prompt_tokens === 'number') {
    a.usage = {
      prompt: u.prompt_tokens,
      completion: typeof u.completion_tokens === 'number' ? u.completion_tokens : 0,
    };
    const r = obj(u.completion_tokens_details)?.reasoning_tokens;
    if (typeof r === 'number' && r > 0) a.usage.reasoning = r;
  }
  if (typeof choice.finish_reason === 'string') a.finishReason = choice.finish_reason;
  if (typeof body.model === 'string') a.model = body.model;
  return a;
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

/** Anthropic stop reasons in the normalised words of PredictResponse.finishReason. */
const ANTHROPIC_STOP: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  refusal: 'refusal',
  tool_use: 'tool_calls',
};

/** One line of a Message Batch's results: `{custom_id, result: {type, message | error}}`. */
export function parseAnthropicResultLine(line: Json): BatchAnswer {
  const customId = String(line.custom_id ?? '');
  const result = obj(line.result);
  const type = result?.type;
  if (type === 'succeeded') {
    const message = obj(result!.message) ?? {};
    const blocks = Array.isArray(message.content) ? message.content : [];
    const raw = blocks
      .map((b) => obj(b))
      .filter((b) => b?.type === 'text' && typeof b.text === 'string')
      .map((b) => b!.text as string)
      .join('');
    const a: BatchAnswer & { kind: 'answer' } = { customId, kind: 'answer', raw };
    const u = obj(message.usage);
    if (u && typeof u.input_tokens === 'number')
      a.usage = {
        prompt: u.input_tokens,
        completion: typeof u.output_tokens === 'number' ? u.output_tokens : 0,
      };
    if (typeof message.stop_reason === 'string')
      a.finishReason = ANTHROPIC_STOP[message.stop_reason] ?? message.stop_reason;
    if (typeof message.model === 'string') a.model = message.model;
    return a;
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
