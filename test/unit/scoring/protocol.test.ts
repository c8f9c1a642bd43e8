// Every report discloses how its cases were built: split, cut, K, negatives, probe, and what baselines saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../../src/core/scoring/report';
import { renderReportMarkdown, renderReportText } from '../../../src/core/scoring/render';
import { runProtocol } from '../../../src/core/scoring/protocol';
import { result } from './fixtures';
import { manifestFor } from './runFixture';

const results = Array.from({ length: 6 }, (_, i) =>
  result({
    caseId: `c${i}`,
    user: `u${i}`,
    variant: 'baseline:random',
    expected: { form: 'ranking', label: 'A' },
    prediction: { form: 'ranking', order: ['A', 'B', 'C', 'D', 'E'] },
  }),
);

test('leave-last-out: the report states the split, K, negatives, probe, sampled metrics and the leak', () => {
  const m = manifestFor('r', 'ranking', ['baseline:random'], { cases: 6, candidates: 20, k: 10 });
  m.split = { kind: 'temporal' };
  (m.config as { task: Record<string, unknown> }).task.negatives = 'popularity';
  const r = buildReport(m, results, { bootstrap: { resamples: 50 } });
  assert.equal(r.run.split, 'temporal');
  assert.equal(r.run.cutoff, null);
  assert.equal(r.run.negatives, 'popularity');
  assert.equal(r.run.probe, false);
  assert.equal(r.run.sampledMetrics!.K, 20);
  assert.equal(r.run.sampledMetrics!.negatives, 'popularity');
  assert.match(r.run.sampledMetrics!.note, /Krichene & Rendle, KDD 2020/);
  assert.match(r.run.sampledMetrics!.note, /comparable only at the same K and negatives/);
  assert.match(r.run.protocol, /leave-last-out.*K = 20 candidates, popularity negatives.*probe off/);
  assert.ok(
    r.notes.some((n) => /baselines .* saw other users' interactions from after the targets' time/.test(n)),
  );
  for (const text of [renderReportText(r), renderReportMarkdown(r)]) {
    assert.match(
      text,
      /protocol: leave-last-out \(temporal\) split · K = 20 candidates, popularity negatives/,
    );
    assert.match(text, /knowledge probe off/);
    assert.match(text, /saw other users' interactions from after the targets' time/);
    assert.match(text, /Krichene & Rendle/);
  }
});

test('global split: the cut is stated and no leak note; rating and binary have no negatives', () => {
  const m = manifestFor('g', 'ranking', ['baseline:random'], { cases: 6, candidates: 5, probe: true });
  m.split = { kind: 'global', cutoff: 1_400_000_000 };
  const p = runProtocol(m, 'ranking');
  assert.equal(p.split, 'global');
  assert.equal(p.cutoff, '2014-05-13T16:53:20.000Z');
  assert.equal(p.negatives, 'uniform');
  assert.ok(!p.notes.some((n) => /saw other users/.test(n)));
  assert.match(p.summary, /global temporal split at 2014-05-13T16:53:20\.000Z · K = 5 .* probe on/);
  const rating = manifestFor('x', 'rating', ['baseline:random'], { cases: 1 });
  rating.split = { kind: 'random' };
  const q = runProtocol(rating, 'rating');
  assert.equal(q.negatives, null);
  assert.equal(q.sampledMetrics, undefined);
  assert.ok(q.notes.some((n) => /Random hold-out/.test(n)));
  // A run made before the split was recorded says so instead of guessing.
  assert.equal(runProtocol(manifestFor('o', 'rating', [], { cases: 1 }), 'rating').split, 'auto');
});
