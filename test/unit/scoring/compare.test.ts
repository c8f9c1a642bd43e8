import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaired, compareRuns, findRegressions } from '../../../src/core/scoring/compare';
import type { ScoringContext } from '../../../src/core/scoring/aggregate';
import { seededRandom } from '../../../src/core/scoring/random';
import { mcnemar } from '../../../src/core/scoring/stats';
import type { CaseResult } from '../../../src/core/types';
import { near, result } from './fixtures';

const ctx: ScoringContext = {
  form: 'choice',
  k: 10,
  scale: null,
  candidates: 4,
  bootstrap: { resamples: 1000 },
};
const choice = (
  caseId: string,
  user: string,
  truth: string,
  answer: string | null,
  variant = 'm',
): CaseResult =>
  result({
    caseId,
    user,
    variant,
    expected: { form: 'choice', label: truth },
    ...(answer ? { prediction: { form: 'choice', label: answer } } : { outcome: 'invalid' }),
  });

test('paired difference on shared cases only; McNemar exact and mid-p by hand; changed cases', () => {
  const A = [
    choice('c1', 'u1', 'A', 'A'),
    choice('c2', 'u2', 'B', 'B'),
    choice('c3', 'u3', 'C', 'A'),
    choice('c4', 'u4', 'D', null),
    choice('c5', 'u5', 'A', 'A'), // only in A
  ];
  const B = [
    choice('c1', 'u1', 'A', 'B'),
    choice('c2', 'u2', 'B', 'B'),
    choice('c3', 'u3', 'C', 'C'),
    choice('c4', 'u4', 'D', 'D'),
    choice('c6', 'u6', 'A', 'A'), // only in B
    choice('c7', 'u7', 'A', 'A'), // only in B
  ];
  const cmp = comparePaired({ label: 'A', results: A }, { label: 'B', results: B }, ctx);
  assert.equal(cmp.onlyA, 1);
  assert.equal(cmp.onlyB, 2);
  assert.equal(cmp.shared.cases, 4);
  const acc = cmp.metrics.find((m) => m.key === 'accuracy')!;
  assert.equal(acc.a, 0.5);
  assert.equal(acc.b, 0.75);
  assert.ok(near(acc.diff.value, 0.25));
  assert.ok(acc.diff.lo <= 0.25 && acc.diff.hi >= 0.25);
  // b = A right & B wrong (c1) = 1, c = A wrong & B right (c3, c4) = 2.
  assert.equal(cmp.mcnemar!.b, 1);
  assert.equal(cmp.mcnemar!.c, 2);
  assert.equal(cmp.mcnemar!.pExact, 1);
  assert.ok(near(cmp.mcnemar!.pMid, 2 * (0.5 - (0.5 * 3) / 8)));
  assert.deepEqual(
    cmp.changed.map((c) => [c.caseId, c.change]),
    [
      ['c1', 'regressed'],
      ['c3', 'improved'],
      ['c4', 'improved'],
    ],
  );
  assert.deepEqual(cmp.changes, { improved: 2, regressed: 1, unchanged: 1 });
  const fail = cmp.metrics.find((m) => m.key === 'failShare')!;
  assert.equal(fail.a, 0.25);
  assert.equal(fail.b, 0);
});

test('McNemar exact p against the binomial by hand', () => {
  // b = 0, c = 5: p = 2 * 0.5^5
  assert.ok(near(mcnemar(0, 5).pExact, 2 / 32));
  assert.ok(near(mcnemar(0, 5).pMid, 1 / 32));
  // b = 2, c = 8: P(X <= 2) = (1 + 10 + 45) / 1024
  assert.ok(near(mcnemar(2, 8).pExact, (2 * 56) / 1024));
  assert.equal(mcnemar(0, 0).pExact, 1);
});

function simulate(seed: number, users: number, pA: number, pB: number): { a: CaseResult[]; b: CaseResult[] } {
  const rand = seededRandom(seed);
  const a: CaseResult[] = [];
  const b: CaseResult[] = [];
  for (let u = 0; u < users; u++) {
    const skill = rand() * 0.4 - 0.2; // shared difficulty of the user's cases: pairs are correlated
    for (let c = 0; c < 2; c++) {
      const id = `u${u}c${c}`;
      const x = rand();
      a.push(choice(id, `u${u}`, 'A', x < pA + skill ? 'A' : 'B'));
      b.push(choice(id, `u${u}`, 'A', rand() < pB + skill ? 'A' : 'B'));
    }
  }
  return { a, b };
}

test('a real improvement is found; identical sides give p = 1 and no verdict', () => {
  const { a, b } = simulate(1, 300, 0.4, 0.55);
  const cmp = comparePaired({ label: 'A', results: a }, { label: 'B', results: b }, ctx);
  const acc = cmp.metrics.find((m) => m.key === 'accuracy')!;
  assert.equal(acc.verdict, 'better');
  assert.ok(acc.p < 0.01, `p ${acc.p}`);
  assert.ok(cmp.mcnemar!.pExact < 0.01);
  const same = comparePaired({ label: 'A', results: a }, { label: 'A2', results: a }, ctx);
  const s = same.metrics.find((m) => m.key === 'accuracy')!;
  assert.equal(s.diff.value, 0);
  assert.equal(s.p, 1);
  assert.equal(s.verdict, 'same');
  assert.equal(same.changed.length, 0);
});

test('under no difference the paired bootstrap rejects at about the nominal 5%', () => {
  let rejected = 0;
  const sims = 150;
  for (let i = 0; i < sims; i++) {
    const { a, b } = simulate(100 + i, 60, 0.5, 0.5);
    const cmp = comparePaired(
      { label: 'A', results: a },
      { label: 'B', results: b },
      {
        ...ctx,
        bootstrap: { resamples: 1000, seed: i },
      },
    );
    if (cmp.metrics.find((m) => m.key === 'accuracy')!.p < 0.05) rejected++;
  }
  assert.ok(rejected / sims <= 0.1 && rejected / sims >= 0.005, `rejection rate ${rejected / sims}`);
});

test('compareRuns pairs variants by id and findRegressions reports significant drops only', () => {
  const good = simulate(3, 300, 0.6, 0.6).a;
  const bad = simulate(4, 300, 0.35, 0.35).a;
  const runA = [
    ...good,
    ...good.map((r) => ({ ...r, variant: 'baseline:random' })),
    choice('x', 'u', 'A', 'A', 'old'),
  ];
  const runB = [
    ...bad,
    ...good.map((r) => ({ ...r, variant: 'baseline:random' })),
    choice('x', 'u', 'A', 'A', 'new'),
  ];
  const cmp = compareRuns({ label: 'r1', results: runA }, { label: 'r2', results: runB }, ctx);
  assert.deepEqual(
    cmp.variants.map((v) => v.a),
    ['m', 'baseline:random'],
  );
  assert.deepEqual(cmp.onlyA, ['old']);
  assert.deepEqual(cmp.onlyB, ['new']);
  const regs = findRegressions(cmp);
  assert.equal(regs.length, 1);
  assert.equal(regs[0].variant, 'm');
  assert.equal(regs[0].metric, 'accuracy');
  assert.ok(regs[0].diff.hi < 0);
  assert.match(regs[0].message, /^m: Accuracy \(HR@1\) 0\.\d+ → 0\.\d+/);
  // A gate on a metric named as users name it: HR@1 is a choice's accuracy; a metric the runs have not is an
  // error, never a gate that passes because it matched nothing.
  assert.deepEqual(
    findRegressions(cmp, ['hr@1']).map((r) => r.metric),
    ['accuracy'],
  );
  assert.throws(() => findRegressions(cmp, ['rmse']), /unknown metric "rmse" .*known: accuracy/);
});
