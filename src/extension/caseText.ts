// What a case expected and what a model (or baseline) answered, in the words a person reads: titles instead of
// bare labels, "4.5 stars", "likes it", a ranking as its ordered titles. Used by the Test Explorer's diff
// messages, the case view and the prompt preview. No `vscode` import: unit-tested in plain Node.
// (The form registry's human text replaces the switch below when it lands on main.)
import type { CaseResult, Candidate, Expected, Prediction, TargetItem, TestCase, ValueScale } from '../core';

/** What is known about a case beyond its result line: the candidates, when the case could be rebuilt. */
export interface CaseContext {
  candidates?: readonly Candidate[];
  target?: TargetItem;
  scale?: ValueScale | null;
}

export function contextOf(tc: TestCase | undefined, r?: CaseResult): CaseContext {
  return { candidates: tc?.candidates, target: tc?.target ?? r?.target };
}

function stars(v: number, scale?: ValueScale | null): string {
  const n = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return scale && scale.max !== 5 ? `${n} of ${scale.max}` : `${n} star${v === 1 ? '' : 's'}`;
}

/** "B · Heat (1995)", or the bare label when the candidates are unknown. */
export function labelled(label: string, ctx: CaseContext): string {
  const c = ctx.candidates?.find((x) => x.label === label.trim().toUpperCase());
  return c ? `${c.label} · ${c.title}` : label;
}

export function expectedHuman(e: Expected, ctx: CaseContext): string {
  switch (e.form) {
    case 'rating':
      return stars(e.value, ctx.scale);
    case 'binary':
      return e.like
        ? `likes it (rated ${stars(e.value, ctx.scale)})`
        : `does not like it (rated ${stars(e.value, ctx.scale)})`;
    case 'choice':
      return ctx.candidates
        ? labelled(e.label, ctx)
        : `${e.label}${ctx.target ? ` · ${ctx.target.title}` : ''}`;
    case 'ranking':
      return `${ctx.candidates ? labelled(e.label, ctx) : `${e.label}${ctx.target ? ` · ${ctx.target.title}` : ''}`} ranked first`;
  }
}

export function predictedHuman(p: Prediction, ctx: CaseContext): string {
  switch (p.form) {
    case 'rating':
      return stars(p.value, ctx.scale);
    case 'binary':
      return `${p.like ? 'likes it' : 'does not like it'}${p.probability !== undefined ? ` (probability ${p.probability})` : ''}`;
    case 'choice':
      return labelled(p.label, ctx);
    case 'ranking':
      return p.order.map((l, i) => `${i + 1}. ${labelled(l, ctx)}`).join('\n');
  }
}

/**
 * The two sides of a failure's diff: for a ranking the expected side puts the true item first and the answer is
 * the order given, so the diff shows how far down it landed.
 */
export function diffSides(r: CaseResult, ctx: CaseContext): { expected: string; actual: string } {
  const actual =
    r.outcome === 'success' && r.prediction ? predictedHuman(r.prediction, ctx) : `(${r.outcome}: no answer)`;
  const e = r.expected;
  if (e.form === 'ranking' && r.prediction?.form === 'ranking') {
    const rest = r.prediction.order.filter((l) => l.trim().toUpperCase() !== e.label.trim().toUpperCase());
    const order = [e.label, ...rest];
    return { expected: order.map((l, i) => `${i + 1}. ${labelled(l, ctx)}`).join('\n'), actual };
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
  if (e.form === 'ranking' && p?.form === 'ranking') {
    const rank = p.order.findIndex((l) => l.trim().toUpperCase() === e.label.trim().toUpperCase());
    return `wrong: ${labelled(e.label, ctx)} ranked ${rank < 0 ? 'nowhere' : `${rank + 1} of ${p.order.length}`}`;
  }
  return `wrong: answered ${p ? predictedHuman(p, ctx) : '(nothing)'}, expected ${expectedHuman(e, ctx)}`;
}
