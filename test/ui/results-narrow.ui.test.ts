// The results panel in a narrow editor group (a config beside it, about 500 px each), as researchers keep it: the
// failure filters wrap into at most two rows, the key columns (outcome, item, reason, answer) keep a readable
// width while the others give way to the case view and the outcome's tooltip, hidden cells are neither seen nor
// read, and no tab scrolls sideways as a whole. At full width every column is back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { writeFixtureRun } from '../integration/suite/results.fixture';
import { openWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './workbench';

let wb: Workbench;

before(async () => {
  const ws = process.env.UBP_UI_WORKSPACE;
  assert.ok(ws, 'UBP_UI_WORKSPACE is set by the harness');
  for (const [id, name, seed] of [
    ['ui-narrow-a', 'UI narrow A', 1],
    ['ui-narrow-b', 'UI narrow B', 7],
  ] as const)
    await writeFixtureRun({
      root: path.join(ws, '.ubp'),
      id,
      name,
      cases: 120,
      users: 40,
      models: ['model-a', 'model-b'],
      templates: ['builtin:rating', 'terse'],
      baselines: ['popularity', 'user-mean'],
      seed,
    });
  wb = await openWorkbench();
  await wb.page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]').waitFor({ timeout: 90_000 });
  await theme('Dark Modern', 'vs-dark');
});
after(async () => {
  await wb?.close();
});

async function theme(name: string, workbenchClass: 'vs' | 'vs-dark'): Promise<void> {
  await runCommand(wb.page, 'Preferences: Color Theme', name);
  await wb.page.locator(`.monaco-workbench.${workbenchClass}`).waitFor({ timeout: 30_000 });
}

/** The workspace's config in the editor, split to the right: the right group (active) is half the editor area. */
async function narrowGroup(): Promise<number> {
  const { page } = wb;
  await runCommand(page, 'Go to File...');
  await page.locator('.quick-input-widget input').fill('movies-choice.ubp.json');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'movies-choice' }).waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab', { hasText: 'movies-choice.ubp.json' }).waitFor();
  await runCommand(page, 'View: Split Editor Right');
  await page.locator('.editor-group-container').nth(1).waitFor();
  const box = await page.locator('.editor-group-container.active').boundingBox();
  return box!.width;
}

async function openRun(runId: string): Promise<Frame> {
  await runCommand(wb.page, 'UBP: Open Results', runId);
  const frame = await webviewFrame(wb.page, `Results: ${runId}`);
  await frame.locator('#metrics-table').waitFor({ timeout: 120_000 });
  return frame;
}

/** How far the panel's page scrolls sideways as a whole (a table may scroll inside its own box). */
function pageOverflow(frame: Frame): Promise<number> {
  return frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

interface GridFacts {
  panelTop: number;
  gridTop: number;
  /** Distinct tops (rounded) of the filter controls, and the bottom of the lowest one. */
  filterRows: number[];
  filtersBottom: number;
  /** Where the count and the export buttons sit. */
  countTop: number;
  exportTop: number;
  header: { label: string; shown: boolean; width: number; left: number; cut: boolean }[];
  /** Per row in view: each cell shown or not, its left, whether its text is cut, its text and title. */
  rows: { shown: boolean; left: number; cut: boolean; text: string; title: string }[][];
  focusable: number;
}

/** Measures the failures tab: filters, the table's place, its columns and rows as laid out. */
async function gridFacts(frame: Frame): Promise<GridFacts> {
  // The test runner's transform (esbuild, keepNames) wraps named helpers in `__name`, which the page lacks.
  await frame.evaluate('globalThis.__name ??= (f) => f');
  return frame.evaluate(() => {
    const grid = document.getElementById('failures-grid')!;
    const gridBox = grid.getBoundingClientRect();
    const panel = grid.closest('section.failures')!.parentElement!;
    const controls = ['variant', 'outcome', 'user', 'search', 'sort'].map((f) =>
      document.getElementById(`failures-${f}`)!.getBoundingClientRect(),
    );
    const cells = (parent: Element) =>
      [...parent.querySelectorAll<HTMLElement>('.vt-cell')].map((el) => ({
        shown: getComputedStyle(el).display !== 'none',
        left: Math.round(el.getBoundingClientRect().left),
        width: el.getBoundingClientRect().width,
        cut: el.scrollWidth > el.clientWidth,
        text: el.textContent ?? '',
        title: el.title,
      }));
    return {
      panelTop: panel.getBoundingClientRect().top,
      gridTop: gridBox.top,
      filterRows: [...new Set(controls.map((c) => Math.round(c.top / 4) * 4))],
      filtersBottom: Math.max(...controls.map((c) => c.bottom)),
      countTop: document.getElementById('failures-count')!.getBoundingClientRect().top,
      exportTop: document.getElementById('failures-export-csv')!.getBoundingClientRect().top,
      header: cells(grid.querySelector('.vt-header')!).map((c) => ({
        label: c.text,
        shown: c.shown,
        width: c.width,
        left: c.left,
        cut: c.cut,
      })),
      rows: [...grid.querySelectorAll<HTMLElement>('.vt-spacer .vt-row[data-index]:not([hidden])')]
        .filter((r) => r.getBoundingClientRect().bottom <= gridBox.bottom)
        .map((r) => cells(r).map(({ shown, left, cut, text, title }) => ({ shown, left, cut, text, title }))),
      focusable: grid.querySelectorAll('[tabindex], a, button, input').length,
    };
  });
}

test('narrow: the failure filters take two rows and the key columns stay readable', async () => {
  const { page } = wb;
  const width = await narrowGroup();
  assert.ok(width > 440 && width < 620, `the results group is ${width} px wide`);
  const frame = await openRun('ui-narrow-a');
  assert.ok((await frame.evaluate(() => innerWidth)) < 600, 'the panel is narrow');
  await frame.locator('[data-tab="tab-failures"]').click();
  await frame.locator('#failures-count', { hasText: /^\d+ failures$/ }).waitFor();
  const f = await gridFacts(frame);
  console.log(
    `# narrow failures: group ${width} px, table ${Math.round(f.gridTop - f.panelTop)} px below the tab panel's top, filter rows at ${f.filterRows.join(', ')}`,
  );

  // The filter bar: two rows of controls, the count and the exports on them, the table right below.
  assert.ok(f.filterRows.length <= 2, `filters on ${f.filterRows.length} rows`);
  assert.ok(
    f.countTop < f.filtersBottom && f.exportTop < f.filtersBottom,
    'count and exports beside the filters',
  );
  assert.ok(
    f.gridTop - f.panelTop <= 110,
    `the table starts ${f.gridTop - f.panelTop} px below the tab's top`,
  );
  assert.equal(await pageOverflow(frame), 0, 'no sideways scroll of the page');

  // The key columns are shown, at least 80 px wide, their headers whole; the others give way.
  const shown = f.header.filter((c) => c.shown);
  assert.deepEqual(
    shown.map((c) => c.label),
    ['Outcome', 'Item', 'Reason', 'Answer'],
  );
  for (const c of shown) {
    assert.ok(c.width >= 80, `${c.label} is ${c.width} px wide`);
    assert.equal(c.cut, false, `the header ${c.label} is whole`);
  }
  assert.ok(f.rows.length >= 5, `${f.rows.length} rows in view`);
  const outcome = f.header.findIndex((c) => c.label === 'Outcome');
  for (const row of f.rows) {
    // Every header labels a column of the row: the same cells shown, at the same places.
    assert.deepEqual(
      row.map((c) => c.shown),
      f.header.map((c) => c.shown),
    );
    row.forEach((c, i) => c.shown && assert.equal(c.left, f.header[i].left, `column ${f.header[i].label}`));
    // Short values are whole (no ellipsis); every value is in its cell's tooltip.
    row.forEach((c, i) => {
      if (c.shown && c.text.length <= 8)
        assert.equal(c.cut, false, `"${c.text}" in ${f.header[i].label} is cut`);
      if (i !== outcome) assert.equal(c.title, c.text);
    });
    // The columns that gave way are in the outcome's tooltip.
    const title = row[outcome].title;
    assert.match(title, /^(wrong|invalid|error)\nVariant: .+\nCase: case-\d+(\n.+)*$/);
    assert.match(title, /\nUser: u\d+\n/);
  }
  assert.equal(f.focusable, 0, 'no focusable element inside the grid (rows move by aria-activedescendant)');
  await screenshot(page, 'results-narrow-failures');

  // The row's detail view has it all: Enter on the first row opens its case.
  const firstCase = /\nCase: (case-\d+)/.exec(f.rows[0][outcome].title)![1];
  await frame.locator('#failures-grid').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  const caseView = await webviewFrame(page, 'Case');
  await caseView.locator('#app', { hasText: firstCase }).waitFor({ timeout: 30_000 });
  await screenshot(page, 'results-narrow-case');
  await page.locator('.tab', { hasText: 'Case ' }).first().locator('.codicon-close').click();

  // The same in a light theme.
  await theme('Light Modern', 'vs');
  await frame.locator('body.vscode-light').waitFor({ timeout: 30_000 });
  await screenshot(page, 'results-narrow-failures-light');
  await theme('Dark Modern', 'vs-dark');
});

test('narrow: metrics keep the variant names in view, charts fit one card a row', async () => {
  const { page } = wb;
  const frame = await webviewFrame(page, 'Results: ui-narrow-a');
  await frame.locator('[data-tab="tab-metrics"]').click();
  const wrap = frame.locator('#metrics-table').locator('..');
  // The table scrolls inside its box; the variant column stays at its left edge.
  const sticky = await wrap.evaluate((el) => {
    el.scrollLeft = el.scrollWidth;
    const th = el.querySelector('tbody tr[data-variant] th')!;
    const group = el.querySelector('tr.group .group-label')!;
    return {
      scrolled: el.scrollLeft,
      wrapLeft: el.getBoundingClientRect().left,
      wrapRight: el.getBoundingClientRect().right,
      thLeft: th.getBoundingClientRect().left,
      groupLeft: group.getBoundingClientRect().left,
    };
  });
  assert.ok(sticky.scrolled > 0, 'the metrics table is wider than a narrow panel');
  assert.ok(
    Math.abs(sticky.thLeft - sticky.wrapLeft) <= 1,
    `the variant column stayed (${JSON.stringify(sticky)})`,
  );
  assert.ok(
    sticky.groupLeft >= sticky.wrapLeft && sticky.groupLeft < sticky.wrapRight - 50,
    `the "Models" label stayed in view (${JSON.stringify(sticky)})`,
  );
  assert.equal(await pageOverflow(frame), 0);
  await screenshot(page, 'results-narrow-metrics');
  await wrap.evaluate((el) => (el.scrollLeft = 0));

  await frame.locator('[data-tab="tab-charts"]').click();
  await frame.locator('#chart-variants canvas').waitFor();
  const cards = await frame
    .locator('#charts .chart-card')
    .evaluateAll((all) =>
      all.map((c) => ({ left: c.getBoundingClientRect().left, right: c.getBoundingClientRect().right })),
    );
  const inner = await frame.evaluate(() => document.documentElement.clientWidth);
  assert.ok(cards.length >= 4);
  assert.ok(
    cards.every((c) => c.right <= inner && c.left === cards[0].left),
    'one card a row, inside the panel',
  );
  assert.equal(await pageOverflow(frame), 0);
  await screenshot(page, 'results-narrow-charts');
  await runCommand(page, 'View: Close All Editors');
});

test('narrow: compare mode stacks the two runs and keeps the changed cases readable', async () => {
  const { page } = wb;
  await narrowGroup();
  await runCommand(page, 'UBP: Compare Runs…', 'ui-narrow-b');
  await page.locator('.quick-input-widget', { hasText: 'pick run B' }).waitFor();
  await page.locator('.quick-input-widget input').fill('ui-narrow-a');
  await page.locator('.quick-input-list .monaco-list-row[aria-label^="UI narrow A, ui-narrow-a,"]').waitFor();
  await page.keyboard.press('Enter');
  const frame = await webviewFrame(page, 'Compare runs');
  await frame.locator('#compare-table tbody tr').first().waitFor({ timeout: 60_000 });
  const [a, b] = await frame
    .locator('.compare-headers > div')
    .evaluateAll((all) =>
      all.map((d) => d.getBoundingClientRect()).map((r) => ({ top: r.top, left: r.left })),
    );
  assert.ok(b.top > a.top && b.left === a.left, 'run B below run A');
  assert.equal(await pageOverflow(frame), 0);
  await screenshot(page, 'results-narrow-compare');
  await frame.locator('#failures-grid').scrollIntoViewIfNeeded();
  const f = await gridFacts(frame);
  const shown = f.header.filter((c) => c.shown);
  assert.deepEqual(
    shown.map((c) => c.label),
    ['Change', 'A answered', 'B answered', 'Outcomes (A → B)'],
  );
  assert.ok(
    shown.every((c) => c.width >= 80 && !c.cut),
    JSON.stringify(shown),
  );
  assert.ok(f.filterRows.length <= 2, `filters on ${f.filterRows.length} rows`);
  await screenshot(page, 'results-narrow-compare-changed');
  await runCommand(page, 'View: Close All Editors');
});

test('narrow: the dataset statistics fit the group', async () => {
  const { page } = wb;
  await narrowGroup();
  await runCommand(page, 'UBP: Show Dataset Statistics', 'ml-latest-small');
  const frame = await webviewFrame(page, 'Dataset statistics');
  await frame.locator('#summary').waitFor({ timeout: 60_000 });
  assert.equal(await pageOverflow(frame), 0);
  await screenshot(page, 'stats-narrow');
  await runCommand(page, 'View: Close All Editors');
});

test('full width: every column and every filter label is back', async () => {
  const { page } = wb;
  const frame = await openRun('ui-narrow-a');
  assert.ok((await frame.evaluate(() => innerWidth)) > 900, 'the panel has the whole editor area');
  await frame.locator('[data-tab="tab-failures"]').click();
  await frame.locator('#failures-count', { hasText: /^\d+ failures$/ }).waitFor();
  const f = await gridFacts(frame);
  assert.deepEqual(
    f.header.filter((c) => c.shown).map((c) => c.label),
    f.header.map((c) => c.label),
  );
  const labels = await frame
    .locator('.filters .control-label')
    .evaluateAll((all) => all.map((l) => l.getBoundingClientRect().width));
  assert.ok(labels.length === 5 && labels.every((w) => w > 10), 'labels shown');
  await runCommand(page, 'View: Close All Editors');
});
