// What a case expected and what a model (or baseline) answered, in the words a person reads: titles instead of
// bare labels, "4.5 stars", "likes it", a ranking as its ordered titles. Used by the Test Explorer's diff
// messages, the case view and the prompt preview. No `vscode` import: unit-tested in plain Node.
import {
  expectedText,
  predictionText,
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
 * The two sides of a failure's diff: for a ranking the expected side puts the true item first and the answer is
 * the order given, so the diff shows how far down it landed.
 */
export function diffSides(r: CaseResult, ctx: CaseContext): { expected: string; actual: string } {
  const actual =
    r.outcome === 'success' && r.prediction ? predictedHuman(r.prediction, ctx) : `(${r.outcome}: no answer)`;
  const e = r.expected;
  if (typeof e.label === 'string' && Array.isArray(r.prediction?.order)) {
    // An order of candidates: the expected side is the same order with the true item first.
    const rest = (r.prediction!.order as string[]).filter(
      (l) => l.trim().toUpperCase() !== e.label.trim().toUpperCase(),
    );
    // Written like the answer (the form's own text), so the diff shows only the move of the true item.
    const expected = predictedHuman({ ...r.prediction!, order: [e.label, ...rest] } as Prediction, ctx);
    return { expected, actual };
  }
  return { expected: expectedHuman(e, ctx), actual };
}

/** One line for a failure: "wrong: chose C · Casino (1995), expected B · Heat (1995)". */
export function failureHeadline(
  r: CaseResult,
  ctx: CaseContext,
  kind: 'invalid' | 'error' | 'wrong',
): string {
  if (kind !== 'wrong') return `${kind}: ${r.reason ?? 'no reason recorded'}`;
  const e = r.expected;
  const p = r.prediction;
  if (typeof e.label === 'string' && Array.isArray(p?.order)) {
    const rank = (p!.order as string[]).findIndex(
      (l) => l.trim().toUpperCase() === e.label.trim().toUpperCase(),
    );
    return `wrong: ${labelled(e.label, ctx)} ranked ${rank < 0 ? 'nowhere' : `${rank + 1} of ${p!.order.length}`}`;
  }
  return `wrong: answered ${p ? predictedHuman(p, ctx) : '(nothing)'}, expected ${expectedHuman(e, ctx)}`;
}
