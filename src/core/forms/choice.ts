// The choice form: the model sees K labelled candidates (the held-out item and K−1 negatives) and picks one.
import * as z from 'zod';
import { badShape, invalid, strictObject, valid } from './answer';
import {
  describeLabels,
  labelIndex,
  labelOfTitle,
  labelWithTitle,
  readLabel,
  trueWithTitle,
} from './candidates';
import { CANDIDATES, HISTORY, SYSTEM } from './templateParts';
import type { AnswerContext, CaseScore, ParseResult, TaskFormDef } from './types';

export interface ChoiceExpected {
  form: 'choice';
  /** The true item's label. */
  label: string;
  [field: string]: unknown;
}
export interface ChoicePrediction {
  form: 'choice';
  label: string;
  [field: string]: unknown;
}

function choice(value: string, ctx: AnswerContext, via: 'json' | 'text'): ParseResult<ChoicePrediction> {
  const label = readLabel(value, ctx);
  if (ctx.labels && !ctx.labels.includes(label))
    return invalid(
      `choice "${value}" is not one of the labels ${describeLabels(ctx.labels)}`,
      'unknown-label',
    );
  return valid({ form: 'choice', label }, via);
}

const schema = z.object({ choice: z.string() });

export const choiceForm: TaskFormDef<ChoiceExpected, ChoicePrediction> = {
  id: 'choice',
  summary: 'one of K labelled candidates',
  metricsSummary: 'accuracy = HR@1',
  candidates: {
    default: 5,
    // Labels are A..Z, so a choice question has at most 26 options.
    max: 26,
    trueLabel: (e) => e.label,
    firstLabel: (p) => p.label.trim().toUpperCase(),
  },
  configFields: ['candidates', 'negatives'],
  expected: ({ label }) => ({ form: 'choice', label: label! }),
  example: (label) => ({ form: 'choice', label }),

  answerSchema(tc) {
    const labels = tc.candidates?.map((c) => c.label) ?? [];
    const label = labels.length ? { type: 'string', enum: labels } : { type: 'string' };
    return { name: 'choice_answer', schema: strictObject({ choice: label }) };
  },
  answerTokens: () => 8,
  answer: {
    key: 'choice',
    hint: 'a single candidate letter',
    fromObject(obj, ctx) {
      const r = schema.safeParse(obj);
      if (!r.success) return badShape('choice', r.error);
      return choice(r.data.choice, ctx, 'json');
    },
    bare(line, ctx) {
      const m = /^(?:option\s+|candidate\s+)?\(?\[?([A-Za-z]{1,2})\]?\)?\s*[.!]?$/i.exec(line);
      if (m && (!ctx.labels || ctx.labels.includes(m[1]!.toUpperCase()))) return choice(m[1]!, ctx, 'text');
      const byTitle = labelOfTitle(line, ctx);
      if (byTitle) return valid({ form: 'choice', label: byTitle }, 'text');
      return m ? choice(m[1]!, ctx, 'text') : undefined;
    },
    lines(lines, ctx) {
      if (lines.length !== 1 || !ctx.labels) return undefined;
      // A one-line answer naming a candidate as listed: "C. The Matrix (1999)", "(B) Heat".
      const m = /^(?:\(([A-Z]{1,2})\)|\[([A-Z]{1,2})\]|([A-Z]{1,2})[.):])\s+\S/.exec(lines[0]!);
      const label = m ? (m[1] ?? m[2] ?? m[3])! : undefined;
      return label && ctx.labels.includes(label) ? choice(label, ctx, 'text') : undefined;
    },
    same: (a, b) => a.label === b.label,
  },
  template: `---
name: builtin-choice
description: Predict which of K candidate items the user interacted with next.
forms: [choice]
answer: '{"choice": "<label>"}'
params:
  temperature: 0
---
${SYSTEM}

user:
${HISTORY}

Exactly one of these {{ task.K }} candidates is the item user {{ user.id }} {% if dataset.kind == "explicit" %}rated next{% else %}also played{% endif %}; the others were picked at random:${CANDIDATES}

Which one is it? Answer with a JSON object only: {"choice": "<label>"}, where <label> is one of {{ task.labels | join: ", " }}.
`,

  // correct (= hr1), truePos and chosenPos (0-based label positions; chosenPos -1 without an answer).
  score(expected, prediction): CaseScore {
    const truePos = labelIndex(expected.label);
    const chosen = typeof prediction?.label === 'string' ? prediction.label : undefined;
    const correct =
      chosen !== undefined && chosen.trim().toUpperCase() === expected.label.trim().toUpperCase();
    return {
      correct: correct ? 1 : 0,
      hr1: correct ? 1 : 0,
      truePos,
      chosenPos: chosen !== undefined ? labelIndex(chosen) : -1,
    };
  },
  scoring: () => ({
    sums: { correct: (s) => s.correct! },
    metrics: [
      {
        key: 'accuracy',
        label: 'Accuracy (HR@1)',
        higherIsBetter: true,
        description: 'Share of cases where the chosen candidate is the true item',
        sums: ['correct'],
        value: (t) => (t.n! > 0 ? t.correct! / t.n! : NaN),
      },
    ],
    headline: 'accuracy',
  }),
  caseOutcome: (s) => ({ hit: s.correct!, value: s.correct!, error: 1 - s.correct!, right: s.correct === 1 }),
  pairedHits: true,
  answerKey: (p) => p.label.trim().toUpperCase(),

  expectedText: (e, ctx) => trueWithTitle(e.label, ctx),
  predictionText: (p, ctx) => labelWithTitle(p.label, ctx?.candidates),

  // A user mean is the same for every candidate: it cannot choose between them.
  // recency: the newest release, the non-personal release-year cue.
  baselines: ['random', 'popularity', 'recency', 'item-mean', 'item-knn', 'mf'],
  baselineObjective: 'interaction',
  baselinePrediction: (_tc, answers) => ({ form: 'choice', label: answers.order()[0]! }),
};
