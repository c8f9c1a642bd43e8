import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, checkThresholds, parseThreshold } from '../../../src/core/scoring/report';
import { renderReportJson, renderReportMarkdown, renderReportText } from '../../../src/core/scoring/render';
import {
  breakdowns,
  popularityThresholds,
  popularityThresholdsOf,
  probeComparison,
} from '../../../src/core/scoring/breakdown';
import { type ScoringContext } from '../../../src/core/scoring/aggregate';
import { resultColumns } from '../../../src/core/scoring/columns';
import type { CaseResult } from '../../../src/core/types';
import { near, result } from './fixtures';
import { manifestFor } from './runFixture';

const ctx: ScoringContext = {
  form: 'choice',
  k: 10,
  scale: null,
  candidates: 4,
  bootstrap: { resamples: 500 },
};
const LABELS = ['A', 'B', 'C', 'D'];

/** 30 users × 2 cases; `skill` of getting it right; history lengths and popularity vary with the index. */
function choiceRun(variant: string, right: (i: number) => boolean): CaseResult[] {
  const out: CaseResult[] = [];
  for (let i = 0; i < 60; i++) {
    const truth = LABELS[i % 4];
    out.push(
      result({
        caseId: `c${i}`,
        user: `u${Math.floor(i / 2)}`,
        variant,
        expected: { form: 'choice', label: truth },
        prediction: { form: 'choice', label: right(i) ? truth : LABELS[(i + 1) % 4] },
        historyLength: 5 + i * 3,
        targetPopularity: i,
        usage: { prompt: 100, completion: 5 },
        costUsd: 0.001,
        latencyMs: 100 + i,
      }),
    );
  }
  return out;
}

test('breakdowns: history buckets, popularity terciles and per-user rows by hand', () => {
  const rs = choiceRun('m', (i) => i >= 30); // right on the later (longer-history, more popular) half
  const th = popularityThresholds(rs);
  assert.ok(near(th.tail, 59 / 3) && near(th.torso, (2 * 59) / 3));
  const run = resultColumns(rs, ctx);
  assert.deepEqual(popularityThresholdsOf(run), th);
  const b = breakdowns(run, run.variants[0]!, th);
  assert.equal(b.metric, 'accuracy');
  const tail = b.popularity.find((x) => x.key === 'popularity:tail')!;
  const head = b.popularity.find((x) => x.key === 'popularity:head')!;
  assert.equal(tail.cases, 20); // popularity 0..19
  assert.equal(tail.value.value, 0);
  assert.equal(head.cases, 20); // 40..59
  assert.equal(head.value.value, 1);
  // history 5 + 3i: bucket 0–9 holds i = 0, 1; 10–19 holds i = 2..4
  assert.deepEqual(
    b.historyLength.slice(0, 2).map((x) => [x.label, x.cases]),
    [
      ['0–9', 2],
      ['10–19', 3],
    ],
  );
  assert.equal(
    b.historyLength.reduce((s, x) => s + x.cases, 0),
    60,
  );
  assert.equal(b.users.count, 30);
  assert.equal(b.users.best[0].value, 1);
  assert.equal(b.users.worst[0].value, 0);
});

test('knowledge probe: the drop titled − opaque with a paired interval', () => {
  const titled = choiceRun('m', (i) => i % 4 !== 0); // 0.75
  const probe = choiceRun('m', (i) => i % 2 === 0); // 0.5
  const p = probeComparison(titled, probe, ctx);
  assert.equal(p.rows.length, 1);
  assert.ok(near(p.rows[0].titled, 0.75));
  assert.ok(near(p.rows[0].probe, 0.5));
  assert.ok(near(p.rows[0].drop.value, 0.25));
  assert.ok(p.rows[0].drop.lo <= 0.25 && p.rows[0].drop.hi >= 0.25);
});

test('buildReport: header, variants in manifest order, totals, notes for a partial run; renderers agree', () => {
  const rs = [...choiceRun('gpt', (i) => i % 3 !== 0), ...choiceRun('baseline:random', (i) => i % 4 === 0)];
  const manifest = manifestFor('r1', 'choice', ['gpt', 'baseline:random', 'never-ran'], {
    cases: 60,
    candidates: 4,
    status: 'cancelled',
  });
  const report = buildReport(manifest, rs, { bootstrap: { resamples: 400 } });
  assert.equal(report.schema, 'ubp-report/1');
  assert.deepEqual(
    report.variants.map((v) => [v.variant, v.kind]),
    [
      ['gpt', 'llm'],
      ['baseline:random', 'baseline'],
    ],
  );
  assert.equal(report.headline.key, 'accuracy');
  assert.equal(report.run.units, 180);
  assert.equal(report.run.finishedUnits, 120);
  assert.equal(report.run.partial, true);
  assert.equal(report.run.durationMs, 90_000);
  assert.ok(near(report.totals.costUsd!, 0.12));
  assert.equal(report.totals.promptTokens, 12_000);
  assert.match(report.notes.join('\n'), /Partial run \(cancelled\): 120 of 180/);
  assert.match(report.notes.join('\n'), /resample users/);
  assert.doesNotMatch(report.notes.join('\n'), /approximate/); // 30 users
  const gpt = report.variants[0];
  assert.ok(near(gpt.metrics[0].all.value, 40 / 60));
  assert.equal(gpt.positionBias!.positions.length, 4);
  assert.equal(gpt.vsBestBaseline!.baseline, 'baseline:random');
  assert.ok(near(gpt.vsBestBaseline!.diff.value, 40 / 60 - 15 / 60));
  assert.equal(gpt.vsBestBaseline!.verdict, 'better');
  assert.equal(report.variants[1].vsBestBaseline, undefined);

  const text = renderReportText(report);
  assert.match(text, /UBP report: test r1 \(r1\)/);
  assert.match(text, /gpt\s+0\.667 \[0\.\d+, 0\.\d+\].*\+0\.417 \[\+0\.\d+, \+0\.\d+\]/);
  assert.match(text, /by target popularity/);
  const md = renderReportMarkdown(report);
  assert.match(md, /^# UBP report/);
  assert.match(md, /\| gpt \| 0\.667 \[/);
  const json = JSON.parse(renderReportJson(report));
  assert.equal(json.variants[1].variant, 'baseline:random');
});

test('checkThresholds: LLM variants only, direction by metric, unknown metric is an error', () => {
  const rs = [...choiceRun('gpt', (i) => i % 2 === 0), ...choiceRun('baseline:random', () => true)];
  const report = buildReport(manifestFor('r', 'choice', ['gpt', 'baseline:random'], { cases: 60 }), rs, {
    bootstrap: { resamples: 200 },
  });
  const fail = checkThresholds(report, ['accuracy>=0.6']);
  assert.equal(fail.ok, false);
  assert.deepEqual(
    fail.failures.map((f) => [f.variant, f.value]),
    [['gpt', 0.5]],
  );
  assert.equal(checkThresholds(report, ['accuracy=0.5', 'invalid<=0']).ok, true);
  assert.equal(checkThresholds(report, ['hr1>0.49']).ok, true); // HR@1 is the choice form's accuracy
  assert.throws(() => checkThresholds(report, ['ndcg@10>=0.1']), /unknown metric "ndcg@10" for a choice run/);
});

test('parseThreshold rejects malformed specs', () => {
  assert.deepEqual(parseThreshold('ndcg@10>=0.3'), { metric: 'ndcg@10', op: '>=', value: 0.3 });
  assert.deepEqual(parseThreshold('rmse=1'), { metric: 'rmse', op: null, value: 1 });
  assert.throws(() => parseThreshold('ndcg@10 is high'), /bad threshold/);
});

test('a run with no finished answer reports so instead of empty tables', () => {
  const manifest = manifestFor('e', 'rating', ['gpt'], { cases: 10, status: 'running' });
  const report = buildReport(manifest, []);
  assert.equal(report.variants.length, 0);
  assert.equal(report.run.finishedUnits, 0);
  const text = renderReportText(report);
  assert.match(text, /No finished answers yet/);
  assert.doesNotMatch(text, /Headline/);
});

test('rating samples: agreement and the spread of predicted ratings', () => {
  const scale = { min: 0.5, max: 5, step: 0.5 };
  const rs: CaseResult[] = [];
  for (let i = 0; i < 4; i++) {
    for (let s = 0; s < 2; s++) {
      // case i: samples agree on even cases (4, 4), differ on odd ones (3, 4)
      const value = i % 2 === 0 ? 4 : 3 + s;
      rs.push(
        result({
          caseId: `c${i}`,
          user: `u${i}`,
          sample: s,
          expected: { form: 'rating', value: 4 },
          prediction: { form: 'rating', value },
        }),
      );
    }
  }
  const report = buildReport(manifestFor('s', 'rating', ['m'], { cases: 4, scale }), rs, {
    bootstrap: { resamples: 200 },
  });
  const v = report.variants[0];
  assert.equal(v.counts.samples, 2);
  assert.match(report.notes.join('\n'), /Only 4 user\(s\).*approximate/);
  assert.equal(v.agreement!.cases, 4);
  assert.ok(near(v.agreement!.pairwise.value, 0.5));
  assert.ok(near(v.agreement!.ratingSd!, Math.SQRT1_2 / 2)); // SD of (3, 4) = 0.707 on half the cases
  // case means of squared errors: 0, 0.5, 0, 0.5 -> RMSE = sqrt(0.25)
  assert.ok(near(v.metrics.find((m) => m.key === 'rmse')!.all.value, 0.5));
});

test('the same answers in any line order give the same report (intervals, comparisons, breakdowns)', () => {
  // Completion order varies between runs, merged shards, batch imports and resumes: the bootstrap must not.
  const rs = [
    ...choiceRun('gpt', (i) => (i * 7) % 5 < 3),
    ...choiceRun('baseline:random', (i) => i % 4 === 0),
  ];
  const manifest = manifestFor('r', 'choice', ['gpt', 'baseline:random'], { cases: 60 });
  const opts = { bootstrap: { resamples: 300 } };
  const shuffled = rs.map((r, i) => ({ r, k: (i * 37) % rs.length })).sort((a, b) => a.k - b.k);
  const a = buildReport(manifest, rs, opts);
  const b = buildReport(
    manifest,
    shuffled.map((x) => x.r),
    opts,
  );
  const c = buildReport(manifest, [...rs].reverse(), opts);
  assert.notDeepEqual(
    shuffled.map((x) => x.r.user),
    rs.map((r) => r.user),
    'the shuffle changed the order of users',
  );
  const json = (r: typeof a): unknown => ({ ...JSON.parse(renderReportJson(r)), generatedAt: null });
  assert.deepEqual(json(b), json(a));
  assert.deepEqual(json(c), json(a));
});

test('buildReport: a run killed before its manifest caught up lasted until its last line, not its last stamp', () => {
  const at = (ms: number) => new Date(Date.parse('2026-11-30T00:00:00.000Z') + ms).toISOString();
  const rs = choiceRun('gpt', (i) => i % 2 === 0).map((r, i) => ({ ...r, finishedAt: at(1000 + i * 50) }));
  const base = manifestFor('killed', 'choice', ['gpt'], { cases: 60, candidates: 4, status: 'interrupted' });
  delete base.finishedAt;
  // SIGKILL before the first 2-second update: the manifest says 0 ms although lines came for 3.95 s.
  const fresh = buildReport({ ...base, activeMs: 0 }, rs, { bootstrap: { resamples: 50 } });
  assert.equal(fresh.run.durationMs, 3950);
  // A resumed session: 10 s before it, stamped at 2 s into it (12 s), last line at 3.95 s: 13.95 s.
  const resumed = buildReport({ ...base, activeMs: 12_000, updatedAt: at(2000) }, rs, {
    bootstrap: { resamples: 50 },
  });
  assert.equal(resumed.run.durationMs, 13_950);
  // A finished run keeps its recorded active time.
  const done = buildReport({ ...base, status: 'done', finishedAt: at(5000), activeMs: 4200 }, rs, {
    bootstrap: { resamples: 50 },
  });
  assert.equal(done.run.durationMs, 4200);
});

test('buildReport: a run made with --limit reads as partial, not as all its answers', () => {
  const rs = choiceRun('gpt', () => true).slice(0, 20);
  // --limit 20 of 60 cases: the runner counted 20 units; the run has 60 cases.
  const manifest = manifestFor('limited', 'choice', ['gpt'], { cases: 60, candidates: 4 });
  manifest.totals.units = 20;
  const report = buildReport(manifest, rs, { bootstrap: { resamples: 50 } });
  assert.equal(report.run.units, 60);
  assert.equal(report.run.finishedUnits, 20);
  assert.equal(report.run.partial, true);
  assert.match(
    report.notes.join('\n'),
    /Partial run \(done\): 20 of 60 answers finished; figures cover those/,
  );
});

test('buildReport: no negative duration when the clocks disagree (finished before it started)', () => {
  const rs = choiceRun('gpt', () => true).slice(0, 4);
  const m = manifestFor('skewed', 'choice', ['gpt'], { cases: 4, candidates: 4 });
  m.startedAt = '2026-11-30T05:00:00.000Z';
  m.finishedAt = '2026-11-30T01:00:00.000Z';
  assert.equal(buildReport(m, rs, { bootstrap: { resamples: 50 } }).run.durationMs, undefined);
});
