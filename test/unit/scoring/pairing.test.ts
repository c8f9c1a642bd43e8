// Comparisons pair what the user means: cases (not samples), and the models of two runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  caseDifferences,
  comparePaired,
  compareRuns,
  pairVariants,
  resolveVariant,
  variantsOf,
} from '../../../src/core/scoring';
import type { ScoringContext } from '../../../src/core/scoring/aggregate';
import type { RunManifest } from '../../../src/core/run/store';
import type { CaseResult } from '../../../src/core/types';
import { near, result } from './fixtures';

const ctx: ScoringContext = {
  form: 'choice',
  k: 10,
  scale: null,
  candidates: 4,
  bootstrap: { resamples: 300 },
};

/** A choice answer of an LLM variant "<template>×<model>" (or a baseline when template is null). */
function answer(
  variant: { model: string; template: string | null },
  caseId: string,
  right: boolean | null,
  sample = 0,
): CaseResult {
  const id = variant.template === null ? `baseline:${variant.model}` : `${variant.template}×${variant.model}`;
  return result({
    caseId,
    user: `u-${caseId}`,
    variant: id,
    model: variant.template === null ? id : variant.model,
    template: variant.template,
    sample,
    expected: { form: 'choice', label: 'A' },
    ...(right === null ? { outcome: 'error' } : { prediction: { form: 'choice', label: right ? 'A' : 'B' } }),
  });
}

const cases = Array.from({ length: 40 }, (_, i) => `c${i}`);
const pop = { model: 'popularity', template: null };

test('two runs of one config with different models: the LLM variants are paired, not left as "only in A/B"', () => {
  const mini = { model: 'gpt-mini', template: 'builtin-choice' };
  const big = { model: 'gpt-big', template: 'builtin-choice' };
  const A = cases.flatMap((c, i) => [answer(mini, c, i % 3 === 0), answer(pop, c, i % 2 === 0)]);
  const B = cases.flatMap((c, i) => [answer(big, c, i % 3 !== 2), answer(pop, c, i % 2 === 0)]);
  const cmp = compareRuns({ label: 'ra', results: A }, { label: 'rb', results: B }, ctx);
  assert.deepEqual(
    cmp.variants.map((v) => [v.a, v.b]),
    [
      ['builtin-choice×gpt-mini', 'builtin-choice×gpt-big'],
      ['baseline:popularity', 'baseline:popularity'],
    ],
  );
  assert.deepEqual(cmp.onlyA, []);
  assert.deepEqual(cmp.onlyB, []);
  assert.equal(cmp.variants[0].shared.cases, 40);
  const acc = cmp.variants[0].metrics.find((m) => m.key === 'accuracy')!;
  assert.ok(acc.diff.value > 0.2, `${acc.diff.value}`);
  // Each side's own interval is there (the panel shows it, never "± 0.000").
  assert.ok(acc.aCI && acc.aCI.hi > acc.aCI.lo, JSON.stringify(acc.aCI));
  assert.ok(acc.bCI && acc.bCI.hi > acc.bCI.lo);
});

test('pairing per template when each side has one model per template; leftovers stay unpaired', () => {
  const v = (model: string, template: string) => ({
    id: `${template}×${model}`,
    model,
    template,
    kind: 'llm' as const,
  });
  const A = [
    v('m1', 't1'),
    v('m1', 't2'),
    { id: 'baseline:random', model: 'baseline:random', template: null, kind: 'baseline' as const },
  ];
  const B = [v('m2', 't1'), v('m2', 't2'), v('m3', 't2')];
  const p = pairVariants(A, B);
  assert.deepEqual(p.pairs, [{ a: 't1×m1', b: 't1×m2' }]);
  assert.deepEqual(p.onlyA, ['t2×m1', 'baseline:random']);
  assert.deepEqual(p.onlyB, ['t2×m2', 't2×m3']);
  // One LLM each but different templates (a prompt change): paired.
  assert.deepEqual(pairVariants([v('m1', 't1')], [v('m1', 't9')]).pairs, [{ a: 't1×m1', b: 't9×m1' }]);
});

test('--pair accepts variant ids (x for ×), model ids and baseline names; an ambiguous model is refused', () => {
  const vs = variantsOf([
    answer({ model: 'mix', template: 'builtin-choice' }, 'c0', true),
    answer({ model: 'gpt', template: 't1' }, 'c0', true),
    answer({ model: 'gpt', template: 't2' }, 'c0', true),
    answer(pop, 'c0', true),
  ]);
  assert.equal(resolveVariant('builtin-choice×mix', vs, 'r'), 'builtin-choice×mix');
  assert.equal(resolveVariant('builtin-choicexmix', vs, 'r'), 'builtin-choice×mix');
  assert.equal(resolveVariant('mix', vs, 'r'), 'builtin-choice×mix');
  assert.equal(resolveVariant('popularity', vs, 'r'), 'baseline:popularity');
  assert.throws(() => resolveVariant('gpt', vs, 'r'), /model "gpt" has 2 variants in r \(t1×gpt, t2×gpt\)/);
  assert.throws(() => resolveVariant('nope', vs, 'r'), /no variant or model "nope" in r/);
  const cmp = compareRuns(
    { label: 'r', results: [answer({ model: 'gpt', template: 't1' }, 'c0', true)] },
    { label: 'r', results: [answer({ model: 'mix', template: 'builtin-choice' }, 'c0', false)] },
    ctx,
    { pairs: [{ a: 'gpt', b: 'builtin-choicexmix' }] },
  );
  assert.deepEqual([cmp.variants[0].a, cmp.variants[0].b], ['t1×gpt', 'builtin-choice×mix']);
});

test('samples: McNemar counts cases by majority vote (a tie is wrong); the bootstrap pairs case means', () => {
  const m = { model: 'm', template: 't' };
  const base = { model: 'base', template: 't' };
  // 30 cases; A has 3 samples per case, B one.
  const A: CaseResult[] = [];
  const B: CaseResult[] = [];
  cases.slice(0, 30).forEach((c, i) => {
    // A: 2 of 3 right on cases 0..19 (majority right), 1 of 3 on 20..29 (majority wrong).
    const rights = i < 20 ? [true, true, false] : [true, false, false];
    rights.forEach((r, s) => A.push(answer(m, c, r, s)));
    B.push(answer(base, c, i % 2 === 0));
  });
  const cmp = comparePaired({ label: 'A', results: A }, { label: 'B', results: B }, ctx);
  assert.equal(cmp.shared.cases, 30);
  assert.equal(cmp.shared.observations, 90);
  const mc = cmp.mcnemar!;
  // Discordant CASES only: never more than the 30 shared cases (counting samples would give up to 90).
  assert.ok(mc.b + mc.c <= 30);
  // A right (majority) & B wrong: cases 1,3,..,19 = 10; A wrong & B right: 20,22,..,28 = 5.
  assert.equal(mc.b, 10);
  assert.equal(mc.c, 5);
  const acc = cmp.metrics.find((x) => x.key === 'accuracy')!;
  assert.ok(near(acc.a, (20 * (2 / 3) + 10 * (1 / 3)) / 30));
  assert.ok(near(acc.b, 0.5));
  // A tie (1 of 2 samples right) is counted wrong.
  const tie = comparePaired(
    { label: 'A', results: [answer(m, 'c0', true, 0), answer(m, 'c0', false, 1)] },
    { label: 'B', results: [answer(base, 'c0', true)] },
    ctx,
  );
  assert.deepEqual([tie.mcnemar!.b, tie.mcnemar!.c], [0, 1]);
});

test("the runs' cases differ: a warning names what differs; the same settings give none", () => {
  const manifest = (task: Record<string, unknown>, fingerprint = 'f'.repeat(64)): RunManifest =>
    ({
      dataset: { name: 'ml', path: 'x', fingerprint, form: 'choice', scale: null },
      config: { task: { form: 'choice', seed: 0, split: 'auto', ...task } },
      variants: [],
    }) as unknown as RunManifest;
  assert.deepEqual(caseDifferences(manifest({}), manifest({ probe: true })), []);
  const w = caseDifferences(manifest({}), manifest({ seed: 1, split: 'global' }, '0'.repeat(64)));
  assert.equal(w.length, 1);
  assert.match(w[0], /dataset ml/);
  assert.match(w[0], /seed 0 vs 1/);
  assert.match(w[0], /split "auto" vs "global"/);
  assert.match(w[0], /only case ids present in both are paired/);
  const cmp = compareRuns(
    { label: 'a', results: [answer(pop, 'c0', true)] },
    { label: 'b', results: [answer(pop, 'c1', true)] },
    ctx,
    { warnings: w },
  );
  assert.equal(cmp.warnings.length, 2);
  assert.match(cmp.warnings[1], /no case id is in both runs/);
});

test('--pair across two runs keeps the other variants paired by id; within one run only the named pair', () => {
  const A = variantsOf([answer({ model: 'mA', template: 't' }, 'c0', true), answer(pop, 'c0', true)]);
  const B = variantsOf([answer({ model: 'mB', template: 't' }, 'c0', true), answer(pop, 'c0', true)]);
  const two = pairVariants(A, B, [{ a: 'mA', b: 'mB' }], { a: 'ra', b: 'rb' });
  assert.deepEqual(two.pairs, [
    { a: 't×mA', b: 't×mB' },
    { a: 'baseline:popularity', b: 'baseline:popularity' },
  ]);
  assert.deepEqual([two.onlyA, two.onlyB], [[], []]);
  const one = pairVariants(A, A, [{ a: 'mA', b: 'popularity' }], { a: 'ra', b: 'ra' });
  assert.deepEqual(one.pairs, [{ a: 't×mA', b: 'baseline:popularity' }]);
  // Neither side of the pair is "only in" the run; nothing is left out here.
  assert.deepEqual([one.onlyA, one.onlyB], [[], []]);
  const C = variantsOf([
    answer({ model: 'mA', template: 't' }, 'c0', true),
    answer({ model: 'mB', template: 't' }, 'c0', true),
    answer(pop, 'c0', true),
  ]);
  const left = pairVariants(C, C, [{ a: 'mA', b: 'mB' }], { a: 'ra', b: 'ra' });
  assert.deepEqual([left.onlyA, left.onlyB], [['baseline:popularity'], []]);
});
