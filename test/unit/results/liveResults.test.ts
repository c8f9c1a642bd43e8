// The compact results model (src/core/run/liveResults.ts) against the engine's own reading of the same file:
// failure counts equal the report's, pages follow the failures table's order, superseded lines replace earlier
// ones, appended lines are read incrementally (a torn tail waits), and a truncated file restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildReport,
  failureOf,
  getForm,
  LiveResults,
  readRun,
  scoreResult,
  scoringContext,
  type CaseResult,
  type FailureQuery,
  type ScoringContext,
} from '../../../src/core';
import { confusionOf } from '../../../src/extension/webviews/resultsModel';
import { fixtureResults, writeFixtureRun } from '../../integration/suite/results.fixture';

const STARS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
const RANK: Record<string, number> = { error: 0, invalid: 1, wrong: 2 };

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ubp-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The failures of the latest lines, in the failures table's order for `sort` (the reference, from objects). */
function expectedOrder(latest: CaseResult[], ctx: ScoringContext, q: FailureQuery = {}): string[] {
  const rows = latest.flatMap((r) => {
    const kind = failureOf(r, ctx);
    if (!kind) return [];
    if (q.variant && r.variant !== q.variant) return [];
    if (q.outcome && kind !== q.outcome) return [];
    if (q.user && r.user !== q.user) return [];
    if (q.matches && !q.matches(r)) return [];
    const error = kind === 'wrong' ? getForm(ctx.form).caseOutcome(scoreResult(r, ctx), ctx.k).error : 1e9;
    return [{ r, kind, error }];
  });
  type Row = (typeof rows)[number];
  const byCase = (a: Row, b: Row) =>
    a.r.caseId < b.r.caseId
      ? -1
      : a.r.caseId > b.r.caseId
        ? 1
        : a.r.variant < b.r.variant
          ? -1
          : a.r.variant > b.r.variant
            ? 1
            : a.r.sample - b.r.sample;
  const byError = (a: Row, b: Row) => RANK[a.kind] - RANK[b.kind] || b.error - a.error || byCase(a, b);
  const sort = q.sort ?? 'error-desc';
  rows.sort(
    sort === 'error-desc'
      ? byError
      : sort === 'error-asc'
        ? (a, b) => RANK[b.kind] - RANK[a.kind] || a.error - b.error || byCase(a, b)
        : sort === 'case'
          ? byCase
          : (a, b) => (a.r.variant < b.r.variant ? -1 : a.r.variant > b.r.variant ? 1 : byError(a, b)),
  );
  return rows.map(({ r }) => `${r.caseId}|${r.variant}|${r.sample}|${r.raw ?? ''}`);
}

async function allPages(live: LiveResults, q: FailureQuery, size: number, key = ''): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ; offset += size) {
    const page = await live.failurePage(q, offset, size, key);
    for (const r of page.results) out.push(`${r.caseId}|${r.variant}|${r.sample}|${r.raw ?? ''}`);
    if (offset + size >= page.total) {
      assert.equal(out.length, page.total);
      return out;
    }
  }
}

async function fixture(t: { after: (fn: () => void) => void }, cases = 300) {
  const root = tmp(t);
  const dir = await writeFixtureRun({
    root,
    id: 'live',
    cases,
    users: 70,
    models: ['model-a', 'model-b'],
    baselines: ['popularity'],
  });
  const run = await readRun(dir);
  return { dir, file: path.join(dir, 'results.jsonl'), run, ctx: scoringContext(run.manifest) };
}

test('compact and kept modes: failure counts equal the report’s, users and the confusion matrix equal the objects’', async (t) => {
  const { file, run, ctx } = await fixture(t);
  const report = buildReport(run.manifest, run.results, { dir: run.dir, bootstrap: { resamples: 1 } });
  for (const keepResults of [0, 1_000_000]) {
    const live = new LiveResults(file, ctx, { keepResults, stars: STARS });
    const poll = await live.poll();
    assert.equal(poll.lines, run.results.length);
    assert.equal(live.size, run.results.length);
    assert.equal(live.compact, keepResults === 0);
    assert.equal(live.results?.length, keepResults === 0 ? undefined : run.results.length);
    const counts = live.failureCounts();
    for (const v of report.variants) {
      const c = counts.get(v.variant)!;
      assert.equal(c.invalid, v.counts.invalid, `${v.variant} invalid`);
      assert.equal(c.error, v.counts.error, `${v.variant} error`);
      const wrong = run.results.filter((r) => r.variant === v.variant && failureOf(r, ctx) === 'wrong');
      assert.ok(wrong.length > 0);
      assert.equal(c.wrong, wrong.length, `${v.variant} wrong`);
    }
    assert.equal(live.failures, run.results.filter((r) => failureOf(r, ctx)).length);
    assert.equal(live.users(), new Set(run.results.map((r) => r.user)).size);
    assert.deepEqual(
      live.confusion(),
      confusionOf(run.results, run.manifest.dataset.scale, [...live.variants]),
    );
  }
});

test('pages follow the failures table’s order for every sort and filter, in both modes', async (t) => {
  const { file, run, ctx } = await fixture(t);
  const queries: FailureQuery[] = [
    {},
    { sort: 'error-asc' },
    { sort: 'case' },
    { sort: 'variant' },
    { variant: 'builtin:rating×model-b', outcome: 'wrong' },
    { outcome: 'invalid' },
    { user: 'u7', sort: 'case' },
    { variant: 'no such variant' },
  ];
  // Kept objects; compact with the case order from the first read; compact ranking by a pass over the file.
  for (const [keepResults, caseOrder] of [
    [0, true],
    [1_000_000, true],
    [0, false],
  ] as const) {
    const live = new LiveResults(file, ctx, { keepResults, caseOrder });
    await live.poll();
    for (const q of queries) {
      const want = expectedOrder(run.results, ctx, q);
      assert.deepEqual(
        await allPages(live, q, 37),
        want,
        `${JSON.stringify(q)} keep ${keepResults} ${caseOrder}`,
      );
    }
    // A text test over the lines the other filters picked (the search box).
    const matches = (r: CaseResult) => (r.raw ?? '').includes('cannot');
    const want = expectedOrder(run.results, ctx, { matches });
    assert.ok(want.length > 0);
    assert.deepEqual(await allPages(live, { matches }, 10, 'cannot'), want);
    // Past the end: the total, no rows.
    const past = await live.failurePage({}, 1e6, 10);
    assert.equal(past.total, live.failures);
    assert.deepEqual(past.results, []);
  }
});

test('a later line of a unit replaces the earlier one and keeps its place; pages read the latest line', async (t) => {
  const { file, run, ctx } = await fixture(t, 60);
  const live = new LiveResults(file, ctx, { keepResults: 0 });
  await live.poll();
  const failed = run.results.find((r) => failureOf(r, ctx) === 'wrong')!;
  assert.equal(failed.expected.form, 'rating');
  const before = live.failures;
  // Re-asked and now right: the failure is gone, the unit count is unchanged.
  const fixed: CaseResult = {
    ...failed,
    outcome: 'success',
    raw: 'fixed',
    prediction: { form: 'rating', value: failed.expected.form === 'rating' ? failed.expected.value : 0 },
  };
  appendFileSync(file, JSON.stringify(fixed) + '\n');
  const p = await live.poll();
  assert.deepEqual(
    { lines: p.lines, replaced: p.replaced, failuresReplaced: p.failuresReplaced },
    { lines: 1, replaced: true, failuresReplaced: true },
  );
  assert.equal(live.size, run.results.length);
  assert.equal(live.failures, before - 1);
  const slot = run.results.indexOf(failed);
  assert.equal(live.lineAt(slot).raw, 'fixed', 'the slot keeps its first-seen place and reads the new line');
  assert.deepEqual(live.unitAt(slot), { caseId: failed.caseId, variant: failed.variant, sample: 0 });
  const latest = (await readRun(path.dirname(file))).results;
  assert.deepEqual(await allPages(live, {}, 7), expectedOrder(latest, ctx));
});

test('a live run: appended complete lines are read incrementally, a torn tail waits, a new unit past the limit turns compact', async (t) => {
  const root = tmp(t);
  const options = { root, id: 'grow', cases: 40, users: 20, models: ['model-a'], status: 'running' as const };
  const dir = await writeFixtureRun({ ...options, partial: 10 });
  const file = path.join(dir, 'results.jsonl');
  const run = await readRun(dir);
  const ctx = scoringContext(run.manifest);
  const live = new LiveResults(file, ctx, { keepResults: 25 });
  assert.equal((await live.poll()).lines, 10);
  assert.equal(live.compact, false);
  const rest = fixtureResults(options).slice(10);
  const lines = rest.map((r) => JSON.stringify(r) + '\n');
  // 20 lines and half of the 21st.
  appendFileSync(file, lines.slice(0, 20).join('') + lines[20].slice(0, 30));
  let p = await live.poll();
  assert.equal(p.lines, 20);
  assert.equal(live.size, 30);
  assert.equal(live.compact, true, 'more units than keepResults: no objects kept');
  assert.equal(live.results, undefined);
  const bytes = live.bytes;
  p = await live.poll();
  assert.deepEqual({ changed: p.changed, lines: p.lines }, { changed: false, lines: 0 });
  assert.equal(live.bytes, bytes);
  appendFileSync(file, lines[20].slice(30) + lines.slice(21).join(''));
  p = await live.poll();
  assert.equal(p.lines, 10);
  assert.deepEqual(
    p.slots,
    Array.from({ length: 10 }, (_, i) => 30 + i),
  );
  const all = (await readRun(dir)).results;
  assert.equal(live.size, 40);
  assert.equal(live.failures, all.filter((r) => failureOf(r, ctx)).length);
  assert.deepEqual(await allPages(live, { sort: 'case' }, 9), expectedOrder(all, ctx, { sort: 'case' }));
});

test('a file shorter than what was read restarts from zero; corrupt lines are skipped and counted', async (t) => {
  const { file, run, ctx } = await fixture(t, 50);
  const live = new LiveResults(file, ctx, { keepResults: 0 });
  await live.poll();
  assert.equal(live.size, run.results.length);
  const keep = run.results.slice(0, 20);
  writeFileSync(file, keep.map((r) => JSON.stringify(r)).join('\n') + '\n{"not json\n\n');
  const p = await live.poll();
  assert.equal(p.restarted, true);
  assert.equal(p.corrupt, 1);
  assert.equal(live.corrupt, 1);
  assert.equal(live.size, 20);
  assert.equal(live.failures, keep.filter((r) => failureOf(r, ctx)).length);
  assert.deepEqual(await allPages(live, {}, 4), expectedOrder(keep, ctx));
});

test('a missing file reads as empty', async (t) => {
  const dir = tmp(t);
  const { ctx } = await fixture(t, 3);
  const live = new LiveResults(path.join(dir, 'results.jsonl'), ctx);
  const p = await live.poll();
  assert.deepEqual(
    { changed: p.changed, lines: p.lines, size: live.size },
    { changed: false, lines: 0, size: 0 },
  );
  assert.deepEqual(await live.failurePage({}, 0, 10), { total: 0, slots: [], results: [] });
});

test('units appended to a ranked run are merged into the case order (binary search), in both modes', async (t) => {
  const root = tmp(t);
  const options = {
    root,
    id: 'merge',
    cases: 200,
    users: 50,
    models: ['model-a', 'model-b'],
    baselines: ['popularity'],
  };
  const dir = await writeFixtureRun(options);
  const file = path.join(dir, 'results.jsonl');
  const all = fixtureResults(options);
  const run = await readRun(dir);
  const ctx = scoringContext(run.manifest);
  // Every fifth unit arrives later: its place in the case order is between the others.
  const first = all.filter((_, i) => i % 5 !== 0);
  const later = all.filter((_, i) => i % 5 === 0);
  for (const keepResults of [0, 1_000_000]) {
    writeFileSync(file, first.map((r) => JSON.stringify(r) + '\n').join(''));
    const live = new LiveResults(file, ctx, { keepResults });
    await live.poll();
    assert.deepEqual(await allPages(live, { sort: 'case' }, 50), expectedOrder(first, ctx, { sort: 'case' }));
    appendFileSync(file, later.map((r) => JSON.stringify(r) + '\n').join(''));
    await live.poll();
    assert.equal(live.size, all.length);
    assert.ok(later.length <= all.length / 4, 'few enough to merge');
    for (const sort of ['case', 'error-desc'] as const)
      assert.deepEqual(
        await allPages(live, { sort }, 50),
        expectedOrder(all, ctx, { sort }),
        `${sort} keep ${keepResults}`,
      );
  }
});
