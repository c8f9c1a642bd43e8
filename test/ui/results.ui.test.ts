// The results panel in code-server, driven like a user would: open a run from the Command Palette, check the
// metrics table against `ubp report --json`, filter the failures, open a case, and make sure hostile answers
// show as text (no element made from them, no dialog). Screenshots in a light and a dark theme; the time to
// header and metrics for a run of 10,000 cases × 3 models is recorded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { appendFileSync } from 'node:fs';
import { failureOf, readRun, readRunManifest, scoringContext, type CaseResult } from '../../src/core';
import {
  fixtureResults,
  HOSTILE_IMG,
  HOSTILE_SCRIPT,
  writeFixtureRun,
} from '../integration/suite/results.fixture';
import { openWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './workbench';

const root = path.resolve(import.meta.dirname, '../..');
let wb: Workbench;
let small: string;
let dialogs = 0;

interface ReportJson {
  headline: { key: string };
  metrics: { key: string }[];
  variants: {
    variant: string;
    metrics: { key: string; all: { value: number | null; lo: number | null; hi: number | null } }[];
    invalidShare: { value: number | null };
  }[];
}

before(async () => {
  const ws = process.env.UBP_UI_WORKSPACE;
  assert.ok(ws, 'UBP_UI_WORKSPACE is set by the harness');
  small = await writeFixtureRun({
    root: path.join(ws, '.ubp'),
    id: 'ui-ratings',
    name: 'UI ratings',
    cases: 120,
    users: 40,
    models: ['model-a', 'model-b'],
    templates: ['builtin:rating', 'terse'],
    baselines: ['popularity', 'user-mean'],
  });
  wb = await openWorkbench();
  // The palette lists the extension's commands only once its contributions are loaded: wait for its container.
  await wb.page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]').waitFor({ timeout: 90_000 });
  await colorTheme('Dark Modern', 'vs-dark');
  wb.page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
});
after(async () => {
  await wb?.close();
});

/** Picks a colour theme by name and waits for the workbench to wear it. */
async function colorTheme(name: string, workbenchClass: 'vs' | 'vs-dark'): Promise<void> {
  await runCommand(wb.page, 'Preferences: Color Theme', name);
  await wb.page.locator(`.monaco-workbench.${workbenchClass}`).waitFor({ timeout: 30_000 });
}

function frameTitled(title: string, timeoutMs = 60_000): Promise<Frame> {
  return webviewFrame(wb.page, title, timeoutMs);
}

async function openRun(runId: string): Promise<Frame> {
  await runCommand(wb.page, 'UBP: Open Results', runId);
  const frame = await frameTitled(`Results: ${runId}`);
  await frame.locator('#metrics-table').waitFor({ timeout: 120_000 });
  return frame;
}

test('opens a run from the Command Palette; the metrics table matches `ubp report --json`', async () => {
  const frame = await openRun('ui-ratings');
  const report = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'report', small, '--json'], {
      encoding: 'utf8',
    }),
  ) as ReportJson;
  const cells = await frame.locator('#metrics-table td[data-metric]').evaluateAll((tds) =>
    tds.map((td) => ({
      variant: td.getAttribute('data-variant'),
      metric: td.getAttribute('data-metric'),
      text: (td.textContent ?? '').trim(),
    })),
  );
  let checked = 0;
  for (const v of report.variants) {
    for (const m of v.metrics) {
      const cell = cells.find((c) => c.variant === v.variant && c.metric === m.key);
      assert.ok(cell, `a cell for ${v.variant} ${m.key}`);
      const { value, lo, hi } = m.all;
      const want =
        value === null
          ? '–'
          : lo === null || hi === null
            ? value.toFixed(3)
            : `${value.toFixed(3)} ± ${((hi - lo) / 2).toFixed(3)}`;
      assert.equal(cell.text, want, `${v.variant} ${m.key}`);
      checked++;
    }
    const inv = cells.find((c) => c.variant === v.variant && c.metric === 'invalidShare');
    assert.equal(
      inv?.text,
      v.invalidShare.value === null ? '–' : `${(v.invalidShare.value * 100).toFixed(1)}%`,
    );
  }
  assert.ok(checked >= 20, `${checked} cells checked`);
  // Baselines are set apart under their own group row, and the templates × models grid is there.
  assert.deepEqual(await frame.locator('#metrics-table tr.group th').allInnerTexts(), [
    'Models',
    'Baselines',
  ]);
  await frame.locator('#template-grid').waitFor();
  await screenshot(wb.page, 'results-metrics-dark');
});

test('filters the failures and opens a case; hostile answers show as text and nothing runs', async () => {
  const frame = await frameTitled('Results: ui-ratings');
  await frame.locator('[data-tab="tab-failures"]').click();
  const count = frame.locator('#failures-count');
  await count.waitFor();
  const total = Number((await count.innerText()).match(/^([\d,]+) failures$/)![1].replace(/,/g, ''));
  assert.ok(total > 10, `${total} failures`);

  // The user filter keeps that user's rows only.
  await frame.locator('#failures-user input').fill('u1');
  await frame.locator('#failures-count', { hasText: ' of ' }).waitFor();
  const users = await frame
    .locator('#failures-grid .vt-spacer .vt-row:not([hidden]) .c-user')
    .allInnerTexts();
  assert.ok(users.length > 0 && users.every((u) => u === 'u1'), users.join(','));
  await frame.locator('#failures-user input').fill('');

  // Search finds the hostile answers, shown as literal text.
  await frame.locator('#failures-search input').fill('alert(1)');
  await frame.locator('#failures-count', { hasText: /^2 of / }).waitFor();
  // Exactly those rows are displayed (recycled rows out of use are not).
  assert.equal(await frame.locator('#failures-grid .vt-spacer .vt-row:visible').count(), 2);
  const answers = await frame
    .locator('#failures-grid .vt-spacer .vt-row:not([hidden]) .c-answer')
    .allInnerTexts();
  assert.ok(answers.includes(HOSTILE_IMG), answers.join(' | '));
  assert.ok(
    answers.some((a) => a.includes(HOSTILE_SCRIPT)),
    answers.join(' | '),
  );
  // No element was made from them: no <img> anywhere in the panel, no <script> inside it, none with their text.
  assert.equal(await frame.locator('img').count(), 0);
  const scripts = await frame.locator('script').evaluateAll((all) =>
    all.map((e) => ({
      src: e.getAttribute('src') ?? '',
      text: e.textContent ?? '',
      inApp: Boolean(e.closest('#app')),
    })),
  );
  assert.ok(
    scripts.some((x) => /results\.js/.test(x.src)),
    'the panel bundle is loaded',
  );
  assert.ok(
    scripts.every((x) => !x.inApp && !x.text.includes('alert(1)')),
    JSON.stringify(scripts.map((x) => x.src)),
  );
  await screenshot(wb.page, 'results-failures-hostile');

  // From the keyboard: End goes to the last row, Enter opens it.
  await frame.locator('#failures-grid').focus();
  await wb.page.keyboard.press('End');
  await frame.locator('#failures-grid .vt-row.active', { hasText: HOSTILE_SCRIPT }).waitFor();
  await wb.page.keyboard.press('Enter');
  const caseView = await webviewFrame(wb.page, 'Case');
  await caseView.locator('#raw-answer', { hasText: HOSTILE_SCRIPT }).waitFor({ timeout: 30_000 });

  // Choosing the row with the mouse opens that case in the same case view, the answer as text.
  await frame.locator('#failures-grid .vt-row:not([hidden])', { hasText: HOSTILE_IMG }).first().click();
  await caseView.locator('#raw-answer', { hasText: HOSTILE_IMG }).waitFor({ timeout: 30_000 });
  assert.equal(await caseView.locator('#app img').count(), 0, 'the answer made no element');
  assert.equal(dialogs, 0, 'no dialog opened');
  await screenshot(wb.page, 'results-case-view-hostile');
});

test('charts render in a light and a dark theme', async () => {
  const { page } = wb;
  await page.locator('.tab', { hasText: 'Results: ' }).first().click();
  let frame = await frameTitled('Results: ui-ratings');
  await frame.locator('[data-tab="tab-charts"]').click();
  await frame.locator('#chart-variants canvas').waitFor();
  await frame.locator('#confusion table').waitFor();
  assert.ok((await frame.locator('#charts .chart-card').count()) >= 4);
  await screenshot(page, 'results-charts-dark');
  await colorTheme('Light Modern', 'vs');
  frame = await frameTitled('Results: ui-ratings');
  await frame.locator('body.vscode-light').waitFor({ timeout: 30_000 });
  await frame.locator('#chart-variants canvas').waitFor();
  await screenshot(page, 'results-charts-light');
  await frame.locator('[data-tab="tab-metrics"]').click();
  await screenshot(page, 'results-metrics-light');
  await colorTheme('Dark Modern', 'vs-dark');
});

test('compare mode: two runs from the palette, deltas with intervals and p-values, "only changed"', async () => {
  const { page } = wb;
  const ws = process.env.UBP_UI_WORKSPACE!;
  await writeFixtureRun({
    root: path.join(ws, '.ubp'),
    id: 'ui-ratings-b',
    name: 'UI ratings B',
    cases: 120,
    users: 40,
    models: ['model-a', 'model-b'],
    baselines: ['popularity', 'user-mean'],
    seed: 7,
  });
  // Keys typed while a webview has focus may not reach the workbench: focus the editor tab first.
  await page.locator('.tab', { hasText: 'Results: UI ratings' }).first().click();
  // A is the newer run, B the first one (the second picker leaves A out).
  await runCommand(page, 'UBP: Compare Runs…', 'ui-ratings-b');
  await page.locator('.quick-input-widget', { hasText: 'pick run B' }).waitFor();
  const input = page.locator('.quick-input-widget input');
  await input.fill('ui-ratings');
  await page.locator('.quick-input-list .monaco-list-row[aria-label^="UI ratings, ui-ratings,"]').waitFor();
  await page.keyboard.press('Enter');
  const frame = await frameTitled('Compare runs');
  const rows = frame.locator('#compare-table tbody tr');
  await rows.first().waitFor({ timeout: 60_000 });
  const all = await rows.count();
  const significant = await frame.locator('#compare-table tbody tr.up, #compare-table tbody tr.down').count();
  // At least the four variants both runs share, each with the rating form's five metrics (bias has no direction
  // and is valid-only, so it is not a delta a reader should rank by, but it is still listed).
  assert.ok(all >= 4 * 5, `${all} rows`);
  const deltas = await frame.locator('#compare-table td.delta').allInnerTexts();
  assert.ok(
    deltas.some((d) => /^-?\d\.\d{3} ± \d\.\d{3}/.test(d)),
    deltas.slice(0, 5).join(' | '),
  );
  await screenshot(page, 'results-compare');
  const changedCount = await frame.locator('#failures-count').innerText();
  assert.match(changedCount, /^[1-9][\d,]* changed cases$/);
  await frame.locator('#only-changed').click();
  await frame.locator('#compare-count', { hasText: `${significant} of ${all} rows` }).waitFor();
  assert.equal(await rows.count(), significant);
});

test('the panel comes back after a window reload (serializer)', async () => {
  const { page } = wb;
  // Only the visible panel is restored at once (hidden ones when shown): bring the run's panel to the front.
  await page.locator('.tab', { hasText: 'Results: UI ratings' }).first().click();
  await frameTitled('Results: ui-ratings');
  const reloaded = page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame(),
    timeout: 60_000,
  });
  await runCommand(page, 'Developer: Reload Window');
  await reloaded;
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  const frame = await frameTitled('Results: ui-ratings', 90_000);
  await frame.locator('#metrics-table td[data-metric="rmse"]').first().waitFor({ timeout: 60_000 });
  assert.ok((await frame.locator('#metrics-table tbody tr[data-variant]').count()) >= 6);
  await page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]').waitFor({ timeout: 90_000 });
});

test('a run of 10,000 cases × 3 models shows its header and metrics quickly (timing recorded)', async () => {
  const ws = process.env.UBP_UI_WORKSPACE!;
  const t0 = Date.now();
  await writeFixtureRun({
    root: path.join(ws, '.ubp'),
    id: 'ui-large',
    name: 'UI large',
    cases: 10_000,
    users: 3_000,
    models: ['model-a', 'model-b', 'model-c'],
    promptChars: 1500,
  });
  console.log(`# wrote the 10,000 × 3 run in ${Date.now() - t0} ms`);
  const clicked = Date.now();
  const frame = await openRun('ui-large');
  const seen = Date.now();
  const times = await frame.locator('#app').evaluate((app) => ({ ...(app as HTMLElement).dataset }));
  const openedAt = Number(times.openedAt);
  const header = Number(times.headerAt) - openedAt;
  const metrics = Number(times.metricsAt) - openedAt;
  console.log(
    `# UBP_FIGURE resultsLarge headerMs=${header} metricsMs=${metrics} (command to metrics in the DOM, seen by the test: ${seen - clicked} ms)`,
  );
  // How much of that is the host's webview machinery: the navigation of the panel's document waits for its
  // service worker before the panel's own HTML, script and styles are even requested.
  const [nav] = await frame.evaluate(() =>
    performance.getEntriesByType('navigation').map((e) => ({
      workerStart: (e as PerformanceNavigationTiming).workerStart,
      scriptLoaded:
        (
          performance.getEntriesByType('resource').find((r) => r.name.includes('results.js')) as
            PerformanceResourceTiming | undefined
        )?.responseEnd ?? NaN,
    })),
  );
  console.log(
    `# UBP_FIGURE resultsLarge webviewServiceWorkerWaitMs=${Math.round(nav.workerStart)} panelScriptLoadedMs=${Math.round(nav.scriptLoaded)} (in the panel frame's clock)`,
  );
  assert.ok(Number.isFinite(metrics) && metrics > 0);
  assert.equal(await frame.locator('#metrics-table tbody tr[data-variant]').count(), 3);
  await frame.locator('#app[data-intervals="true"]').waitFor({ timeout: 240_000 });
  const intervalsAt = Number(await frame.locator('#app').getAttribute('data-intervals-at'));
  console.log(`# UBP_FIGURE resultsLarge intervalsMs=${intervalsAt - openedAt}`);
  await frame.locator('[data-tab="tab-failures"]').click();
  const grid = frame.locator('#failures-grid');
  await grid.waitFor();
  // Scroll through the virtualised table: the DOM keeps a small window of rows.
  const scroll = await grid.evaluate(async (el) => {
    const t = performance.now();
    let frames = 0;
    for (let i = 0; i < 60; i++) {
      el.scrollTop += 2000;
      await new Promise((r) => requestAnimationFrame(r));
      frames++;
    }
    return { ms: performance.now() - t, frames, rows: el.querySelectorAll('.vt-spacer .vt-row').length };
  });
  console.log(`# UBP_FIGURE resultsLarge scroll60FramesMs=${Math.round(scroll.ms)} rowsInDom=${scroll.rows}`);
  assert.ok(scroll.rows < 120, `${scroll.rows} row elements`);
  await screenshot(wb.page, 'results-large-failures');
});

test('a run over the panel’s in-memory limit pages its failures through the host: count, next page, filter, search', async () => {
  const ws = process.env.UBP_UI_WORKSPACE!;
  // 17,000 cases × 3 models: 51,000 results, above COMPACT_RESULTS (50,000).
  const dir = await writeFixtureRun({
    root: path.join(ws, '.ubp'),
    id: 'ui-compact',
    name: 'UI compact',
    cases: 17_000,
    users: 5_000,
    models: ['model-a', 'model-b', 'model-c'],
    promptChars: 40,
  });
  const run = await readRun(dir);
  const ctx = scoringContext(run.manifest);
  const failed = run.results.filter((r) => failureOf(r, ctx));
  const invalid = failed.filter((r) => r.outcome === 'invalid').length;
  const fmt = (n: number) => n.toLocaleString('en-US');
  const frame = await openRun('ui-compact');
  await frame.locator('[data-tab="tab-failures"]').click();
  const count = frame.locator('#failures-count');
  await frame
    .locator('#failures-count', { hasText: new RegExp(`^${fmt(failed.length)} failures$`) })
    .waitFor();
  assert.equal(
    (await frame.locator('#failures-tab-count').innerText()).trim(),
    fmt(failed.length),
    'the tab counts every failure of the run',
  );
  // The notes say why this run behaves differently.
  assert.match(await frame.locator('.notes').innerText(), /more than the panel holds in memory/);
  // The table is as tall as every failure; scrolling far down asks for the rows that come into view.
  const grid = frame.locator('#failures-grid');
  assert.equal(await grid.evaluate((el) => el.scrollHeight), (failed.length + 1) * 26, 'a row per failure');
  await grid.evaluate((el) => (el.scrollTop = 1_200 * 26));
  await frame.locator('#failures-grid .vt-row[data-index="1200"]:not([data-pending])').waitFor();
  await grid.evaluate((el) => {
    el.scrollIntoView({ block: 'end' });
    el.scrollTop = 0;
  });
  await screenshot(wb.page, 'results-compact-failures-page');
  // A filter goes to the host: the invalid answers only, the largest-error order of the table (invalid first).
  await frame.locator('#failures-outcome').evaluate((el, v) => {
    (el as HTMLSelectElement).value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, 'invalid');
  await frame
    .locator('#failures-count', {
      hasText: `${fmt(invalid)} of ${fmt(failed.length)} failures`,
    })
    .waitFor();
  const outcomes = await frame
    .locator('#failures-grid .vt-spacer .vt-row:not([hidden]) .c-outcome')
    .allInnerTexts();
  assert.ok(outcomes.length > 0 && outcomes.every((o) => o === 'invalid'), outcomes.join(','));
  // Search reads the failures' lines on the host: the two hostile answers.
  await frame.locator('#failures-search input').fill('alert(1)');
  await frame
    .locator('#failures-count', { hasText: new RegExp(`^2 of ${fmt(failed.length)} failures$`) })
    .waitFor();
  assert.equal(await frame.locator('img').count(), 0);
  await screenshot(wb.page, 'results-compact-failures');
  console.log(`# compact run: ${await count.innerText()}`);
});

/**
 * The grid's first row in view (maybe partly): its index, its unit (variant and case), its top in the table's
 * view and on the page.
 */
async function firstRowInView(
  frame: Frame,
): Promise<{ index: number; unit: string; top: number; pageTop: number }> {
  return frame.locator('#failures-grid').evaluate((grid) => {
    const gridTop = grid.getBoundingClientRect().top + 26; // below the table's sticky header
    const rows = [...grid.querySelectorAll<HTMLElement>('.vt-spacer .vt-row[data-index]:not([hidden])')]
      .map((el) => ({ el, top: el.getBoundingClientRect().top }))
      .filter((r) => r.top + 26 > gridTop + 1) // partly hidden under the header counts
      .sort((a, b) => a.top - b.top);
    const { el, top } = rows[0];
    const cells = el.querySelectorAll('.vt-cell');
    return {
      index: Number(el.dataset.index),
      unit: `${cells[0].textContent} ${cells[1].textContent}`,
      top: top - grid.getBoundingClientRect().top,
      pageTop: top,
    };
  });
}

/** Where the row of `unit` is in the table's view now, and on the page (NaN when it is not in view). */
async function rowTop(frame: Frame, unit: string): Promise<{ index: number; top: number; pageTop: number }> {
  return frame.locator('#failures-grid').evaluate((grid, unit) => {
    for (const el of grid.querySelectorAll<HTMLElement>('.vt-spacer .vt-row[data-index]:not([hidden])')) {
      const cells = el.querySelectorAll('.vt-cell');
      if (`${cells[0].textContent} ${cells[1].textContent}` === unit) {
        const top = el.getBoundingClientRect().top;
        return { index: Number(el.dataset.index), top: top - grid.getBoundingClientRect().top, pageTop: top };
      }
    }
    return { index: -1, top: NaN, pageTop: NaN };
  }, unit);
}

async function setSelect(frame: Frame, id: string, value: string): Promise<void> {
  await frame.locator(id).evaluate((el, v) => {
    (el as HTMLSelectElement).value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

test('a live run keeps the user’s place: new failures are sorted in around the row in view, filters stay', async () => {
  const ws = process.env.UBP_UI_WORKSPACE!;
  const fmt = (n: number) => n.toLocaleString('en-US');
  // Small (the rows themselves) and big (pages from the host): 2,000 × 2 and 16,800 × 3 of their results
  // written, the rest appended while the panel is open.
  for (const c of [
    { id: 'ui-live-small', cases: 3_000, partial: 2_000, models: ['model-a', 'model-b'], scrollTo: 40 },
    {
      id: 'ui-live-big',
      cases: 17_000,
      partial: 16_800,
      models: ['model-a', 'model-b', 'model-c'],
      scrollTo: 1_500, // of about 2,700 failures of the variant
    },
  ]) {
    const options = {
      root: path.join(ws, '.ubp'),
      id: c.id,
      cases: c.cases,
      users: 1_000,
      models: c.models,
      promptChars: 40,
      status: 'running' as const,
    };
    const dir = await writeFixtureRun({ ...options, partial: c.partial });
    // What was written (the fixture's random stream depends on `partial`), then the rest of the full run's.
    const written = fixtureResults({ ...options, partial: c.partial });
    // The last 10 cases stay unanswered: the run is still partial after the update (its note stays).
    const rest = fixtureResults(options).filter((r) => {
      const i = Number(r.caseId.slice(5));
      return i >= c.partial && i < c.cases - 10;
    });
    const ctx = scoringContext(readRunManifest(dir));
    const variant = 'builtin:rating×model-b';
    const failedOf = (rs: CaseResult[]) =>
      rs.filter((r) => r.variant === variant && failureOf(r, ctx)).length;
    const before = failedOf(written);
    const after = before + failedOf(rest);
    const frame = await openRun(c.id);
    await frame.locator('[data-tab="tab-failures"]').click();
    // The user picks a variant and an order, and scrolls down.
    await setSelect(frame, '#failures-variant', variant);
    await setSelect(frame, '#failures-sort', 'error-desc');
    await frame.locator('#failures-count', { hasText: new RegExp(`^${fmt(before)} of `) }).waitFor();
    const grid = frame.locator('#failures-grid');
    await grid.evaluate((el, n) => {
      el.scrollIntoView({ block: 'end' }); // the table in the screenshots
      el.scrollTop = n * 26 + 10;
    }, c.scrollTo);
    await frame.locator(`#failures-grid .vt-row[data-index="${c.scrollTo}"]:not([data-pending])`).waitFor();
    const seen = await firstRowInView(frame);
    assert.equal(seen.index, c.scrollTo);
    const headers = () => frame.locator('#failures-grid .vt-header .vt-cell').allInnerTexts();
    const columnsBefore = await headers();
    await screenshot(wb.page, `results-live-before-${c.id.replace('ui-live-', '')}`);
    // The run goes on: the rest of its answers, new failures among them (errors and invalid answers sort first).
    appendFileSync(path.join(dir, 'results.jsonl'), rest.map((r) => JSON.stringify(r) + '\n').join(''));
    await frame
      .locator('#failures-count', { hasText: new RegExp(`^${fmt(after)} of `) })
      .waitFor({ timeout: 120_000 });
    // The same row is where it was on screen, with rows added above it; the filters are the user's.
    const now = await rowTop(frame, seen.unit);
    assert.ok(now.index > seen.index, `rows were sorted in above (${seen.index} → ${now.index})`);
    assert.ok(Math.abs(now.top - seen.top) <= 1, `the row stayed put (${seen.top} → ${now.top})`);
    // Nor did the panel above the table move (a live run's "computing the intervals" line keeps its place).
    assert.ok(
      Math.abs(now.pageTop - seen.pageTop) <= 1,
      `the panel stayed put (${seen.pageTop} → ${now.pageTop})`,
    );
    assert.deepEqual(await headers(), columnsBefore, 'the same columns');
    const value = (id: string) => frame.locator(id).evaluate((el) => (el as HTMLSelectElement).value);
    assert.equal(await value('#failures-variant'), variant);
    assert.equal(await value('#failures-sort'), 'error-desc');
    assert.equal(
      (
        await frame.locator(`#failures-grid .vt-row[data-index="${now.index}"] .vt-cell`).first().innerText()
      ).trim(),
      variant,
    );
    await screenshot(wb.page, `results-live-kept-place-${c.id.replace('ui-live-', '')}`);
    if (c.id === 'ui-live-small') {
      // The Charts tab: a "Data" table the user opened stays open while the run updates the charts.
      await frame.locator('[data-tab="tab-charts"]').click();
      const data = frame.locator('#chart-variants > details');
      await data.locator('summary').click();
      const isOpen = () => data.evaluate((d) => (d as HTMLDetailsElement).open);
      assert.equal(await isOpen(), true);
      const last = fixtureResults(options).filter((r) => Number(r.caseId.slice(5)) >= c.cases - 10);
      appendFileSync(path.join(dir, 'results.jsonl'), last.map((r) => JSON.stringify(r) + '\n').join(''));
      // Every answer in: the header no longer says "… of … done".
      await frame.locator('#run-header .run-id', { hasText: /^ui-live-small$/ }).waitFor({ timeout: 60_000 });
      assert.equal(await isOpen(), true, 'the Data table stayed open');
      await screenshot(wb.page, 'results-live-charts');
    }
    await runCommand(wb.page, 'View: Close All Editors');
  }
});
