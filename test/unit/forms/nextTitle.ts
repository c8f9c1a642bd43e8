// A toy fifth task form, defined in the test folder alone: "which item comes next?", answered as free text
// among all items (no candidates). It exists to prove that a form is one module registered through the
// registry: nothing in src/ knows it.
import { z } from 'zod';
import { normaliseTitle, type TaskFormDef } from '../../../src/core/forms';
import { badShape, strictObject, valid } from '../../../src/core/forms/answer';

export interface NextTitleExpected {
  form: 'next-title';
  title: string;
  [field: string]: unknown;
}
export interface NextTitlePrediction {
  form: 'next-title';
  title: string;
  [field: string]: unknown;
}

const schema = z.object({ title: z.string().trim().min(1) });

export const nextTitleForm: TaskFormDef<NextTitleExpected, NextTitlePrediction> = {
  id: 'next-title',
  summary: 'the title of the next item, as free text',
  metricsSummary: 'hit rate',
  configFields: [],
  expected: ({ data, row }) => ({ form: 'next-title', title: data.items[data.item[row]!]!.title }),
  example: () => ({ form: 'next-title', title: 'Star Wars: Episode V - The Empire Strikes Back (1980)' }),

  answerSchema: () => ({ name: 'next_title', schema: strictObject({ title: { type: 'string' } }) }),
  answerTokens: () => 16,
  answer: {
    key: 'title',
    hint: 'a title',
    fromObject(obj) {
      const r = schema.safeParse(obj);
      return r.success
        ? valid({ form: 'next-title', title: r.data.title }, 'json')
        : badShape('title', r.error);
    },
    bare(line) {
      // A bare answer is one short line that looks like a title, not a sentence.
      return /^[^.!?]{1,80}$/.test(line) && !/\b(cannot|can't|sorry)\b/i.test(line)
        ? valid({ form: 'next-title', title: line }, 'text')
        : undefined;
    },
  },
  template: `---
name: builtin-next-title
description: Name the next item a user interacts with.
forms: [next-title]
answer: '{"title": "<title>"}'
---
user:
User {{ user.id }} recently rated:
{%- for h in history %}
- {{ h.title }}: {{ h.value }}
{%- endfor %}

Which item did they rate next? Answer with a JSON object only: {"title": "<title>"}.
`,

  score: (e, p) => ({ hit: p && normaliseTitle(p.title) === normaliseTitle(e.title) ? 1 : 0 }),
  scoring: () => ({
    sums: { hit: (s) => s.hit! },
    metrics: [
      {
        key: 'hitRate',
        label: 'Hit rate',
        higherIsBetter: true,
        description: 'Share of cases whose answer names the next item',
        sums: ['hit'],
        value: (t) => (t.n! > 0 ? t.hit! / t.n! : NaN),
      },
    ],
    headline: 'hitRate',
  }),
  caseOutcome: (s) => ({ hit: s.hit!, value: s.hit!, error: 1 - s.hit!, right: s.hit === 1 }),
  pairedHits: true,
  answerKey: (p) => normaliseTitle(p.title),

  expectedText: (e) => e.title,
  predictionText: (p) => p.title,

  baselines: [],
  baselineObjective: 'interaction',
};
