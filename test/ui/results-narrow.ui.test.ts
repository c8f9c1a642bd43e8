// The results panel in a narrow editor group (a config beside it, ~500 px each), as a researcher keeps it: the
// failure filters wrap into at most two rows, the key columns (outcome, item, reason, answer) keep a readable
// width while the others move out to the case view, and every tab fits without a horizontal scroll of the page.
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
  for (const [id, seed] of [
    ['ui-narrow-a', 1],
    ['ui-narrow-b', 7],
  ] as const)
    await writeFixtureRun({
      root: path.join(ws, '.ubp'),
      id,
      name: id === 'ui-narrow-a' ? 'UI narrow A' : 'UI narrow B',
      cases: 120,
      users: 40,
      models: ['model-a', 'model-b'],
      templates: ['builtin:rating', 'terse'],
      baselines: ['popularity', 'user-mean'],
      seed,
    });
  wb = await openWorkbench();
  await wb.page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]').waitFor({ timeout: 90_000 });
  await runCommand(wb.page, 'Preferences: Color Theme', 'Dark Modern');
  await wb.page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 30_000 });
});
after(async () => {
  await wb?.close();
});

/** The config in the editor, split to the right: the right group (active) is about half the editor area. */
async function narrowGroup(): Promise<number> {
  const { page } = wb;
  await runCommand(page, 'Go to File...');
  const input = page.locator('.quick-input-widget input');
  await input.fill('movies-choice.ubp.json');
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

/** The page's own horizontal overflow (a narrow panel must not scroll sideways as a whole). */
function pageOverflow(frame: Frame): Promise<number> {
  return frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test('narrow: every tab of the panel', async () => {
  const width = await narrowGroup();
  console.log(`# editor group ${width} px`);
  const frame = await openRun('ui-narrow-a');
  console.log(`# metrics overflow ${await pageOverflow(frame)}`);
  await screenshot(wb.page, 'results-narrow-metrics');
  await frame.locator('[data-tab="tab-charts"]').click();
  await frame.locator('#chart-variants canvas').waitFor();
  console.log(`# charts overflow ${await pageOverflow(frame)}`);
  await screenshot(wb.page, 'results-narrow-charts');
  await frame.locator('[data-tab="tab-failures"]').click();
  await frame.locator('#failures-count').waitFor();
  const m = await frame.evaluate(() => {
    const panel = document.querySelector('#failures-grid')!.closest('vscode-tab-panel')!;
    const grid = document.querySelector('#failures-grid')!;
    const cells = [...grid.querySelectorAll<HTMLElement>('.vt-header .vt-cell')].map((c) => ({
      text: c.textContent,
      w: c.getBoundingClientRect().width,
      cut: c.scrollWidth > c.clientWidth,
    }));
    return {
      panelTop: panel.getBoundingClientRect().top,
      gridTop: grid.getBoundingClientRect().top,
      cells,
    };
  });
  console.log(`# failures ${JSON.stringify(m)} overflow ${await pageOverflow(frame)}`);
  await screenshot(wb.page, 'results-narrow-failures');
  await frame.locator('#failures-grid .vt-spacer .vt-row:not([hidden])').first().click();
  const caseView = await webviewFrame(wb.page, 'Case');
  await caseView.locator('#raw-answer').waitFor({ timeout: 30_000 });
  await screenshot(wb.page, 'results-narrow-case');
  await runCommand(wb.page, 'View: Close All Editors');
});

test('narrow: compare view', async () => {
  const { page } = wb;
  await narrowGroup();
  await runCommand(page, 'UBP: Compare Runs…', 'ui-narrow-b');
  await page.locator('.quick-input-widget', { hasText: 'pick run B' }).waitFor();
  await page.locator('.quick-input-widget input').fill('ui-narrow-a');
  await page.locator('.quick-input-list .monaco-list-row[aria-label^="UI narrow A, ui-narrow-a,"]').waitFor();
  await page.keyboard.press('Enter');
  const frame = await webviewFrame(page, 'Compare runs');
  await frame.locator('#compare-table tbody tr').first().waitFor({ timeout: 60_000 });
  console.log(`# compare overflow ${await pageOverflow(frame)}`);
  await screenshot(page, 'results-narrow-compare');
  await frame.locator('#failures-grid').scrollIntoViewIfNeeded();
  await screenshot(page, 'results-narrow-compare-changed');
  await runCommand(page, 'View: Close All Editors');
});
