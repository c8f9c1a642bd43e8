// Answer parsing: turns a model's raw text into a Prediction for the case's task form, or says precisely why it
// cannot. Models wrap their JSON in fences, prose, <think> blocks or Python-style dicts; we find the objects, and
// the form's reader (src/core/forms/<form>.ts) validates the one that carries its key. A small set of bare-text
// fallbacks (a number, yes/no, a letter, a list of letters, a title) covers models that ignore the JSON
// instruction. Anything else is `invalid`, recorded with the raw text and a reason code.
//
// Decisions (see docs/scoring.md):
// - rating: the number is kept as given (no snapping to the scale's step); outside the scale is invalid.
// - ranking: labels must be known. A partial list is accepted as the top of the order (models often return only
//   their top 10); the missing labels are NOT filled in, so they earn no credit.
// - several JSON objects with the form's key: one answer repeated counts; answers that disagree are invalid
//   (`ambiguous`); objects that fail the form's checks (an echoed "<label>" placeholder) do not count.
// - finish reason "length": only a complete JSON answer before the cut counts (`cut`); "refusal" and prose that
//   declines are `refusal`; a reply with only reasoning is `reasoning-only`.
import { canonicalJson } from '../canonicalJson';
import { getForm, type AnswerContext, type ParseResult } from '../forms';
import type { ReasonCode, TaskForm } from '../types';

export type ParseContext = AnswerContext;
export type { ParseResult };

/** An answer that opens by declining to answer ("I cannot predict this.", "I'm sorry, but …"). */
const REFUSAL =
  /^\W*(?:i\s+(?:cannot|can't|can not|am unable to|am not able to|won't|will not|do not|don't)\b|i'm\s+(?:sorry|unable|not able)\b|sorry\b|as an ai\b|unfortunately\b)/i;

function fail(reason: string, reasonCode: ReasonCode): ParseResult {
  return { ok: false, reason, reasonCode };
}

/**
 * Parses a raw answer for `form`. Never throws (an unknown form is a caller's bug and does throw). The context
 * may carry the provider's finish reason and whether the reply held only reasoning (the runner passes both).
 */
export function parseAnswer(raw: string, form: TaskForm, ctx: ParseContext = {}): ParseResult {
  const reader = getForm(form).answer;
  const empty = typeof raw !== 'string' || raw.trim() === '';
  if (ctx.finishReason === 'refusal' || ctx.finishReason === 'content_filter')
    return fail(`the provider reports a refusal (finish reason "${ctx.finishReason}")`, 'refusal');
  if (ctx.reasoningOnly && (empty || stripThinking(raw).trim() === ''))
    return fail('the reply holds only reasoning, no answer', 'reasoning-only');
  const cut = ctx.finishReason === 'length';
  if (empty)
    return cut
      ? fail('the answer was cut at the token limit before any text', 'cut')
      : ctx.finishReason === 'tool_calls'
        ? fail('the model called a tool instead of answering', 'tool-call')
        : fail('empty answer', 'no-answer');
  const text = stripThinking(raw);
  if (text.trim() === '')
    return cut
      ? fail('the answer was cut at the token limit inside its reasoning', 'cut')
      : fail('the answer holds only a <think> block', 'reasoning-only');

  // 1. JSON objects that carry the form's key. Several that disagree are no answer (which one would count?);
  //    repeats of one answer are fine. When any is valid, prose mentions are not read at all.
  const objects = findJsonObjects(text);
  const answers: Extract<ParseResult, { ok: true }>[] = [];
  let lastProblem: ParseResult | undefined;
  for (const o of objects) {
    const obj = lowerKeys(o);
    if (!(reader.key in obj)) continue;
    const r = reader.fromObject(obj, ctx);
    if (r.ok) answers.push(r);
    else lastProblem = r;
  }
  if (answers.length) {
    const first = answers[0]!;
    const same = reader.same ?? ((x, y) => canonicalJson(x) === canonicalJson(y));
    const other = answers.find((r) => !same(first.prediction, r.prediction));
    if (other)
      return fail(
        `${answers.length} JSON answers in one reply disagree (${canonicalJson(first.prediction)} and ${canonicalJson(other.prediction)})`,
        'ambiguous',
      );
    return answers[answers.length - 1]!;
  }
  if (lastProblem) return lastProblem;
  // A reply cut at the token limit counts only through a complete JSON answer before the cut: a list or a
  // sentence that stops there may be missing its end.
  if (cut) return fail('the answer was cut at the token limit before a complete JSON answer', 'cut');

  // 2. Bare-text fallbacks.
  const fallback = fromText(text, form, ctx);
  if (fallback) return fallback;

  if (ctx.finishReason === 'tool_calls')
    return fail('the model called a tool instead of answering', 'tool-call');
  if (REFUSAL.test(cleanLine(text))) return fail(`the model declined to answer: "${clip(text)}"`, 'refusal');
  if (objects.length > 0) {
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))].slice(0, 8);
    return fail(
      `JSON object lacks the "${reader.key}" key (keys: ${keys.join(', ') || 'none'})`,
      'no-answer',
    );
  }
  return fail(
    `no JSON object with a "${reader.key}" key and no bare answer (${reader.hint}) found`,
    'no-answer',
  );
}

function clip(s: string, n = 80): string {
  const t = s.trim().replace(/\s+/g, ' ');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

// ---------------------------------------------------------------------------------------------------------------
// Bare-text fallbacks: only whole answers (or a last line, or one "answer: X" phrase) count, so that a number or
// letter buried in prose is never mistaken for an answer.

function fromText(text: string, form: TaskForm, ctx: ParseContext): ParseResult | undefined {
  const reader = getForm(form).answer;
  const whole = cleanLine(text);
  const lines = text
    .split(/\r?\n/)
    .map(cleanLine)
    .filter((l) => l !== '');
  const last = lines[lines.length - 1] ?? '';
  for (const line of [whole, last]) {
    const r = bareAnswer(line, form, ctx);
    if (r) return r;
  }
  const byLines = reader.lines?.(lines, ctx);
  if (byLines) return byLines;
  // "The answer is C." / "Rating: 4" inside prose: accepted only when exactly one such phrase exists.
  const phrase =
    /\b(?:answer|rating|prediction|choice|pick|ranking)\s*(?:is|would be|:|=)\s*([^\n]+?)\s*(?:[.!]\s|[.!]?$)/gim;
  const found = [...text.matchAll(phrase)].map((m) => m[1]!);
  const distinct = [...new Set(found.map((f) => cleanLine(f)))];
  if (distinct.length === 1) return bareAnswer(distinct[0]!, form, ctx);
  return undefined;
}

function cleanLine(s: string): string {
  return s
    .replace(/```[a-z]*|```/gi, '')
    .replace(/[*_`]/g, '')
    .trim();
}

function bareAnswer(line: string, form: TaskForm, ctx: ParseContext): ParseResult | undefined {
  const body = line
    .replace(/^(?:final\s+)?(?:answer|rating|prediction|choice|ranking|output)\s*[:=-]\s*/i, '')
    .trim();
  if (body === '') return undefined;
  return getForm(form).answer.bare(body, ctx);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON discovery.

/** Drops reasoning models' <think>…</think> blocks (an unclosed one swallows the rest: no answer yet). */
function stripThinking(raw: string): string {
  return raw.replace(/<think(?:ing)?>[\s\S]*?(?:<\/think(?:ing)?>|$)/gi, '');
}

function lowerKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.toLowerCase().trim()] = v;
  return out;
}

/** Every balanced {...} span that parses as a JSON object (strictly, or after a light repair), in text order. */
export function findJsonObjects(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let i = text.indexOf('{');
  while (i !== -1) {
    const end = matchBrace(text, i);
    if (end === -1) break;
    const span = text.slice(i, end + 1);
    const obj = parseObject(span);
    if (obj) {
      out.push(obj);
      i = text.indexOf('{', end + 1);
    } else {
      i = text.indexOf('{', i + 1);
    }
  }
  return out;
}

function matchBrace(text: string, start: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let j = start; j < text.length; j++) {
    const c = text[j];
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"') quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j;
  }
  return -1;
}

function parseObject(span: string): Record<string, unknown> | undefined {
  for (const candidate of [span, repair(span)]) {
    try {
      const v: unknown = JSON.parse(candidate);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* try the repaired form */
    }
  }
  return undefined;
}

/** Python-ish dicts and sloppy JSON: single quotes, True/False/None, unquoted keys, trailing commas. */
function repair(s: string): string {
  let r = s;
  if (!r.includes('"')) r = r.replace(/'/g, '"');
  r = r
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null');
  r = r.replace(/([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:/g, '$1"$2":');
  r = r.replace(/,\s*([}\]])/g, '$1');
  return r;
}
