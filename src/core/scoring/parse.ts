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
// - several JSON objects: the last one that has the form's key wins (models show an example, then answer).
import { getForm, type AnswerContext, type ParseResult } from '../forms';
import type { TaskForm } from '../types';

export type ParseContext = AnswerContext;
export type { ParseResult };

/** Parses a raw answer for `form`. Never throws (an unknown form is a caller's bug and does throw). */
export function parseAnswer(raw: string, form: TaskForm, ctx: ParseContext = {}): ParseResult {
  const reader = getForm(form).answer;
  if (typeof raw !== 'string' || raw.trim() === '')
    return { ok: false, reason: 'empty answer', reasonCode: 'no-answer' };
  const text = stripThinking(raw);
  if (text.trim() === '')
    return { ok: false, reason: 'the answer holds only a <think> block', reasonCode: 'reasoning-only' };

  // 1. JSON objects, last first; the first one that carries the form's key decides.
  const objects = findJsonObjects(text);
  let firstProblem: ParseResult | undefined;
  for (let i = objects.length - 1; i >= 0; i--) {
    const obj = lowerKeys(objects[i]!);
    if (!(reader.key in obj)) continue;
    const r = reader.fromObject(obj, ctx);
    if (r.ok) return r;
    firstProblem ??= r;
  }
  if (firstProblem) return firstProblem;

  // 2. Bare-text fallbacks.
  const fallback = fromText(text, form, ctx);
  if (fallback) return fallback;

  if (objects.length > 0) {
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))].slice(0, 8);
    return {
      ok: false,
      reason: `JSON object lacks the "${reader.key}" key (keys: ${keys.join(', ') || 'none'})`,
      reasonCode: 'no-answer',
    };
  }
  return {
    ok: false,
    reason: `no JSON object with a "${reader.key}" key and no bare answer (${reader.hint}) found`,
    reasonCode: 'no-answer',
  };
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
