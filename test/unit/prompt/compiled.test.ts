// The compiled fast paths of the built-in templates (src/core/prompt/compiled.ts) must produce LiquidJS's bytes:
// every built-in template is rendered both ways over generated cases that reach every branch and the awkward
// strings (quotes, ampersands, unicode, Liquid delimiters, edge whitespace), and an edited template must not take
// the fast path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPromptVariables,
  builtinTemplates,
  parsePromptFile,
  renderVariables,
  type PromptRenderInfo,
} from '../../../src/core/prompt';
import { COMPILED_TEMPLATE_HASHES, compiledRenderer, templateHash } from '../../../src/core/prompt/compiled';
import { MEMORY_LIMIT } from '../../../src/core/prompt/engine';
import { renderWithLiquid } from '../../../src/core/prompt/render';
import type { TaskForm, TestCase } from '../../../src/core/types';
import { mulberry32 } from '../../../src/core/models/baselines/hash';

/** Seeded PRNG: the same cases on every run. */
const rng = mulberry32;

const PIECES = [
  'Toy Story (1995)',
  'Amélie',
  '"Quoted" & <b>bold</b>',
  "L'Auberge espagnole",
  '{{ user.id }}',
  '{% if x %}y{% endif %}',
  '東京物語',
  '🎬🍿',
  'e\u0301',
  '\u202Eright-to-left',
  'a, b',
  '  padded  ',
  'new\nline',
  'tab\there',
  '',
  ' ',
  '\\',
  '%',
  '[brackets]',
  '0',
  'null',
  'false',
];
const NUMBERS = [0, 1, 3.5, 4, 5, 0.5, -1, 1e21, 1 / 3, 2.25, 100, NaN, -0, 12345];

function generate(r: () => number, form: TaskForm, i: number): { tc: TestCase; info: PromptRenderInfo } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const str = (): string => {
    const n = Math.floor(r() * 3);
    return Array.from({ length: n + (r() < 0.9 ? 1 : 0) }, () => pick(PIECES)).join(r() < 0.5 ? ' ' : '');
  };
  const genres = (): string[] =>
    r() < 0.2
      ? []
      : Array.from({ length: 1 + Math.floor(r() * 4) }, () => (r() < 0.8 ? pick(PIECES) : str()));
  const historyLength = r() < 0.1 ? 0 : Math.floor(r() * 8);
  const history = Array.from({ length: historyLength }, (_, h) => ({
    item: r() < 0.5 ? String(h * 7 + i) : str(),
    title: str(),
    genres: genres(),
    value: pick(NUMBERS),
    // Null times (no timestamps), ordinary ones and a non-finite one all print (or omit) the date.
    time: r() < 0.25 ? null : r() < 0.05 ? NaN : Math.floor(r() * 1.7e9),
  }));
  const K = r() < 0.1 ? 0 : 1 + Math.floor(r() * 12);
  const candidates = Array.from({ length: K }, (_, j) => ({
    label: r() < 0.9 ? String.fromCharCode(65 + j) : str(),
    item: str(),
    title: str(),
    genres: genres(),
  }));
  const target = { item: str(), title: str(), genres: genres() };
  const tc: TestCase = {
    id: `c${i}`,
    form,
    user: r() < 0.7 ? String(i) : str(),
    historyLength: historyLength + Math.floor(r() * 5),
    history,
    target,
    ...(r() < 0.9 ? { candidates } : {}),
    expected: { form },
    targetPopularity: 3,
  };
  const explicit = r() < 0.6;
  const info: PromptRenderInfo = {
    dataset: {
      name: r() < 0.5 ? 'ml-latest-small' : str(),
      kind: explicit ? 'explicit' : 'implicit',
      // An explicit dataset without a scale prints empty bounds; LiquidJS and the fast path must agree.
      scale: r() < 0.85 ? { min: pick([0.5, 1, 0]), max: pick([5, 10, 4.5]), step: pick([0.5, 1]) } : null,
    },
  };
  if (r() < 0.8) {
    info.task = {
      likeThreshold: pick([4, 3.5, 0, -2, 1e21]),
      topShare: pick([
        0.2,
        0.25,
        0.125,
        0.005,
        1 / 3,
        0,
        1,
        0.145,
        0.155,
        2.5e-7,
        -0.2,
        -0.005,
        NaN,
        Infinity,
        1e300,
      ]),
      k: pick([5, 10]),
      probe: r() < 0.3,
    };
  }
  return { tc, info };
}

const FORMS = Object.keys(builtinTemplates) as TaskForm[];

test('every built-in template has a compiled renderer written for its exact text', () => {
  for (const form of FORMS) {
    assert.equal(
      COMPILED_TEMPLATE_HASHES[form],
      templateHash(builtinTemplates[form]!),
      `builtin:${form} changed: update its compiled renderer in src/core/prompt/compiled.ts and its sha256`,
    );
    assert.ok(compiledRenderer(parsePromptFile(builtinTemplates[form]!, `builtin:${form}`)), form);
  }
});

test('the compiled renderers produce LiquidJS bytes for every built-in template over generated cases', () => {
  const r = rng(15);
  let compared = 0;
  for (const templateForm of FORMS) {
    const parsed = parsePromptFile(builtinTemplates[templateForm]!, `builtin:${templateForm}`);
    const fast = compiledRenderer(parsed)!;
    // Mostly the template's own form, and some cases of every other form (a template may serve several).
    for (const caseForm of FORMS) {
      const n = caseForm === templateForm ? 600 : 60;
      for (let i = 0; i < n; i++) {
        const { tc, info } = generate(r, caseForm, i);
        const variables = buildPromptVariables(tc, info);
        const expected = renderWithLiquid(parsed, variables);
        assert.deepEqual(fast(variables), expected, `builtin:${templateForm}, ${caseForm} case ${i}`);
        assert.deepEqual(renderVariables(parsed, variables), expected);
        compared++;
      }
    }
  }
  assert.ok(compared > 5000);
});

test('an edited built-in template is not taken by the fast path: LiquidJS renders the edit', () => {
  const { tc, info } = generate(rng(7), 'choice', 1);
  tc.candidates = [
    { label: 'A', item: '6', title: 'Heat (1995)', genres: ['Crime'] },
    { label: 'B', item: '1', title: 'Toy Story (1995)', genres: [] },
  ];
  const variables = buildPromptVariables(tc, info);
  const original = builtinTemplates.choice!;
  const edits = [
    original.replace('Which one is it?', 'Which one is it??'),
    original.replace('name: builtin-choice', 'name: my-choice'), // front matter only
    `${original}\n`, // one byte more
    original.replace('{{ c.title }}', '{{ c.title | upcase }}'),
  ];
  for (const text of edits) {
    const parsed = parsePromptFile(text, 'my.prompt');
    assert.equal(compiledRenderer(parsed), undefined, text.slice(0, 40));
    assert.deepEqual(renderVariables(parsed, variables), renderWithLiquid(parsed, variables));
  }
  const edited = renderVariables(parsePromptFile(edits[0]!, 'my.prompt'), variables);
  assert.match(edited[1]!.content, /Which one is it\?\? /);
  const upper = renderVariables(parsePromptFile(edits[3]!, 'my.prompt'), variables);
  assert.match(upper[1]!.content, /\nA\. HEAT \(1995\) \[Crime\]\nB\. TOY STORY \(1995\)\n/);
});

test("a case over LiquidJS' memory limit falls back to LiquidJS and fails as it does", () => {
  const parsed = parsePromptFile(builtinTemplates.choice!, 'builtin:choice');
  const { tc, info } = generate(rng(3), 'choice', 2);
  tc.candidates = [{ label: 'A', item: 'x', title: 'X', genres: ['g'.repeat(MEMORY_LIMIT + 1)] }];
  const variables = buildPromptVariables(tc, info);
  assert.equal(compiledRenderer(parsed)!(variables), undefined);
  assert.throws(() => renderVariables(parsed, variables), /memory alloc limit exceeded/);
});
