import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRunStore, readRun } from '../../../src/core/run/store';
import { runEval, LOCAL_POOL, type RunVariant } from '../../../src/core/run/runner';
import { RateLimiter } from '../../../src/core/run/limits';
import type { PredictRequest, Prediction } from '../../../src/core/types';
import { FakePredictor, LABELS, counter, makeCases, manifestFor, tmpRoot } from './helpers';

const scoring = { scale: null, k: 10 };
const render = (tc: { id: string; candidates?: { label: string }[] }) => [
  {
    role: 'user' as const,
    content: `Pick one for ${tc.id}: ${tc.candidates?.map((c) => c.label).join(' ')}`,
  },
];

function llm(p: FakePredictor, extra: Partial<RunVariant> = {}): RunVariant {
  return {
    id: `t×${p.id}`,
    kind: 'llm',
    predictor: p,
    model: p.id,
    template: 't',
    samples: 1,
    render,
    pool: 'http://x',
    ...extra,
  };
}

test('every unit ends as success, invalid or error, once; events and totals agree', async (t) => {
  const root = tmpRoot(t);
  const cases = makeCases(60);
  // Case i: i%10 == 0 -> throws (error), i%10 == 1 -> prose (invalid), else the right label as JSON.
  const p = new FakePredictor('m', (req) => {
    const i = Number(req.testCase.id.slice(1, req.testCase.id.indexOf(':')));
    if (i % 10 === 0) throw Object.assign(new Error('Injected 500'), { status: 500 });
    if (i % 10 === 1) return { raw: 'I cannot decide.', usage: { prompt: 10, completion: 3 } };
    return { raw: `{"choice": "${LABELS[i % 5]}"}`, usage: { prompt: 10, completion: 5 } };
  });
  const baseline = {
    id: 'baseline:first',
    kind: 'baseline' as const,
    predict: async () => ({ raw: 'A', prediction: { form: 'choice', label: 'A' } as Prediction }),
  };
  const store = await openRunStore({ root, runId: 'r1', manifest: manifestFor() });
  const handle = runEval({
    store,
    cases,
    scoring,
    variants: [
      llm(p, { samples: 2, cost: (u) => (u.prompt + u.completion) / 1e6 }),
      {
        id: 'baseline:first',
        kind: 'baseline',
        predictor: baseline,
        model: 'baseline:first',
        template: null,
        samples: 3,
        pool: LOCAL_POOL,
      },
    ],
  });
  let started = 0;
  const finished: string[] = [];
  handle.on('case-started', () => started++);
  handle.on('case-finished', (e) =>
    finished.push(`${e.result.caseId}|${e.result.variant}|${e.result.sample}`),
  );
  const summary = await handle.done;
  assert.equal(summary.status, 'done');
  const units = 60 * 2 + 60; // LLM: 2 samples; baseline: always 1
  assert.equal(finished.length, units);
  assert.equal(new Set(finished).size, units);
  assert.equal(started, units);
  assert.equal(summary.totals.units, units);
  assert.equal(summary.totals.error, 12); // 6 cases × 2 samples
  assert.equal(summary.totals.invalid, 12);
  assert.equal(summary.totals.success, units - 24);
  assert.equal(summary.totals.promptTokens, 10 * 108);

  const run = await readRun('r1', root);
  assert.equal(run.results.length, units);
  assert.equal(run.manifest.status, 'done');
  const err = run.results.find((r) => r.outcome === 'error')!;
  assert.match(err.reason!, /500/);
  assert.ok(err.score && err.score.correct === 0, 'an error is scored as wrong');
  const inv = run.results.find((r) => r.outcome === 'invalid')!;
  assert.equal(inv.raw, 'I cannot decide.');
  assert.match(inv.reason!, /declined to answer/); // "I cannot decide." is a refusal
  assert.equal(inv.reasonCode, 'refusal');
  const ok = run.results.find((r) => r.outcome === 'success' && r.variant === 't×m')!;
  assert.equal(ok.score!.correct, 1);
  assert.deepEqual(ok.messages, render(cases.find((c) => c.id === ok.caseId)!));
  assert.ok(ok.costUsd! > 0);
  const base = run.results.filter((r) => r.variant === 'baseline:first');
  assert.equal(base.length, 60);
  assert.equal(base[0]!.messages, undefined);
});

test('resume: successes and invalids are never asked again; errors are retried and superseded', async (t) => {
  const root = tmpRoot(t);
  const cases = makeCases(40);
  let failing = true;
  const answer = (req: PredictRequest) => {
    const i = Number(req.testCase.id.slice(1, req.testCase.id.indexOf(':')));
    if (failing && i % 4 === 0) throw new Error('connection reset');
    if (i % 4 === 1) return { raw: 'maybe?' };
    return { raw: LABELS[i % 5]! };
  };
  const p1 = new FakePredictor('m', answer);
  const s1 = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const first = await runEval({ store: s1, cases, scoring, variants: [llm(p1)] }).done;
  assert.equal(first.totals.error, 10);

  failing = false;
  const p2 = new FakePredictor('m', answer);
  const s2 = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  assert.equal(s2.resumed, true);
  const second = await runEval({ store: s2, cases, scoring, variants: [llm(p2)] }).done;
  assert.equal(second.status, 'done');
  assert.equal(p2.calls.length, 10, 'only the 10 errors are requested again');
  assert.ok(p2.calls.every((c) => Number(c.caseId.slice(1, c.caseId.indexOf(':'))) % 4 === 0));
  assert.equal(second.totals.error, 0);
  assert.equal(second.totals.success + second.totals.invalid, 40);
  assert.equal(second.manifest.resumes, 1);

  const run = await readRun('r', root);
  assert.equal(run.scan.lines, 50, 'the file keeps the superseded error lines');
  assert.equal(run.results.length, 40);
  assert.ok(run.results.every((r) => r.outcome !== 'error'));
});

test('cancel aborts in-flight requests at once; resume finishes without repeating finished units', async (t) => {
  const root = tmpRoot(t);
  const cases = makeCases(30);
  const fiveDone = counter(5);
  const aborted: string[] = [];
  // The first 5 calls answer; later ones hang until their signal aborts.
  const p1 = new FakePredictor('m', (req, call) => {
    if (call < 5) return { raw: 'A' };
    return new Promise((_, reject) => {
      req.signal.addEventListener('abort', () => {
        aborted.push(req.testCase.id);
        reject(new Error('aborted'));
      });
    });
  });
  const s1 = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const handle = runEval({ store: s1, cases, scoring, variants: [llm(p1)], concurrency: 4 });
  handle.on('case-finished', fiveDone.hit);
  await fiveDone.reached;
  // Wait until the pool is saturated with hanging requests (state, not time).
  while (p1.calls.length < 9) await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  handle.cancel();
  const summary = await handle.done;
  const took = performance.now() - t0;
  assert.equal(summary.status, 'cancelled');
  assert.ok(took < 1000, `cancel took ${took} ms`);
  assert.equal(aborted.length, 4, 'the 4 in-flight requests saw their signal abort');
  assert.equal(summary.totals.success, 5);
  const afterCancel = await readRun('r', root);
  assert.equal(afterCancel.results.length, 5, 'aborted units are not recorded');

  const p2 = new FakePredictor('m', () => ({ raw: 'B' }));
  const s2 = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const done = await runEval({ store: s2, cases, scoring, variants: [llm(p2)] }).done;
  assert.equal(done.status, 'done');
  const finishedBefore = new Set(afterCancel.results.map((r) => r.caseId));
  assert.equal(p2.calls.length, 25);
  assert.ok(p2.calls.every((c) => !finishedBefore.has(c.caseId)));
  assert.equal((await readRun('r', root)).results.length, 30);
});

test('a predictor that ignores the abort signal cannot stall cancel', async (t) => {
  const root = tmpRoot(t);
  const firstCall = counter(1);
  const p = new FakePredictor('m', () => {
    firstCall.hit();
    return new Promise(() => {});
  });
  const store = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const handle = runEval({ store, cases: makeCases(3), scoring, variants: [llm(p)] });
  await firstCall.reached;
  handle.cancel();
  assert.equal((await handle.done).status, 'cancelled');
});

test('concurrency is bounded per pool and per model (across its templates); pools run side by side', async (t) => {
  const root = tmpRoot(t);
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const mk = (id: string, pool: string) =>
    new FakePredictor(id, async () => {
      inFlight.set(pool, (inFlight.get(pool) ?? 0) + 1);
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      peak.set(pool, Math.max(peak.get(pool) ?? 0, inFlight.get(pool)!));
      peak.set(id, Math.max(peak.get(id) ?? 0, inFlight.get(id)!));
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      inFlight.set(pool, inFlight.get(pool)! - 1);
      inFlight.set(id, inFlight.get(id)! - 1);
      return { raw: 'C' };
    });
  const a = mk('a', 'p1');
  const b = mk('b', 'p1');
  const c = mk('c', 'p2');
  const store = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const summary = await runEval({
    store,
    cases: makeCases(40),
    scoring,
    concurrency: 6,
    poolConcurrency: { p2: 2 },
    variants: [
      llm(a, { pool: 'p1' }),
      llm(b, { pool: 'p1', concurrency: 2 }),
      llm(b, { id: 't2×b', template: 't2', pool: 'p1', concurrency: 2 }), // the same model, a second template
      llm(c, { pool: 'p2' }),
    ],
  }).done;
  assert.equal(summary.totals.success + summary.totals.invalid, 160);
  assert.equal(peak.get('p1'), 6);
  assert.ok(peak.get('b')! <= 2, "a model's cap holds across its templates");
  assert.equal(peak.get('p2'), 2);
});

test('budget: the run stops cleanly before the spend would pass the cap', async (t) => {
  const root = tmpRoot(t);
  const p = new FakePredictor('m', () => ({ raw: 'A', usage: { prompt: 100, completion: 100 } }));
  const store = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const cost = (u: { prompt: number; completion: number }) => (u.prompt + u.completion) * 0.001; // 0.2 USD per call
  const summary = await runEval({
    store,
    cases: makeCases(50),
    scoring,
    concurrency: 1,
    budgetUsd: 2.05,
    variants: [llm(p, { cost, countTokens: () => 100, expectedOutputTokens: 100 })],
  }).done;
  assert.equal(summary.status, 'budget');
  assert.equal(p.calls.length, 10);
  assert.ok(summary.totals.costUsd <= 2.05);
  assert.equal((await readRun('r', root)).manifest.status, 'budget');
});

test('progress events carry done/total, ETA and tokens', async (t) => {
  const root = tmpRoot(t);
  const p = new FakePredictor('m', () => ({ raw: 'A', usage: { prompt: 7, completion: 1 } }));
  const store = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const handle = runEval({ store, cases: makeCases(20), scoring, variants: [llm(p)], progressIntervalMs: 0 });
  const seen: { done: number; total: number; eta: number | null; tokens: number }[] = [];
  for await (const e of handle) {
    if (e.type === 'progress')
      seen.push({
        done: e.progress.done,
        total: e.progress.total,
        eta: e.progress.etaMs,
        tokens: e.progress.promptTokens,
      });
  }
  const last = seen[seen.length - 1]!;
  assert.deepEqual([last.done, last.total, last.tokens], [20, 20, 140]);
  assert.equal(last.eta, 0);
  assert.equal(seen[0]!.eta, null);
  assert.ok(seen.every((s, i) => i === 0 || s.done >= seen[i - 1]!.done));
});

test('rate limiter: rpm spaces requests after a one-second burst', () => {
  let clock = 0;
  const rl = new RateLimiter(120, undefined, () => clock); // 2 per second, burst 2
  assert.equal(rl.reserve(0), 0);
  assert.equal(rl.reserve(0), 0);
  assert.equal(Math.round(rl.reserve(0)), 500);
  assert.equal(Math.round(rl.reserve(0)), 1000);
  clock = 1000;
  assert.equal(Math.round(rl.reserve(0)), 500);
  const tl = new RateLimiter(undefined, 6000, () => clock); // 100 tokens per second
  assert.equal(tl.reserve(100), 0);
  assert.equal(Math.round(tl.reserve(50)), 500);
});

test('cached answers keep their usage but cost nothing again', async (t) => {
  const root = tmpRoot(t);
  const p = new FakePredictor('m', (_req, call) => ({
    raw: 'A',
    usage: { prompt: 1000, completion: 10 },
    cached: call % 2 === 0,
  }));
  const store = await openRunStore({ root, runId: 'r', manifest: manifestFor() });
  const summary = await runEval({
    store,
    cases: makeCases(10),
    scoring,
    variants: [llm(p, { cost: (u) => u.prompt / 1000 })],
  }).done;
  assert.equal(summary.totals.cached, 5);
  assert.equal(summary.totals.requests, 5);
  assert.equal(summary.totals.costUsd, 5);
  assert.equal(summary.totals.promptTokens, 10_000);
  const lines = (await readRun('r', root)).results;
  assert.ok(lines.filter((r) => r.cached).every((r) => r.costUsd === 0));
});
