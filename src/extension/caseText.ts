// What a case expected and what a model (or baseline) answered, in the words a person reads: titles instead of
// bare labels, "4.5 stars", "likes it", a ranking as its ordered titles. Used by the Test Explorer's diff
// messages, the case view and the prompt preview. No `vscode` import: unit-tested in plain Node.
import {
  diffExpectedText,
  expectedText,
  predictionText,
  wrongText,
  type CaseResult,
  type Candidate,
  type Expected,
  type Prediction,
  type TargetItem,
  type TestCase,
  type ValueScale,
} from '../core';

/** What is known about a case beyond its result line: the candidates, when the case could be rebuilt. */
export interface CaseContext {
  candidates?: readonly Candidate[];
  target?: TargetItem;
  scale?: ValueScale | null;
}

export function contextOf(tc: TestCase | undefined, r?: CaseResult): CaseContext {
  return { candidates: tc?.candidates, target: tc?.target ?? r?.target };
}

/** "B · Heat (1995)", or the bare label when the candidates are unknown. */
export function labelled(label: string, ctx: CaseContext): string {
  const c = ctx.candidates?.find((x) => x.label === label.trim().toUpperCase());
  return c ? `${c.label} · ${c.title}` : label;
}

/** The expected answer in words: the form registry's human text (one function for every view). */
export function expectedHuman(e: Expected, ctx: CaseContext): string {
  return expectedText(e, ctx);
}

/** A model's (or baseline's) answer in words, candidates named by their titles. */
export function predictedHuman(p: Prediction, ctx: CaseContext): string {
  return predictionText(p, ctx);
}

/**
 * The two sides of a failure's diff: the form's own expected side (a ranking puts the true item first in the
 * answer's order, so the diff shows how far down it landed) against the answer in words.
 */
export function diffSides(r: CaseResult, ctx: CaseContext): { expected: string; actual: string } {
  const answered = r.outcome === 'success' && r.prediction;
  const actual = answered ? predictedHuman(r.prediction!, ctx) : `(${r.outcome}: no answer)`;
  const expected = answered
    ? diffExpectedText(r.expected, r.prediction!, ctx)
    : expectedHuman(r.expected, ctx);
  return { expected, actual };
}

/** One line for a failure: "wrong: answered C · Casino (1995), expected B · Heat (1995)". */
export function failureHeadline(
  r: CaseResult,
  ctx: CaseContext,
  kind: 'invalid' | 'error' | 'wrong',
): string {
  if (kind !== 'wrong') return `${kind}: ${r.reason ?? 'no reason recorded'}`;
  const p = r.prediction;
  return `wrong: ${p ? wrongText(r.expected, p, ctx) : `answered (nothing), expected ${expectedHuman(r.expected, ctx)}`}`;
}
