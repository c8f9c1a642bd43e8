// The packaged extension, installed from its .vsix into code-server: the UBP Eval container is in the activity
// bar, its Datasets view lists the bundled dataset, and a palette command opens the statistics panel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './workbench';

let wb: Workbench;
before(async () => {
  wb = await openWorkbench();
});
after(async () => {
  await wb?.close();
});

test('the activity bar holds the UBP Eval container and its Datasets view lists the bundled dataset', async () => {
  const { page } = wb;
  const container = page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]');
  await container.waitFor({ timeout: 60_000 });
  await container.click();
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Datasets' }) });
  const row = pane.locator('.monaco-list-row', { hasText: 'ml-latest-small' });
  await row.waitFor({ timeout: 60_000 });
  assert.match(await row.innerText(), /ml-latest-small \(bundled, 2016\)/);
  await row.click();
  await pane.locator('.monaco-list-row', { hasText: 'Interactions' }).waitFor({ timeout: 60_000 });
  const texts = await pane.locator('.monaco-list-row').allInnerTexts();
  assert.ok(
    texts.some((t) => /Interactions\s*100,004/.test(t)),
    `tree rows: ${texts.join(' | ')}`,
  );
  await screenshot(page, 'activity-bar-datasets');
});

test('"UBP: Show Dataset Statistics" from the Command Palette renders the statistics panel', async () => {
  const { page } = wb;
  await runCommand(page, 'UBP: Show Dataset Statistics', 'ml-latest-small');
  const frame = await webviewFrame(page, 'Dataset statistics');
  const summary = frame.locator('#summary');
  await summary.waitFor({ timeout: 60_000 });
  const text = await summary.innerText();
  assert.match(text, /Users\s+671/);
  assert.match(text, /Interactions\s+100,004/);
  await screenshot(page, 'dataset-statistics');
});
