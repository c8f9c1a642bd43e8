// A big run's panel computes nothing per line in the extension host: what it shows instead comes from the compact
// model and from the CLI in a child process. Each of those equals what the in-process path of a small run gives:
// the view from the model's facts (users, confusion matrix), the point estimates of `ubp report --resamples 0`,
// the reference comparison of `ubp compare --pair`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { LiveResults, scoringContext, toCsv, type Report, type RunComparison } from '../../../src/core';
import { FAILURE_EXPORT_COLUMNS } from '../../../src/protocol/resultsPanel';
import {
  failureRows,
  quickReportOf,
  readSlimRun,
  referenceCompareArgs,
  referenceComparison,
  referenceFromComparison,
  reportOf,
  resultsView,
  starsOf,
  toJsonRows,
  writeFailureRows,
} from '../../../src/extension/webviews/resultsModel';
import { writeFixtureRun } from '../../integration/suite/results.fixture';
import { bufferIO } from '../run/helpers';

async function fixture(t: { after: (fn: () => void) => void }) {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-compact-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = await writeFixtureRun({
    root,
    id: 'compact',
    cases: 120,
    users: 40,
    models: ['model-a', 'model-b'],
    baselines: ['popularity'],
  });
  return { root, dir, run: await readSlimRun(dir) };
}

/** Every {value, lo, hi} in a JSON value, with its path. */
function estimates(x: unknown, at = '$', out: [string, { value: unknown; lo: unknown; hi: unknown }][] = []) {
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if ('value' in o && 'lo' in o && 'hi' in o)
      out.push([at, o as { value: unknown; lo: unknown; hi: unknown }]);
    for (const [k, v] of Object.entries(o)) estimates(v, `${at}.${k}`, out);
  }
  return out;
}

test('the view of a compact model equals the view of the objects (users, confusion matrix, metrics)', async (t) => {
  const { dir, run } = await fixture(t);
  const report = reportOf(run);
  const live = new LiveResults(path.join(dir, 'results.jsonl'), scoringContext(run.manifest), {
    keepResults: 0,
    stars: starsOf(run.manifest.dataset.scale),
  });
  await live.poll();
  assert.equal(live.compact, true);
  const timing = { openedAt: 1, computeMs: 2 };
  const want = resultsView(run, report, timing, false);
  const got = resultsView({ dir: run.dir, manifest: run.manifest }, report, timing, false, true, {
    users: live.users(),
    confusion: live.confusion(),
  });
  assert.ok(want.charts.confusion, 'a rating run has a confusion matrix');
  assert.equal(got.header.users, 40);
  assert.deepEqual(got, want);
});

test('`ubp report --resamples 0`: the point estimates of the full report, every interval null', async (t) => {
  const { root, dir, run } = await fixture(t);
  const io = bufferIO(root);
  assert.equal(await main(['report', dir, '--json', '--resamples', '0'], io), 0, io.stderr());
  const point = JSON.parse(io.stdout()) as Report;
  const full = reportOf(run);
  const quick = quickReportOf(run);
  const got = estimates(point);
  assert.ok(got.length > 20, `${got.length} estimates`);
  const want = new Map(estimates(JSON.parse(JSON.stringify(full))));
  for (const [at, e] of got) {
    assert.equal(e.lo, null, at);
    assert.equal(e.hi, null, at);
    assert.ok(want.has(at), at);
    assert.equal(e.value, want.get(at)!.value, at);
  }
  assert.equal(point.variants[0].metrics[0].all.value, quick.variants[0].metrics[0].all.value);
  // Other counts of resamples under 1,000 are still refused.
  const bad = bufferIO(root);
  assert.notEqual(await main(['report', dir, '--json', '--resamples', '5'], bad), 0);
  assert.match(bad.stderr(), /--resamples must be an integer >= 1000/);
});

test('the reference comparison from `ubp compare --pair` equals the in-process one', async (t) => {
  const { root, dir, run } = await fixture(t);
  const reference = 'builtin:rating×model-a';
  const variants = run.manifest.variants.map((v) => v.id);
  const io = bufferIO(root);
  assert.equal(await main(referenceCompareArgs(dir, reference, variants), io), 0, io.stderr());
  const got = referenceFromComparison(reference, JSON.parse(io.stdout()) as RunComparison);
  const want = referenceComparison(run, reference);
  assert.equal(want.resamples, got.resamples);
  assert.ok(want.deltas.length >= 2 * 4, `${want.deltas.length} deltas`);
  const key = (d: (typeof got.deltas)[number]) => `${d.variant} ${d.metric}`;
  assert.deepEqual(got.deltas.map(key).sort(), want.deltas.map(key).sort());
  for (const d of want.deltas) {
    const g = got.deltas.find((x) => key(x) === key(d))!;
    assert.deepEqual(g, d, key(d));
  }
});

test('the export of a big run’s failures, written a page at a time, equals the export of all the rows at once', async (t) => {
  const { root, dir, run } = await fixture(t);
  const ctx = scoringContext(run.manifest);
  const live = new LiveResults(path.join(dir, 'results.jsonl'), ctx, { keepResults: 0 });
  await live.poll();
  const page = async (offset: number, limit: number) => {
    const p = await live.failurePage({ sort: 'case' }, offset, limit);
    return failureRows(p.results, ctx, [], (i) => p.slots[i]);
  };
  const all = await page(0, live.failures);
  assert.equal(all.length, live.failures);
  const keys = FAILURE_EXPORT_COLUMNS.map((c) => c.key);
  const cells = all.map((r) => FAILURE_EXPORT_COLUMNS.map((c) => c.value(r)));
  const csv = path.join(root, 'failures.csv');
  assert.equal(await writeFailureRows(csv, 'csv', live.failures, page, 7), all.length);
  assert.equal(readFileSync(csv, 'utf8'), toCsv(keys, cells));
  const json = path.join(root, 'failures.json');
  assert.equal(await writeFailureRows(json, 'json', live.failures, page, 7), all.length);
  assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')), JSON.parse(toJsonRows(keys, cells)));
  // Nothing to export: a header, an empty array.
  const none = async () => [];
  assert.equal(await writeFailureRows(csv, 'csv', 0, none), 0);
  assert.equal(readFileSync(csv, 'utf8'), toCsv(keys, []));
  assert.equal(await writeFailureRows(json, 'json', 0, none), 0);
  assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')), []);
});
