// The results panel's view models (src/extension/webviews/resultsModel.ts, no vscode in it): the view equals the
// engine's report, quick views keep the report's point estimates, failure rows, the probe twin, CSV escaping.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport, DEFAULT_BOOTSTRAP, readRun, toCsv, type CaseResult } from '../../../src/core';
import {
  compareInProcess,
  compareViewOf,
  comparisonResamples,
  confusionOf,
  failureRows,
  findProbeTwin,
  probeChart,
  quickReportOf,
  readSlimRun,
  referenceComparison,
  reportOf,
  resultsView,
  toJsonRows,
  type CaseRef,
} from '../../../src/extension/webviews/resultsModel';
import { HOSTILE_IMG, writeFixtureRun } from '../../integration/suite/results.fixture';

let root: string;
let dir: string;

before(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ubp-results-'));
  dir = await writeFixtureRun({
    root,
    id: 'titled',
    cases: 60,
    users: 20,
    models: ['a', 'b'],
    baselines: ['popularity'],
  });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('the slim read keeps every unit and drops the prompt messages', async () => {
  const full = await readRun(dir);
  const slim = await readSlimRun(dir);
  assert.equal(slim.results.length, full.results.length);
  assert.ok(full.results.some((r) => r.messages?.length));
  assert.ok(slim.results.every((r) => r.messages === undefined));
});

test('the view carries the report: metrics, shares, breakdowns; the quick view has the same point estimates', async () => {
  const run = await readSlimRun(dir);
  const report = reportOf(run);
  const view = resultsView(run, report, { openedAt: 1, computeMs: 2 }, false);
  const quick = resultsView(run, quickReportOf(run), { openedAt: 1, computeMs: 2 }, false, false);
  assert.equal(view.variants.length, 3);
  for (const v of report.variants) {
    const got = view.variants.find((x) => x.id === v.variant)!;
    const q = quick.variants.find((x) => x.id === v.variant)!;
    for (const m of v.metrics) {
      assert.equal(got.metrics[m.key].all.value, Number.isFinite(m.all.value) ? m.all.value : null);
      assert.equal(got.metrics[m.key].all.lo, Number.isFinite(m.all.lo) ? m.all.lo : null);
      assert.equal(q.metrics[m.key].all.value, got.metrics[m.key].all.value, `${v.variant} ${m.key}`);
      assert.equal(q.metrics[m.key].all.lo, null, 'a quick view has no intervals');
    }
    assert.equal(got.invalidShare.value, v.invalidShare.value);
  }
  assert.equal(view.intervals, true);
  assert.equal(quick.intervals, false);
  assert.ok(view.charts.history.length > 0 && view.charts.popularity.length > 0);
  // The report of the full read and of the slim read agree (messages play no part in scoring).
  const fullRun = await readRun(dir);
  assert.deepEqual(
    buildReport(fullRun.manifest, fullRun.results).variants.map((v) => v.metrics.map((m) => m.all.value)),
    report.variants.map((v) => v.metrics.map((m) => m.all.value)),
  );
});

test('failure rows: every invalid, errored or wrong rating (off by more than half a star), with its error size and hostile text kept verbatim', async () => {
  const run = await readSlimRun(dir);
  const refs: CaseRef[] = [];
  const rows = failureRows(
    run.results,
    { form: 'rating', k: 10, scale: { min: 0.5, max: 5, step: 0.5 } },
    refs,
  );
  const want = run.results.filter(
    (r) => r.outcome !== 'success' || Math.abs(Number(r.prediction!.value) - Number(r.expected.value)) > 0.5,
  );
  assert.ok(
    rows.some((r) => r.outcome === 'wrong'),
    'the fixture has wrong ratings',
  );
  assert.equal(rows.length, want.length);
  assert.equal(refs.length, rows.length);
  const hostile = rows.find((r) => r.answer === HOSTILE_IMG)!;
  assert.equal(hostile.outcome, 'invalid');
  assert.deepEqual(refs[hostile.ref], { caseId: hostile.caseId, variant: hostile.variant, sample: 0 });
  for (const r of rows.filter((x) => x.outcome === 'wrong')) {
    const res = run.results.find((x) => x.caseId === r.caseId && x.variant === r.variant)!;
    assert.equal(r.error, Math.abs(res.prediction!.value - res.expected.value));
  }
});

test('the confusion matrix counts valid answers by true and predicted star', async () => {
  const run = await readSlimRun(dir);
  const conf = confusionOf(run.results, { min: 0.5, max: 5, step: 0.5 }, ['builtin:rating×a'])!;
  assert.equal(conf.stars.length, 10);
  const total = conf.byVariant[0].counts.flat().reduce((a, b) => a + b, 0);
  assert.equal(
    total,
    run.results.filter((r) => r.variant === 'builtin:rating×a' && r.outcome === 'success').length,
  );
});

test('reference comparison: one delta per other variant and metric, with the report’s resamples for small runs', async () => {
  const run = await readSlimRun(dir);
  const cmp = referenceComparison(run, 'builtin:rating×a');
  assert.equal(cmp.resamples, DEFAULT_BOOTSTRAP.resamples);
  assert.deepEqual(
    [...new Set(cmp.deltas.map((d) => d.variant))],
    ['builtin:rating×b', 'baseline:popularity'],
  );
  assert.ok(cmp.deltas.every((d) => d.p === null || (d.p >= 0 && d.p <= 1)));
  assert.equal(comparisonResamples(1_000), DEFAULT_BOOTSTRAP.resamples);
  assert.equal(comparisonResamples(50_000), 400);
  assert.equal(comparisonResamples(10_000_000), 200);
});

test('the knowledge-probe twin is found by dataset, form and task settings, and charted on shared cases', async () => {
  const probeDir = await writeFixtureRun({
    root,
    id: 'probe',
    cases: 60,
    users: 20,
    models: ['a', 'b'],
    probe: true,
    seed: 1,
  });
  const run = await readSlimRun(dir);
  const twin = findProbeTwin(run);
  assert.equal(twin && path.resolve(twin.dir), path.resolve(probeDir));
  const chart = probeChart(run, await readSlimRun(probeDir))!;
  assert.equal(chart.titledRun, 'titled');
  assert.equal(chart.probeRun, 'probe');
  assert.deepEqual(chart.values.map((v) => v.variant).sort(), ['builtin:rating×a', 'builtin:rating×b']);
  // A run with other task settings is no twin.
  const other = await writeFixtureRun({
    root,
    id: 'other-seed',
    cases: 60,
    users: 20,
    models: ['a'],
    probe: true,
    seed: 9,
  });
  assert.notEqual(path.resolve(findProbeTwin(await readSlimRun(other))?.dir ?? ''), path.resolve(dir));
});

test('CSV export quotes per RFC 4180 and defuses spreadsheet formulas; JSON keys rows by column', () => {
  const csv = toCsv(
    ['a', 'b', 'c'],
    [
      ['=HYPERLINK("x")', 'say "hi", ok', -1.5],
      [null, '-x', 'line\nbreak'],
    ],
  );
  assert.equal(csv, 'a,b,c\r\n"\'=HYPERLINK(""x"")","say ""hi"", ok",-1.5\r\n,\'-x,"line\nbreak"\r\n');
  assert.deepEqual(JSON.parse(toJsonRows(['a', 'b'], [[1, null]])), [{ a: 1, b: null }]);
});

test('a result without messages or raw answer still makes a row', () => {
  const r = {
    caseId: 'c',
    variant: 'v',
    model: 'm',
    template: null,
    sample: 0,
    user: 'u',
    form: 'choice',
    outcome: 'error',
    expected: { form: 'choice', label: 'A' },
    historyLength: 1,
    targetPopularity: 1,
    latencyMs: 0,
    finishedAt: '',
  } as CaseResult;
  const [row] = failureRows([r], { form: 'choice', k: 10, scale: null, candidates: 5 }, []);
  assert.equal(row.outcome, 'error');
  assert.equal(row.answer, '');
  assert.equal(row.expected, 'A');
});

test('a line parsed without its messages equals the full parse minus the messages, whatever the text holds', async () => {
  const { parseSlimLine } = await import('../../../src/extension/webviews/resultsModel');
  const base = {
    caseId: 'c1',
    variant: 'v',
    model: 'm',
    template: 't',
    sample: 0,
    user: 'u',
    form: 'rating',
    outcome: 'success',
    expected: { form: 'rating', value: 4 },
    historyLength: 3,
    targetPopularity: 2,
    latencyMs: 5,
    finishedAt: 'x',
  };
  const tricky = 'quote " brace }] "}] \\"}], and "messages":[ inside';
  const lines = [
    {
      ...base,
      messages: [{ role: 'user', content: tricky }],
      raw: tricky,
      prediction: { form: 'rating', value: 3 },
    },
    { ...base, raw: '{"rating": 3}', messages: [] },
    {
      ...base,
      raw: 'r',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: '}]' },
      ],
    },
    { ...base, raw: 'no messages at all' },
  ].map((o) => JSON.stringify(o));
  lines.push(JSON.stringify(base).replace(/}$/, ',"messages":[{"role":"user","content":"last key"}]}'));
  for (const line of lines) {
    const buf = Buffer.from(`xx${line}\n`);
    const want = JSON.parse(line) as CaseResult;
    delete want.messages;
    assert.deepEqual(parseSlimLine(buf, 2, buf.length - 1), want, line);
  }
  // And every line of a fixture run.
  const full = await readRun(dir);
  const slim = await readSlimRun(dir);
  for (const r of full.results) delete r.messages;
  assert.deepEqual(slim.results, full.results);
});

test('compare view: two runs of different models are paired with paired n, each side with its real interval', async () => {
  const mini = await writeFixtureRun({
    root,
    id: 'cmp-mini',
    cases: 60,
    users: 20,
    models: ['mini'],
    baselines: ['popularity'],
  });
  const big = await writeFixtureRun({ root, id: 'cmp-big', cases: 60, users: 20, models: ['big'] });
  const [ra, rb] = [await readSlimRun(mini), await readSlimRun(big)];
  const cmp = compareInProcess(ra, rb);
  const view = compareViewOf(cmp, ra, rb, quickReportOf(ra), quickReportOf(rb), {
    openedAt: 1,
    computeMs: 1,
  });
  const pairRows = view.rows.filter((r) => r.variant === 'builtin:rating×mini → builtin:rating×big');
  assert.ok(pairRows.length > 0, view.rows.map((r) => r.variant).join(', '));
  for (const r of pairRows) {
    assert.equal(r.paired, 60);
    if (r.a?.value === null) continue;
    // An interval computed on the paired cases: never the quick report's one-resample "± 0.000".
    assert.ok(r.a!.lo !== null && r.a!.hi !== null && r.a!.hi! >= r.a!.lo!, JSON.stringify(r.a));
  }
  // The baseline only run A has: a value without a made-up interval.
  const only = view.rows.find((r) => r.variant === 'baseline:popularity')!;
  assert.equal(only.paired, 0);
  assert.equal(only.a!.lo, null);
  assert.deepEqual(view.warnings, []);
  assert.match(view.a.protocol ?? '', /^protocol: /);
});
