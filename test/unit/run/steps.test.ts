// The runner's and prepare's steps one by one: plan, record, progress, breaker, estimate, the results reader,
// the exit code table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PredictorError } from '../../../src/core/models/retry';
import { CircuitBreaker } from '../../../src/core/run/breaker';
import {
  addToEstimate,
  emptyEstimate,
  finishedUnits,
  isReasoningModelName,
  reasoningReserve,
} from '../../../src/core/run/estimate';
import { planRun, pickQueue, poolsOf, unitAt } from '../../../src/core/run/plan';
import { ProgressTracker, RecentRate } from '../../../src/core/run/progress';
import { interpretError, interpretResponse, notSentResult } from '../../../src/core/run/record';
import { readAppendedResults, readResults } from '../../../src/core/run/results';
import { emptyTotals, unitKey } from '../../../src/core/run/store';
import type { RunVariant } from '../../../src/core/run/runner';
import type { CaseResult, Outcome } from '../../../src/core/types';
import { exitCodeOf } from '../../../src/cli/commands/run';
import { EXIT } from '../../../src/cli/exitCodes';
import { FakePredictor, makeCases, tmpRoot } from './helpers';

const llm = (id: string, model: string, extra: Partial<RunVariant> = {}): RunVariant => ({
  id,
  kind: 'llm',
  predictor: new FakePredictor(model, () => ({ raw: '{"choice":"A"}' })),
  model,
  template: 't',
  samples: 1,
  pool: 'http://x',
  ...extra,
});
const baseline = (id: string): RunVariant => ({
  id,
  kind: 'baseline',
  predictor: new FakePredictor(id, () => ({ raw: '' })),
  model: id,
  template: null,
  samples: 1,
  pool: 'local',
});

test('plan: earlier successes and invalids are done, errors are asked again; templates of a model share a gate', () => {
  const cases = makeCases(4);
  const previous = new Map<string, Outcome>([
    [unitKey(cases[0]!.id, 't×m', 0), 'success'],
    [unitKey(cases[1]!.id, 't×m', 0), 'invalid'],
    [unitKey(cases[2]!.id, 't×m', 0), 'error'],
  ]);
  const plan = planRun(previous, { costUsd: 1.5 }, cases, [
    llm('t×m', 'm', { samples: 2 }),
    llm('u×m', 'm'),
    baseline('baseline:random'),
  ]);
  const [a, b, c] = plan.queues;
  // t×m has 2 samples per case: 8 units; (case 0, sample 0) and (case 1, sample 0) are final.
  assert.equal(a!.pending.length, 6);
  assert.deepEqual(unitAt(a!, 0), { caseIndex: 0, sample: 1 });
  assert.equal(plan.alreadyDone, 2);
  assert.equal(plan.earlierErrors.size, 1);
  assert.equal(plan.totals.error, 1);
  assert.equal(plan.totals.units, 8 + 4 + 4);
  assert.equal(plan.totals.costUsd, 1.5);
  assert.deepEqual(plan.pending, { llm: 6 + 4, baseline: 4 });
  assert.deepEqual(plan.units, { llm: 12, baseline: 4 });
  assert.equal(a!.model, b!.model, 'two templates of one model share its gate');
  assert.notEqual(a!.model, c!.model);
  assert.deepEqual([...poolsOf(plan.queues).keys()], ['http://x', 'local']);
});

test('pickQueue: takes turns, skips stopped models and waits on a full cap', () => {
  const cases = makeCases(3);
  const plan = planRun(new Map(), {}, cases, [llm('t×m', 'm', { concurrency: 1 }), llm('t×n', 'n')]);
  const [m, n] = plan.queues;
  const turn = { at: 0 };
  assert.equal(pickQueue(plan.queues, turn), m);
  assert.equal(pickQueue(plan.queues, turn), n);
  m!.model.inFlight = 1;
  assert.equal(pickQueue(plan.queues, turn), n, 'm is at its cap');
  n!.model.stopped = 'HTTP 401';
  assert.equal(pickQueue(plan.queues, turn), 'wait', 'only m has work, and it is at its cap');
  m!.model.stopped = 'HTTP 401';
  assert.equal(pickQueue(plan.queues, turn), null, 'stopped models have nothing to give');
});

test('record: finish reason and reasoning-only reach the parser context and the line; errors get codes', () => {
  const [tc] = makeCases(1);
  const ok = interpretResponse({ raw: '{"choice":"B"}', finishReason: 'stop' }, tc!, null);
  assert.equal(ok.outcome, 'success');
  assert.equal(ok.finishReason, 'stop');
  const cut = interpretResponse({ raw: '{"choi', finishReason: 'length' }, tc!, null);
  assert.equal(cut.outcome, 'invalid');
  assert.equal(cut.finishReason, 'length');
  assert.equal(cut.reasonCode, 'cut');
  const thinking = interpretResponse({ raw: '', reasoningOnly: true }, tc!, null);
  assert.equal(thinking.outcome, 'invalid');
  assert.equal(thinking.reasonCode, 'reasoning-only');

  const e401 = interpretError(
    new PredictorError('http', 'HTTP 401: Incorrect API key provided', { status: 401, attempts: 1 }),
  );
  assert.deepEqual(e401, {
    reason: 'HTTP 401: Incorrect API key provided',
    reasonCode: 'http-401',
    fatal: true,
    attempts: 1,
  });
  const e503 = interpretError(new PredictorError('http', 'HTTP 503', { status: 503, attempts: 7 }));
  assert.equal(e503.fatal, false);
  assert.equal(e503.reasonCode, 'http-503');
  const ctx = interpretError(
    new PredictorError('http', "HTTP 400: This model's maximum context length is 8192 tokens", {
      status: 400,
    }),
  );
  assert.equal(ctx.fatal, false, 'a too-long prompt is the case’s own problem');
  assert.equal(interpretError(new PredictorError('timeout', 'no answer')).reasonCode, 'timeout');
  const line = notSentResult(tc!, { id: 't×m', model: 'm', template: 't' }, 0, 'HTTP 401');
  assert.equal(line.outcome, 'error');
  assert.equal(line.reasonCode, 'fatal');
  assert.equal(line.attempts, 0);
  assert.match(line.reason!, /not sent: m was stopped after a fatal error \(HTTP 401\)/);
});

test('progress: models and baselines are paced apart; the ETA follows the recent model rate', () => {
  let now = 0;
  const p = new ProgressTracker({ llm: 100, baseline: 100 }, { llm: 100, baseline: 100 }, () => now);
  // Baselines finish at once; models at 1 unit per second.
  for (let i = 0; i < 100; i++) p.done('baseline');
  assert.equal(p.eta('llm'), null, 'no model rate yet: no ETA');
  for (let i = 0; i < 10; i++) {
    now += 1000;
    p.done('llm');
  }
  const snap = p.snapshot({ ...emptyTotals(200) }, 8);
  assert.equal(snap.done, 110);
  assert.deepEqual(snap.models, { done: 10, total: 100 });
  assert.deepEqual(snap.baselines, { done: 100, total: 100 });
  assert.ok(Math.abs(snap.etaMs! - 90_000) < 1, `90 model units left at 1/s: ${snap.etaMs}`);
  // A stall makes the ETA grow instead of freezing.
  now += 30_000;
  assert.ok(p.eta('llm')! > 90_000 * 3);
  const r = new RecentRate(0, 2, 0);
  r.add(10);
  r.add(20);
  r.add(1000);
  assert.equal(r.rate(1000), 2 / (1000 - 10), 'only the last completions count');
});

test('progress: fast units keep a steady rate through a pause (the window spans seconds, not 50 completions)', () => {
  // 2,000 units a second for 20 s, as baselines or a local model go, then a 300 ms pause (a full collection).
  const r = new RecentRate(0);
  let t = 0;
  for (let i = 0; i < 40_000; i++) r.add((t += 0.5));
  const steady = r.rate(t)!;
  assert.ok(Math.abs(steady - 2) < 0.01, `2 units per ms: ${steady}`);
  const paused = r.rate(t + 300)!;
  assert.ok(paused > steady * 0.95, `a 300 ms pause moves the rate by under 5%: ${paused} against ${steady}`);
  // The last 50 completions alone span 25 ms: over them the same pause would cut the rate to 1/13.
  const last50 = new RecentRate(0, 50, 0);
  t = 0;
  for (let i = 0; i < 40_000; i++) last50.add((t += 0.5));
  assert.ok(last50.rate(t + 300)! < steady / 10, 'the count-only window swings');
  // A real stall still shows: 30 s without a completion at least halves the rate.
  assert.ok(r.rate(t + 30_000)! < steady / 2);
  // Memory stays bounded at any rate: marks every spanMs / 100.
  assert.ok((r as unknown as { marks: unknown[] }).marks.length <= 205, 'bounded marks');
});

test('breaker: trips after N failures in a row, pauses, lets one probe through; a live answer closes it, a failed probe kills it', async () => {
  const b = new CircuitBreaker('http://dead', { threshold: 3, pauseMs: 20 });
  const states: string[] = [];
  b.onChange((c) => states.push(c.state));
  const signal = new AbortController().signal;
  const down = { retryable: true, kind: 'timeout' as const, reason: 'no answer within 10 ms' };
  b.settle(down);
  b.settle({ retryable: true, kind: 'http', status: 503, reason: 'HTTP 503' });
  b.settle(down);
  b.settle(down);
  assert.equal(b.current, 'closed', 'an HTTP answer in between reset the count');
  b.settle(down);
  assert.equal(b.current, 'open');
  let admitted = 0;
  const waiting = [b.admit(signal), b.admit(signal)].map((p) => p.then(() => admitted++));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(admitted, 1, 'one probe after the pause, the other waits');
  assert.equal(b.current, 'probing');
  b.settle(undefined); // the probe got an answer
  await Promise.all(waiting);
  assert.equal(b.current, 'closed');
  assert.deepEqual(states, ['open', 'probing', 'closed']);

  for (let i = 0; i < 3; i++) b.settle(down);
  await new Promise((r) => setTimeout(r, 40));
  await b.admit(signal); // the probe
  const refused = b.admit(signal);
  b.settle(down);
  await assert.rejects(
    refused,
    (e: PredictorError) => e.fatal && /http:\/\/dead is not answering/.test(e.message),
  );
  await assert.rejects(b.admit(signal), /not answering/);
  assert.equal(b.current, 'dead');
  b.dispose();
});

test('estimate: reasoning models get a reserve; a resume counts only what is left', async (t) => {
  // The same families as the providers' predicate (a local copy keeps the openai package out of prepare).
  const { isReasoningModel } = await import('../../../src/core/models/openai');
  for (const name of [
    'o1',
    'o3',
    'o4-mini',
    'openai/gpt-5-mini',
    'gpt-5',
    'gpt-5-chat-latest',
    'gpt-4o-mini',
    'llama3',
  ])
    assert.equal(isReasoningModelName(name), isReasoningModel(name), name);
  assert.ok(isReasoningModelName('openai/gpt-5-mini'));
  assert.ok(!isReasoningModelName('gpt-4o-mini'));
  assert.equal(reasoningReserve('gpt-4o', {}, 8), 0);
  assert.equal(reasoningReserve('o3', {}, 8), 2048);
  assert.equal(reasoningReserve('o3', { reasoning_effort: 'low' }, 8), 1024);
  assert.equal(reasoningReserve('o3', { max_completion_tokens: 500 }, 8), 492, 'never above the request cap');

  const est = emptyEstimate();
  addToEstimate(est, {
    kind: 'llm',
    model: 'o3',
    units: 100,
    done: 40,
    promptTokensPerUnit: 100,
    answerTokens: 8,
    reasoningTokens: 2048,
    cost: (u) => u.prompt * 1e-6 + u.completion * 4e-6,
  });
  addToEstimate(est, { kind: 'baseline', model: 'baseline:random', units: 100, done: 100 });
  assert.equal(est.units, 60);
  assert.equal(est.alreadyDone, 140);
  assert.equal(est.llmRequests, 60);
  assert.equal(est.promptTokens, 6000);
  assert.equal(est.completionTokens, 60 * (8 + 2048));
  assert.equal(est.reasoningReserve, 60 * 2048);
  assert.ok(Math.abs(est.costUsd! - (6000e-6 + 60 * 2056 * 4e-6)) < 1e-12);

  const dir = tmpRoot(t);
  const file = path.join(dir, 'results.jsonl');
  const cases = makeCases(3);
  const line = (i: number, outcome: Outcome) =>
    JSON.stringify({ caseId: cases[i]!.id, variant: 'v', sample: 0, outcome }) + '\n';
  writeFileSync(file, line(0, 'success') + line(1, 'error') + line(2, 'invalid') + line(2, 'success'));
  assert.deepEqual([...(await finishedUnits(file, cases))], [['v', 2]]);
  assert.deepEqual([...(await finishedUnits(file, cases.slice(0, 1)))], [['v', 1]], '--limit subset');
});

test('results reader: full and incremental reads agree; torn tails wait; truncation is reported', async (t) => {
  const dir = tmpRoot(t);
  const file = path.join(dir, 'results.jsonl');
  const r = (i: number) => JSON.stringify({ caseId: `c${i}`, variant: 'v', sample: 0 }) + '\n';
  writeFileSync(file, r(0) + r(1) + 'not json\n\n' + r(2).slice(0, 10));
  const all: CaseResult[] = [];
  const scan = await readResults(file, (x) => all.push(x));
  assert.deepEqual(
    all.map((x) => x.caseId),
    ['c0', 'c1'],
  );
  assert.equal(scan.corrupt, 1);
  assert.equal(scan.tornTail, true);
  assert.equal(scan.validBytes, (r(0) + r(1) + 'not json\n\n').length);

  const seen: string[] = [];
  let inc = readAppendedResults(file, 0, (x) => seen.push(x.caseId));
  assert.equal(inc.validBytes, scan.validBytes);
  // The writer finishes the torn line and appends another, in two writes.
  appendFileSync(file, r(2).slice(10));
  appendFileSync(file, r(3).slice(0, 5));
  inc = readAppendedResults(file, inc.validBytes, (x) => seen.push(x.caseId));
  assert.deepEqual(seen, ['c0', 'c1', 'c2']);
  assert.equal(inc.tornTail, true);
  appendFileSync(file, r(3).slice(5) + '\r\n'.slice(0, 0));
  inc = readAppendedResults(file, inc.validBytes, (x) => seen.push(x.caseId));
  assert.deepEqual(seen, ['c0', 'c1', 'c2', 'c3']);

  // A custom parser (the results panel's slim one) gets the line's bytes.
  const ids: string[] = [];
  await readResults<string>(file, (id) => ids.push(id), {
    parse: (b, s, e) => {
      if (b[s] !== 123) throw new Error('not an object');
      return b.toString('utf8', s, e).slice(0, 13);
    },
  });
  assert.deepEqual(ids, ['{"caseId":"c0', '{"caseId":"c1', '{"caseId":"c2', '{"caseId":"c3']);

  writeFileSync(file, r(9));
  const after = readAppendedResults(file, inc.validBytes, () => assert.fail('nothing is read'));
  assert.equal(after.truncated, true);
  assert.equal(readAppendedResults(path.join(dir, 'none'), 0, () => {}).validBytes, 0);
});

test('exit codes: one table for how a run ended', () => {
  const totals = emptyTotals(10);
  assert.equal(exitCodeOf({ status: 'done', totals }), EXIT.ok);
  assert.equal(exitCodeOf({ status: 'done', totals: { ...totals, error: 1 } }), EXIT.unitsFailed);
  assert.equal(
    exitCodeOf({ status: 'failed', totals, stoppedModels: [{ model: 'm', reason: 'HTTP 401', notSent: 9 }] }),
    EXIT.unitsFailed,
  );
  assert.equal(exitCodeOf({ status: 'failed', totals }), EXIT.error);
  assert.equal(exitCodeOf({ status: 'budget', totals }), EXIT.budget);
  assert.equal(exitCodeOf({ status: 'cancelled', totals }), EXIT.interrupted);
  assert.deepEqual(Object.values(EXIT), [0, 1, 3, 4, 5, 130]);
});

test('progress: the ETA is never shorter than the longest wait before a retry', () => {
  let now = 0;
  const p = new ProgressTracker({ llm: 10, baseline: 0 }, { llm: 10, baseline: 0 }, () => now);
  for (let i = 0; i < 9; i++) {
    now += 10;
    p.done('llm');
  }
  // One unit left at 100 units a second: 10 ms by the rate, but it waits 3 s (a Retry-After) before it sends.
  assert.ok(p.snapshot(emptyTotals(10), 1).etaMs! < 50);
  assert.equal(p.snapshot(emptyTotals(10), 1, {}, 3000).etaMs, 3000);
  now += 10;
  p.done('llm');
  assert.equal(p.snapshot(emptyTotals(10), 0, {}, 3000).etaMs, 0, 'nothing left: done, whatever waits');
});
