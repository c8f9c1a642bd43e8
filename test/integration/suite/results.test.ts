// The results panel inside a real VS Code: open finished runs written through the engine's store (hostile
// answers included), and check that what the panel received equals the engine's report and comparison; open a
// case document; follow a run that is still being written.
import * as assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  buildReport,
  compareRuns,
  failureOf,
  pairName,
  readRun,
  readRunManifest,
  scoringContext,
  type CaseResult,
  type Report,
} from '../../../src/core';
import type { UbpExtensionApi } from '../../../src/extension/extension';
import { caseUri } from '../../../src/extension/webviews/resultsCaseDocument';
import type { OpenedResults } from '../../../src/extension/webviews/resultsPanel';
import type { RunsNode } from '../../../src/extension/views/runsView';
import type { CompareView, EstimateView, ResultsView } from '../../../src/protocol/resultsPanel';
import {
  fixtureResults,
  HOSTILE_IMG,
  HOSTILE_SCRIPT,
  HOSTILE_TITLE,
  writeFixtureRun,
} from './results.fixture';

const EXTENSION_ID = 'ubp-eval.ubp-eval';
const nan = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function assertEstimate(
  got: EstimateView,
  want: { value: number; lo: number; hi: number; n: number },
  what: string,
): void {
  assert.deepEqual(
    { value: got.value, lo: got.lo, hi: got.hi, n: got.n },
    { value: nan(want.value), lo: nan(want.lo), hi: nan(want.hi), n: want.n },
    what,
  );
}

/** Every metric, share and breakdown the panel shows equals the report's. */
function assertViewMatchesReport(view: ResultsView, report: Report): void {
  assert.equal(view.headline, report.headline.key);
  assert.deepEqual(
    view.metrics.map((m) => m.key),
    report.metrics.map((m) => m.key),
  );
  assert.deepEqual(
    view.variants.map((v) => v.id),
    report.variants.map((v) => v.variant),
  );
  for (const v of report.variants) {
    const got = view.variants.find((x) => x.id === v.variant)!;
    assert.equal(got.kind, v.kind);
    for (const m of v.metrics) {
      assertEstimate(got.metrics[m.key].all, m.all, `${v.variant} ${m.key} (all)`);
      assertEstimate(got.metrics[m.key].valid, m.valid, `${v.variant} ${m.key} (valid)`);
    }
    assertEstimate(got.invalidShare, v.invalidShare, `${v.variant} invalid share`);
    assertEstimate(got.errorShare, v.errorShare, `${v.variant} error share`);
    for (const b of v.breakdowns.historyLength) {
      const bucket = view.charts.history.find((x) => x.label === b.label)!;
      assertEstimate(
        bucket.values.find((x) => x.variant === v.variant)!.estimate,
        b.value,
        `${v.variant} history ${b.label}`,
      );
    }
  }
}

async function until<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 20_000,
  seen?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${seen ? `; last seen: ${seen()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('results panel', function () {
  this.timeout(120_000);
  let root: string;
  let finished: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<UbpExtensionApi>(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(ws, 'a workspace folder is open');
    root = path.join(ws, '.ubp');
    rmSync(path.join(root, 'runs'), { recursive: true, force: true });
    finished = await writeFixtureRun({
      root,
      id: 'fixture-finished',
      cases: 90,
      users: 30,
      models: ['model-a', 'model-b'],
      templates: ['builtin:rating', 'terse'],
      baselines: ['popularity'],
    });
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['ubp.openResults', 'ubp.compareRuns'])
      assert.ok(all.includes(id), `${id} is registered`);
  });

  it('the Runs tree: rows of one metric say in their label which variant they are; tooltips and screen readers too', async () => {
    const api = vscode.extensions.getExtension<UbpExtensionApi>(EXTENSION_ID)!.exports;
    const view = api.views.runs;
    let runNode: RunsNode | undefined;
    for (const g of (await view.getChildren()) as RunsNode[])
      for (const n of (await view.getChildren(g)) as RunsNode[])
        if (n.kind === 'run' && path.resolve(n.run.dir) === path.resolve(finished)) runNode = n;
    assert.ok(runNode, 'the run is in the tree');
    const rows = ((await view.getChildren(runNode)) as RunsNode[]).map((n) => {
      assert.equal(n.kind, 'variant');
      const item = view.getTreeItem(n);
      const label = typeof item.label === 'string' ? item.label : item.label!.label;
      return { variant: n.kind === 'variant' ? n.summary.variant : '', item, label };
    });
    // 2 templates × 2 models and a baseline, all headlined by the same metric: the label must tell them apart.
    assert.equal(rows.length, 5);
    const want: Record<string, string> = {
      'builtin:rating×model-a': 'model-a × builtin:rating',
      'builtin:rating×model-b': 'model-b × builtin:rating',
      'terse×model-a': 'model-a × terse',
      'terse×model-b': 'model-b × terse',
      'baseline:popularity': 'baseline:popularity',
    };
    const metric = new Set<string>();
    for (const r of rows) {
      const name = want[r.variant];
      assert.ok(name, `an expected variant: ${r.variant}`);
      assert.match(r.label, /^.+ · \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$/, 'whose figure, then the figure');
      assert.ok(r.label.startsWith(`${name} · `), `"${r.label}" starts with ${name}`);
      // The metric (the same for every row) leads the description, then the invalid share, the error share when
      // some answers ended in error, and the full id.
      const parts = String(r.item.description).split(' · ');
      const [m, invalid] = parts;
      const errors = parts[2]?.startsWith('errors ') ? parts[2] : undefined;
      const id = parts[errors ? 3 : 2];
      metric.add(m);
      assert.match(invalid, /^invalid \d+\.\d%$/);
      if (errors) assert.match(errors, /^errors \d+\.\d%$/);
      assert.equal(id, name === r.variant ? undefined : r.variant);
      assert.ok(String(r.item.tooltip).startsWith(r.variant), 'the tooltip names the variant');
      const spoken = r.item.accessibilityInformation?.label ?? '';
      assert.match(
        spoken,
        /^.+: .+ \d\.\d{3}, 95% interval \d\.\d{3} to \d\.\d{3}; invalid \d+\.\d%( · errors \d+\.\d%)?$/,
      );
      assert.ok(spoken.startsWith(`${r.variant}: ${m} `), spoken);
    }
    assert.equal(metric.size, 1, 'one headline metric for every row (the case this is about)');
    assert.equal(new Set(rows.map((r) => r.label.split(' · ')[0])).size, 5, 'five distinct names');
  });

  it('opens a finished run: the metrics the panel received equal buildReport', async () => {
    const opened = (await vscode.commands.executeCommand('ubp.openResults', finished)) as OpenedResults;
    const view = (await opened.view) as ResultsView;
    const run = await readRun(finished);
    const report = buildReport(run.manifest, run.results, { dir: run.dir });
    assert.equal(view.intervals, true);
    assertViewMatchesReport(view, report);
    assert.equal(view.header.cases, 90);
    assert.equal(view.header.users, 30);
    assert.deepEqual(view.header.models, ['model-a', 'model-b']);
    assert.equal(view.header.templates.length, 2);
    assert.ok(view.charts.confusion, 'a rating run has a confusion matrix');
    const rendered = await opened.rendered('metrics');
    console.log(
      `      UBP_FIGURE resultsMetricsRenderedMs=${rendered.at - view.openedAt} (host compute ${view.computeMs} ms)`,
    );
    assert.match(opened.panel.title, /Fixture ratings/);
    await opened.rendered('failures'); // close only a settled webview (see the next test)
  });

  it('lists every failure with the hostile answers as data, and opens a case as a read-only document', async () => {
    const opened = (await vscode.commands.executeCommand('ubp.openResults', finished)) as OpenedResults;
    const rows = await opened.failures;
    // Let the webview finish loading before the panel is closed (a webview disposed mid-load stalls the next one).
    await opened.rendered('failures');
    const run = await readRun(finished);
    const ctx = scoringContext(run.manifest);
    const expectedFailures = run.results.filter(
      (r) =>
        r.outcome !== 'success' ||
        // A rating is wrong when it is off by more than half a star (issue 14, docs/scoring.md).
        (r.prediction?.form === 'rating' && Math.abs(r.prediction.value - r.expected.value) > 0.5 + 1e-9),
    );
    assert.equal(ctx.form, 'rating');
    assert.equal(rows.length, expectedFailures.length);
    const img = rows.find((r) => r.answer === HOSTILE_IMG);
    const script = rows.find((r) => r.answer.includes(HOSTILE_SCRIPT));
    assert.ok(img && script, 'both hostile answers are failure rows');
    assert.equal(img.outcome, 'invalid');
    assert.equal(img.title, HOSTILE_TITLE);

    // The case document: the hostile answer sits inside a fenced block, as text.
    const doc = await vscode.workspace.openTextDocument(
      caseUri({ dir: finished, caseId: img.caseId, variant: img.variant, sample: 0, format: 'md' }),
    );
    const text = doc.getText();
    assert.ok(text.includes('```text\n' + HOSTILE_IMG + '\n```'), text);
    assert.ok(text.includes(HOSTILE_TITLE), 'the prompt with the title is shown');
    assert.equal(doc.languageId, 'markdown');
    const json = await vscode.workspace.openTextDocument(
      caseUri({ dir: finished, caseId: img.caseId, variant: img.variant, sample: 0, format: 'json' }),
    );
    assert.equal((JSON.parse(json.getText()) as CaseResult).raw, HOSTILE_IMG);
  });

  it('compares two runs: deltas, intervals and p-values equal compareRuns', async () => {
    const other = await writeFixtureRun({
      root,
      id: 'fixture-other',
      cases: 90,
      users: 30,
      models: ['model-a', 'model-b'],
      baselines: ['popularity'],
      seed: 7,
    });
    const t0 = Date.now();
    const opened = (await vscode.commands.executeCommand(
      'ubp.compareRuns',
      finished,
      other,
    )) as OpenedResults;
    const view = (await opened.view) as CompareView;
    console.log(`      compare view after ${Date.now() - t0} ms (host compute ${view.computeMs} ms)`);
    const [a, b] = await Promise.all([readRun(finished), readRun(other)]);
    const cmp = compareRuns(
      { label: a.manifest.id, results: a.results },
      { label: b.manifest.id, results: b.results },
      scoringContext(a.manifest),
    );
    assert.ok(cmp.variants.length >= 3);
    for (const pc of cmp.variants) {
      const variant = pairName(pc);
      for (const m of pc.metrics) {
        const row = view.rows.find((r) => r.variant === variant && r.metric === m.key)!;
        assert.ok(row, `${variant} ${m.key}`);
        assertEstimate(row.delta!, m.diff, `${variant} ${m.key} delta`);
        assert.equal(row.p, nan(m.p));
        assert.equal(row.significant, m.verdict !== 'same');
      }
    }
    // The variants of the second template exist in A only.
    assert.ok(view.rows.some((r) => r.variant.startsWith('terse×') && r.b === null));
    // The cases that changed, as compareRuns lists them (regressions first), each opening run B's case.
    const want = cmp.variants.flatMap((pc) =>
      pc.changed.map((c) => `${pairName(pc)} ${c.caseId} ${c.change}`),
    );
    assert.ok(want.length > 0);
    assert.deepEqual(
      view.changed.map((r) => `${r.variant} ${r.caseId} ${r.outcome}`),
      want,
    );
    await opened.rendered('compare');
    console.log(`      compare rendered after ${Date.now() - t0} ms`);
  });

  it('a large run shows point estimates first, then the intervals computed by `ubp report` in a child process', async () => {
    const big = await writeFixtureRun({
      root,
      id: 'fixture-large',
      cases: 1500,
      users: 500,
      models: ['model-a', 'model-b'],
      baselines: ['popularity'],
      promptChars: 50,
    });
    const opened = (await vscode.commands.executeCommand('ubp.openResults', big)) as OpenedResults;
    const first = (await opened.view) as ResultsView;
    assert.equal(first.intervals, false);
    assert.equal(first.variants[0].metrics.rmse.all.lo, null);
    const cliReport = await opened.report;
    assert.ok(cliReport);
    const final = await until('the view with intervals', () => opened.views().find((v) => v.intervals));
    const run = await readRun(big);
    const report = buildReport(run.manifest, run.results, { dir: run.dir });
    assertViewMatchesReport(final, report);
    // Point estimates did not move when the intervals arrived.
    for (const v of first.variants) {
      for (const [key, m] of Object.entries(v.metrics)) {
        assert.equal(
          m.all.value,
          final.variants.find((x) => x.id === v.id)!.metrics[key].all.value,
          `${v.id} ${key}`,
        );
      }
    }
    console.log(
      `      UBP_FIGURE resultsLargeFirstViewComputeMs=${first.computeMs} intervalsMs=${final.computeMs}`,
    );
  });

  it('a run over the in-memory limit: point estimates and intervals from `ubp report`, failures a page at a time', async () => {
    // 17,000 cases × 3 variants: 51,000 results, above COMPACT_RESULTS (50,000).
    const big = await writeFixtureRun({
      root,
      id: 'fixture-compact',
      cases: 17_000,
      users: 4_000,
      models: ['model-a', 'model-b'],
      baselines: ['popularity'],
      promptChars: 20,
    });
    const opened = (await vscode.commands.executeCommand('ubp.openResults', big)) as OpenedResults;
    const first = (await opened.view) as ResultsView;
    assert.equal(first.intervals, false);
    assert.deepEqual(first.compact, { results: 51_000, threshold: 50_000 });
    assert.ok(first.notes.some((n) => /more than the panel holds in memory/.test(n)));
    const run = await readRun(big);
    const report = buildReport(run.manifest, run.results, { dir: run.dir });
    assert.equal(first.header.users, 4_000);
    for (const v of report.variants) {
      const got = first.variants.find((x) => x.id === v.variant)!;
      for (const m of v.metrics)
        assert.equal(got.metrics[m.key].all.value, nan(m.all.value), `${v.variant} ${m.key}`);
      assert.deepEqual(got.counts.invalid, v.counts.invalid);
    }
    // The first page: 500 rows of the default order (errors, then invalid, then the largest errors), each
    // opening its own case; the total is every failure of the run.
    const rows = await opened.failures;
    const ctx = scoringContext(run.manifest);
    const failed = run.results.filter((r) => failureOf(r, ctx));
    assert.equal(rows.length, 500);
    assert.equal(rows[0].outcome, 'error');
    const order = { error: 0, invalid: 1, wrong: 2 } as Record<string, number>;
    for (let i = 1; i < rows.length; i++) {
      const [p, q] = [rows[i - 1], rows[i]];
      assert.ok(
        order[p.outcome] < order[q.outcome] || (order[p.outcome] === order[q.outcome] && p.error >= q.error),
        `row ${i} is in order`,
      );
    }
    assert.ok(failed.length > 500);
    const intervals = await until(
      'the view with intervals',
      () => opened.views().find((v) => v.intervals),
      120_000,
    );
    assertViewMatchesReport(intervals, report);
    await opened.rendered('failures');
  });

  it('the Runs tree and CodeLens figures of a big run come from `ubp report` and the compact model: equal to the report', async () => {
    // The run the test above wrote (51,000 results, over the in-memory limit).
    const api = vscode.extensions.getExtension<UbpExtensionApi>(EXTENSION_ID)!.exports;
    const listing = api.services.runs.list().find((r) => r.id === 'fixture-compact');
    assert.ok(listing, 'the big run is listed');
    const [summaries, failures] = await Promise.all([
      api.services.runs.variantSummaries(listing),
      api.services.runs.failureCounts(listing),
    ]);
    // Whole reports (with breakdowns) come only from `ubp report`: the host's own path summarises without them,
    // and would give the same numbers below, so this is what tells the paths apart.
    assert.ok(
      summaries.every((x) => Object.hasOwn(x, 'breakdowns')),
      'the figures come from ubp report, not from reading the run in the host',
    );
    const run = await readRun(listing.dir);
    const report = buildReport(run.manifest, run.results, { dir: run.dir });
    const ctx = scoringContext(run.manifest);
    assert.deepEqual(
      summaries.map((x) => x.variant),
      report.variants.map((v) => v.variant),
    );
    for (const v of report.variants) {
      const got = summaries.find((x) => x.variant === v.variant)!;
      for (const m of v.metrics) {
        const g = got.metrics.find((x) => x.key === m.key)!;
        assert.deepEqual(
          [g.all.value, g.all.lo, g.all.hi].map((x) => nan(x)),
          [m.all.value, m.all.lo, m.all.hi].map((x) => nan(x)),
          `${v.variant} ${m.key}`,
        );
      }
      const failed = run.results.filter((r) => r.variant === v.variant && failureOf(r, ctx)).length;
      assert.equal(failures.get(v.variant), failed, `${v.variant} failures`);
    }
  });

  it('two big runs compare through `ubp compare` in a child process: deltas equal compareRuns', async () => {
    const options = {
      root,
      cases: 9_000,
      users: 3_000,
      models: ['model-a', 'model-b'],
      baselines: ['popularity'],
    };
    const a = await writeFixtureRun({ ...options, id: 'fixture-big-a', promptChars: 20 });
    const b = await writeFixtureRun({ ...options, id: 'fixture-big-b', promptChars: 20, seed: 9 });
    const opened = (await vscode.commands.executeCommand('ubp.compareRuns', a, b)) as OpenedResults;
    const view = (await opened.view) as CompareView;
    const [ra, rb] = await Promise.all([readRun(a), readRun(b)]);
    const cmp = compareRuns(
      { label: ra.manifest.id, results: ra.results },
      { label: rb.manifest.id, results: rb.results },
      scoringContext(ra.manifest),
    );
    for (const pc of cmp.variants) {
      for (const m of pc.metrics) {
        const row = view.rows.find((r) => r.variant === pairName(pc) && r.metric === m.key)!;
        assertEstimate(row.delta!, m.diff, `${pairName(pc)} ${m.key} delta`);
      }
    }
    assert.equal(view.a.users, 3_000);
    const changed = cmp.variants.reduce((n, pc) => n + Math.min(5000, pc.changed.length), 0);
    assert.equal(view.changed.length, changed);
    await opened.rendered('compare');
  });

  it('a big live run: updates tell the table the failures changed, never re-send a first page that loses the place', async function () {
    this.timeout(300_000);
    // 17,000 cases × 3 variants, 16,900 written (50,700 results: over COMPACT_RESULTS), the rest appended live.
    const options = {
      root,
      id: 'fixture-big-live',
      cases: 17_000,
      users: 4_000,
      models: ['model-a', 'model-b'],
      baselines: ['popularity'],
      promptChars: 20,
      status: 'running' as const,
    };
    const dir = await writeFixtureRun({ ...options, partial: 16_900 });
    const opened = (await vscode.commands.executeCommand('ubp.openResults', dir)) as OpenedResults;
    const first = (await opened.view) as ResultsView;
    assert.equal(first.live, true);
    assert.deepEqual(first.compact, { results: 50_700, threshold: 50_000 });
    await opened.rendered('failures');
    assert.deepEqual(
      opened.failureNotices().map((n) => n.kind),
      ['page'],
      'the first page on opening',
    );
    // What was written (the fixture's random stream depends on `partial`), then the rest of the full run's.
    const written = fixtureResults({ ...options, partial: 16_900 });
    const rest = fixtureResults(options).filter((r) => Number(r.caseId.slice(5)) >= 16_900);
    const ctx = scoringContext(readRunManifest(dir));
    for (const r of rest) appendFileSync(path.join(dir, 'results.jsonl'), JSON.stringify(r) + '\n');
    const failed = [...written, ...rest].filter((r) => failureOf(r, ctx)).length;
    await until(
      `a live update with every failure (${failed})`,
      () => opened.failureNotices().find((n) => n.kind === 'changed' && n.all === failed),
      120_000,
      () => JSON.stringify(opened.failureNotices()),
    );
    assert.deepEqual(
      [...new Set(opened.failureNotices().map((n) => n.kind))],
      ['page', 'changed'],
      'after opening, only "changed" notices: the table keeps its page, filters and scroll',
    );
    await until(
      'a view with every case',
      () => opened.views().find((v) => v.variants.every((x) => x.counts.cases === 17_000)),
      120_000,
    );
  });

  it('follows a run that is still being written', async () => {
    const options = {
      root,
      id: 'fixture-live',
      cases: 40,
      users: 20,
      models: ['model-a'],
      status: 'running' as const,
    };
    const dir = await writeFixtureRun({ ...options, partial: 10 });
    const opened = (await vscode.commands.executeCommand('ubp.openResults', dir)) as OpenedResults;
    const first = (await opened.view) as ResultsView;
    assert.equal(first.live, true);
    assert.equal(first.variants[0].counts.cases, 10);
    // Append the remaining 30 lines as a runner would, one by one.
    const rest = fixtureResults(options).slice(10);
    for (const r of rest) appendFileSync(path.join(dir, 'results.jsonl'), JSON.stringify(r) + '\n');
    const updated = await until('a view with every case', () =>
      opened.views().find((v) => v.variants[0]?.counts.cases === 40),
    );
    const run = await readRun(dir);
    assertViewMatchesReport(updated, buildReport(run.manifest, run.results, { dir }));
    await opened.rendered('failures'); // close only a settled webview (a webview closed mid-load stalls the next)
  });
});
