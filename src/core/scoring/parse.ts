// Answer parsing: turns a model's raw text into a Prediction for the case's task form, or says precisely why it
// cannot. Models wrap their JSON in fences, prose, <think> blocks or Python-style dicts; we find the object, then
// validate its fields with zod. A small set of bare-text fallbacks (a number, yes/no, a letter, a list of letters)
// covers models that ignore the JSON instruction. Anything else is `invalid`, recorded with the raw text.
//
// Decisions (see docs/runner.md):
// - rating: the number is kept as given (no snapping to the scale's step); outside the scale is invalid.
// - ranking: labels must be known and appear at most once. A partial list is accepted as the top of the order
//   (models often return only their top 10); the missing labels are NOT filled in, so they earn no credit.
// - several JSON objects: the last one that has the form's key wins (models show an example, then answer).
import { z } from 'zod';
import type { Prediction, TaskForm, ValueScale } from '../types';

export interface ParseContext {
  /** The rating scale (rating form); null or absent accepts any finite non-negative number. */
  scale?: ValueScale | null;
  /** The candidate labels in order (choice, ranking), e.g. ["A", "B", "C"]. */
  labels?: readonly string[];
}

export type ParseResult =
  { ok: true; prediction: Prediction; via: 'json' | 'text' } | { ok: false; reason: string };

const KEY: Record<TaskForm, string> = {
  rating: 'rating',
  binary: 'like',
  choice: 'choice',
  ranking: 'ranking',
};

// A number written as a number or as a numeric string ("4.5").
const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'not a number')
    .transform(Number),
]);
const booleanish = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', 'yes', 'no']))
    .transform((s) => s === 'true' || s === 'yes'),
]);
const ratingSchema = z.object({ rating: numeric });
const binarySchema = z.object({
  like: booleanish,
  probability: numeric.pipe(z.number().min(0).max(1)).optional().nullable(),
});
const choiceSchema = z.object({ choice: z.string() });
const rankingSchema = z.object({ ranking: z.array(z.union([z.string(), z.number()])).min(1) });

/** Parses a raw answer for `form`. Never throws. */
export function parseAnswer(raw: string, form: TaskForm, ctx: ParseContext = {}): ParseResult {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'empty answer' };
  const text = stripThinking(raw);
  if (text.trim() === '') return { ok: false, reason: 'the answer holds only a <think> block' };

  // 1. JSON objects, last first; the first one that carries the form's key decides.
  const objects = findJsonObjects(text);
  let firstProblem: string | undefined;
  for (let i = objects.length - 1; i >= 0; i--) {
    const obj = lowerKeys(objects[i]!);
    if (!(KEY[form] in obj)) continue;
    const r = fromObject(obj, form, ctx);
    if (r.ok) return r;
    firstProblem ??= r.reason;
  }
  if (firstProblem) return { ok: false, reason: firstProblem };

  // 2. Bare-text fallbacks.
  const fallback = fromText(text, form, ctx);
  if (fallback) return fallback;

  if (objects.length > 0) {
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))].slice(0, 8);
    return {
      ok: false,
      reason: `JSON object lacks the "${KEY[form]}" key (keys: ${keys.join(', ') || 'none'})`,
    };
  }
  const hint = {
    rating: 'a number',
    binary: 'yes/no or true/false',
    choice: 'a single candidate letter',
    ranking: 'a list of candidate letters',
  }[form];
  return { ok: false, reason: `no JSON object with a "${KEY[form]}" key and no bare answer (${hint}) found` };
}

function fromObject(obj: Record<string, unknown>, form: TaskForm, ctx: ParseContext): ParseResult {
  switch (form) {
    case 'rating': {
      const r = ratingSchema.safeParse(obj);
      if (!r.success) return bad('rating', r.error);
      return rating(r.data.rating, ctx, 'json');
    }
    case 'binary': {
      const r = binarySchema.safeParse(obj);
      if (!r.success) return bad('binary', r.error);
      const prediction: Prediction = { form: 'binary', like: r.data.like };
      if (r.data.probability != null) prediction.probability = r.data.probability;
      return { ok: true, prediction, via: 'json' };
    }
    case 'choice': {
      const r = choiceSchema.safeParse(obj);
      if (!r.success) return bad('choice', r.error);
      return choice(r.data.choice, ctx, 'json');
    }
    case 'ranking': {
      const r = rankingSchema.safeParse(obj);
      if (!r.success) return bad('ranking', r.error);
      return ranking(r.data.ranking.map(String), ctx, 'json');
    }
  }
}

function bad(form: TaskForm, error: z.ZodError): ParseResult {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : KEY[form];
  return {
    ok: false,
    reason: `invalid "${where}": ${issue?.message ?? 'does not match the expected shape'}`,
  };
}

function rating(value: number, ctx: ParseContext, via: 'json' | 'text'): ParseResult {
  if (!Number.isFinite(value)) return { ok: false, reason: `rating ${value} is not a finite number` };
  const s = ctx.scale;
  if (s && (value < s.min || value > s.max)) {
    return { ok: false, reason: `rating ${value} is outside the scale ${s.min}..${s.max}` };
  }
  if (!s && value < 0) return { ok: false, reason: `rating ${value} is negative` };
  return { ok: true, prediction: { form: 'rating', value }, via };
}

/** Reduces "(C)", "c.", "Option C", "C) Title" to "C" when that is a known label. */
function normaliseLabel(input: string, labels: readonly string[] | undefined): string {
  let s = input.trim().replace(/^[*_`"'\s]+|[*_`"'\s]+$/g, '');
  s = s.replace(/^(?:option|candidate|choice|answer|item)\s*[:#-]?\s*/i, '');
  const m = /^\(?\[?([A-Za-z]{1,2})\]?\)?(?:[.:,)\]]|\s|$)/.exec(s);
  if (m) return m[1]!.toUpperCase();
  return labels ? s.toUpperCase() : s;
}

function choice(value: string, ctx: ParseContext, via: 'json' | 'text'): ParseResult {
  const label = normaliseLabel(value, ctx.labels);
  if (ctx.labels && !ctx.labels.includes(label)) {
    return { ok: false, reason: `choice "${value}" is not one of the labels ${describeLabels(ctx.labels)}` };
  }
  return { ok: true, prediction: { form: 'choice', label }, via };
}

function ranking(values: string[], ctx: ParseContext, via: 'json' | 'text'): ParseResult {
  const order: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    const label = normaliseLabel(v, ctx.labels);
    if (ctx.labels && !ctx.labels.includes(label)) {
      return { ok: false, reason: `ranking has "${v}", not one of the labels ${describeLabels(ctx.labels)}` };
    }
    if (seen.has(label)) return { ok: false, reason: `ranking lists "${label}" more than once` };
    seen.add(label);
    order.push(label);
  }
  if (order.length === 0) return { ok: false, reason: 'ranking is empty' };
  return { ok: true, prediction: { form: 'ranking', order }, via };
}

function describeLabels(labels: readonly string[]): string {
  return labels.length > 4 ? `${labels[0]}..${labels[labels.length - 1]}` : labels.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Bare-text fallbacks: only whole answers (or a last line, or one "answer: X" phrase) count, so that a number or
// letter buried in prose is never mistaken for an answer.

function fromText(text: string, form: TaskForm, ctx: ParseContext): ParseResult | undefined {
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
  const first = lines[0] ?? '';
  if (form === 'binary') {
    // "Yes, they would enjoy it." / "No. The user dislikes horror." : a leading yes/no, then punctuation.
    const m = /^(yes|no)\s*[,.!:;]\s*\S/i.exec(first);
    if (m)
      return { ok: true, prediction: { form: 'binary', like: m[1]!.toLowerCase() === 'yes' }, via: 'text' };
  }
  if (form === 'choice' && lines.length === 1 && ctx.labels) {
    // A one-line answer naming a candidate as listed: "C. The Matrix (1999)", "(B) Heat".
    const m = /^(?:\(([A-Z]{1,2})\)|\[([A-Z]{1,2})\]|([A-Z]{1,2})[.):])\s+\S/.exec(first);
    const label = m ? (m[1] ?? m[2] ?? m[3])! : undefined;
    if (label && ctx.labels.includes(label)) return choice(label, ctx, 'text');
  }
  if (form === 'ranking') {
    // A numbered list, one label per line ("1. C", "2) A - Title"), possibly after a lead-in line.
    const numbered = lines.map((l) => /^\d+\s*[.):-]\s*\(?\[?([A-Za-z]{1,2})\]?\)?(?:[.:)\s-]|$)/.exec(l));
    const items = numbered.filter((m) => m !== null);
    if (items.length >= 2)
      return ranking(
        items.map((m) => m[1]!),
        ctx,
        'text',
      );
  }
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
  switch (form) {
    case 'rating': {
      const m = /^(-?\d+(?:\.\d+)?)\s*(?:(?:\/|out of)\s*\d+(?:\.\d+)?)?\s*(?:stars?)?\s*[.!]?$/i.exec(body);
      return m ? rating(Number(m[1]), ctx, 'text') : undefined;
    }
    case 'binary': {
      const m = /^(yes|no|true|false|like|dislike|likes|dislikes|would like|would not like)\s*[.!]?$/i.exec(
        body,
      );
      if (!m) return undefined;
      const w = m[1]!.toLowerCase();
      const like = w === 'yes' || w === 'true' || w === 'like' || w === 'likes' || w === 'would like';
      return { ok: true, prediction: { form: 'binary', like }, via: 'text' };
    }
    case 'choice': {
      const m = /^(?:option\s+|candidate\s+)?\(?\[?([A-Za-z]{1,2})\]?\)?\s*[.!]?$/i.exec(body);
      if (!m) return undefined;
      // A lone lower-case word like "a" or "i" is prose, not a label, unless it is a known label.
      return choice(m[1]!, ctx, 'text');
    }
    case 'ranking': {
      // "C, A, B", "C > A > B", "1. C\n2. A" (after line joining), or a JSON array.
      const arr = tryJsonArray(body);
      if (arr) return ranking(arr.map(String), ctx, 'text');
      return undefined;
    }
  }
}

/** The ranking fallback reads the whole text, since a numbered list spans several lines. */
function tryJsonArray(s: string): unknown[] | undefined {
  const t = s.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v)) return v;
    } catch {
      /* fall through to the list forms */
    }
  }
  const tokens = t
    .replace(/^\[|\]$/g, '')
    .split(/\s*(?:,|>|;|\s->\s|\s+)\s*/)
    .filter((x) => x !== '');
  if (tokens.length >= 2 && tokens.every((x) => /^\(?["']?[A-Za-z]{1,2}["']?\)?\.?$/.test(x))) {
    return tokens.map((x) => x.replace(/[()"'.]/g, ''));
  }
  return undefined;
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
