import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../../src/core/scoring/report';
import { result } from './fixtures';
import { manifestFor } from './runFixture';

test('a report over 300,000 results: no spread of every result into one call (the call stack has a limit)', () => {
  const n = 300_000;
  const results = Array.from({ length: n }, (_, i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      expected: { form: 'choice', label: 'A' },
      prediction: { form: 'choice', label: i % 4 === 0 ? 'A' : 'B' },
      targetPopularity: i % 1000,
    }),
  );
  const report = buildReport(manifestFor('big', 'choice', ['m'], { cases: n, candidates: 5 }), results, {
    bootstrap: { resamples: 2 },
  });
  const v = report.variants[0];
  assert.equal(v.counts.cases, n);
  assert.equal(v.counts.samples, 1);
  assert.equal(v.metrics.find((m) => m.key === 'accuracy')?.all.value, 0.25);
  const popularity = v.breakdowns.popularity;
  assert.ok(popularity.length > 0);
  assert.equal(Math.min(...popularity.map((b) => b.from)), 0);
  assert.equal(Math.max(...popularity.map((b) => b.to)), 999);
});
