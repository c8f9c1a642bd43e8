// Building blocks the forms' answer readers share: zod shapes for numbers and yes/no written as strings, and
// the invalid results they return. The driver that finds answers in a reply is scoring/parse.ts.
import * as z from 'zod';
import type { Prediction, ReasonCode } from '../types';
import type { ParseResult } from './types';

/** A number written as a number or as a numeric string ("4.5"). */
export const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'not a number')
    .transform(Number),
]);

/** true/false, or the strings true/false/yes/no. */
export const booleanish = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', 'yes', 'no']))
    .transform((s) => s === 'true' || s === 'yes'),
]);

export function invalid(reason: string, reasonCode: ReasonCode = 'no-answer'): ParseResult<never> {
  return { ok: false, reason, reasonCode };
}

/** The first zod issue as an invalid answer. */
export function badShape(
  key: string,
  error: z.ZodError,
  reasonCode: ReasonCode = 'no-answer',
): ParseResult<never> {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : key;
  return invalid(`invalid "${where}": ${issue?.message ?? 'does not match the expected shape'}`, reasonCode);
}

export function valid<P extends Prediction>(
  prediction: P,
  via: 'json' | 'text',
  flag?: string,
): ParseResult<P> {
  return flag ? { ok: true, prediction, via, flag } : { ok: true, prediction, via };
}

/** A strict JSON-schema object: every property required, nothing else allowed. */
export function strictObject(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}
