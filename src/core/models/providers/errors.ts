// What an HTTP error from a model endpoint means for the run: retry it (429, 5xx, Anthropic's 529), give up on
// this request, or give up on the model (a wrong key, a model that does not exist, a parameter it refuses: every
// other request would fail the same way). Shared by the providers, which pass what their error bodies say.

/** The parts of an error answer that decide what it means. */
export interface HttpErrorInfo {
  status: number;
  /** The error's message (OpenAI `error.message`, Anthropic `error.message`), or '' when none. */
  message: string;
  /** OpenAI's `error.code` (e.g. `model_not_found`, `unsupported_value`). */
  code?: string;
  /** OpenAI's `error.param` (the request field at fault). */
  param?: string;
  /** Anthropic's `error.type` / OpenAI's `error.type`. */
  type?: string;
}

/** Statuses worth another attempt: timeouts, conflicts, rate limits, server errors (529: Anthropic overloaded). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

// A message about one request's size or content: a retry with another case may well succeed.
const CASE_SPECIFIC =
  /context (length|window)|too long|too many tokens|maximum context|prompt is too long|request too large|string_above_max_length|content (policy|filter|management)/i;
// Fields of the request that belong to the case, not to the model's settings.
const CASE_FIELDS = /^(messages|input|prompt|system)(\b|[.[])/;
const MODEL_OR_PARAM =
  /\bmodel\b.*\b(not found|does not exist|not exist|unknown|invalid|not supported)|\bunsupported (parameter|value)|\b(is )?not supported\b|\bunrecogni[sz]ed\b|\bunknown (parameter|field|argument)|extra (inputs|fields) (are )?not permitted|\binvalid (value|parameter|model)\b/i;

/**
 * True when no other request to this model can succeed: 401/403 (key or permission), 404 (the model or the
 * path does not exist), 400/422 naming the model or a request parameter (OpenAI's `param`/`code`, Anthropic's
 * "field: message" form, or the usual wording of local servers), but not a 400 about one prompt's size.
 */
export function isFatalHttp(info: HttpErrorInfo): boolean {
  const { status, message } = info;
  if (status === 401 || status === 403 || status === 404) return true;
  if (status !== 400 && status !== 422) return false;
  if (CASE_SPECIFIC.test(message) || CASE_SPECIFIC.test(info.code ?? '')) return false;
  if (info.param) return !CASE_FIELDS.test(info.param);
  if (
    info.code &&
    /model_not_found|unsupported_(parameter|value)|invalid_model|invalid_api_key/.test(info.code)
  )
    return true;
  // Anthropic names the field first: "temperature: Input should be less than or equal to 1".
  const field = /^([A-Za-z_][\w.[\]]*):\s/.exec(message)?.[1];
  if (field) return !CASE_FIELDS.test(field);
  return MODEL_OR_PARAM.test(message);
}

/** The sampling parameters a provider may drop when a model refuses them (and retry without). */
export const DROPPABLE_PARAMS = ['temperature', 'top_p'] as const;
export type DroppableParam = (typeof DROPPABLE_PARAMS)[number];

/**
 * The sampling parameter a 400 says the model does not support (OpenAI: `param` with `unsupported_value` or
 * `unsupported_parameter`; Anthropic: "temperature and top_p cannot both be specified" names top_p as the one to
 * drop), or undefined.
 */
export function rejectedSamplingParam(info: HttpErrorInfo): DroppableParam | undefined {
  if (info.status !== 400 && info.status !== 422) return undefined;
  const m = info.message;
  if (/temperature.*top_p.*(both|together)|top_p.*temperature.*(both|together)/i.test(m)) return 'top_p';
  const named = DROPPABLE_PARAMS.find(
    (p) => info.param === p || new RegExp(`['"\`]?\\b${p}\\b['"\`]?`).test(m),
  );
  if (!named) return undefined;
  const refused =
    /unsupported_(parameter|value)/.test(info.code ?? '') ||
    /not supported|unsupported|does not support|only the default|may only be set|is not allowed|cannot be (set|used)/i.test(
      m,
    );
  return refused ? named : undefined;
}

/** The first error of `type` in an error's cause chain (fetch wraps transport errors, clients wrap fetch's). */
export function findCause<T>(error: unknown, type: abstract new (...a: never[]) => T): T | undefined {
  let e: unknown = error;
  for (let i = 0; i < 6 && e; i++) {
    if (e instanceof type) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An error's messages down its cause chain, with system error codes ("fetch failed: connect ECONNREFUSED"). */
export function causeText(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e; i++) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: unknown }).code;
    const part = typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
    if (part && !parts.includes(part)) parts.push(part);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

/**
 * A failed attempt seen through a sampling parameter the model refuses: when `info` names one that `sent` carried,
 * it is remembered in `dropped` (later attempts and requests leave it out) and the attempt is retried once without
 * it instead of counting as fatal. Otherwise the failure stands as classified.
 */
export function retryWithoutRefusedParam<F extends { retryable: boolean; fatal?: boolean; reason: string }>(
  failure: F,
  info: HttpErrorInfo | undefined,
  sent: object,
  dropped: Set<string>,
): F {
  const param = info ? rejectedSamplingParam(info) : undefined;
  if (!param || !(param in sent)) return failure;
  dropped.add(param);
  return {
    ...failure,
    retryable: true,
    fatal: false,
    reason: `${failure.reason} (sent again without ${param})`,
  };
}
