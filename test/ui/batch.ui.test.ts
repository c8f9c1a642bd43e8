// Batch mode as a person sees it: "Run UBP Eval" in batch mode against the project's test server (its batch API
// emulation moves one state per status poll), the Runs tree's batch row with its progress and tooltip, and the
// poller bringing the answers in with one "Open Results" message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openUbpContainer, openWorkbench, runCommand, screenshot, viewPane } from './workbench';
import { startTestServer, type TestServer } from '../server/server';

let server: TestServer;
const folders: string[] = [];
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function configFor(name: string): object {
  return {
    name,
    dataset: { path: 'bundled:ml-latest-small' },
    task: { form: 'choice', users: 15, seed: 1 },
    models: [
      {
        id: 'batch-llm',
        baseUrl: server.url,
        model: 'test-model',
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
    ],
    baselines: ['popularity'],
    run: { cache: false },
  };
}

test('a batch run shows its progress in the Runs tree, and its answers arrive by themselves', async () => {
  // Three requests per poll: 15 requests take several polls, so the row is seen mid-way.
  server.batches.setRequestsPerPoll(3);
  const ws = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-batch-'));
  folders.push(ws);
  mkdirSync(path.join(ws, '.vscode'));
  // Polling off while the row is looked at (a poll re-renders the row and closes its hover); on later.
  const settings = path.join(ws, '.vscode', 'settings.json');
  writeFileSync(settings, JSON.stringify({ 'ubp.batch.pollSeconds': 0 }));
  writeFileSync(path.join(ws, 'ui-batch.ubp.json'), JSON.stringify(configFor('ui-batch'), null, 2));
  const wb = await openWorkbench({ folder: ws });
  try {
    const { page } = wb;
    await openUbpContainer(page);
    await runCommand(page, 'UBP: Run UBP Eval', 'ui-batch');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'batch-llm' }).waitFor();
    await page.keyboard.press('Enter');
    const batch = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Batch (about half price' });
    await batch.waitFor();
    assert.match(await batch.innerText(), /refresh the run in the Runs tree/);
    await batch.click();

    const runs = viewPane(page, 'Runs');
    // The row leads with the batch's progress: batches done of sent, requests answered of all.
    const row = runs.locator('.monaco-list-row', { hasText: 'batch · 0 of 1 done · 0/15 requests' });
    await row.waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /choice · /);
    await row.hover();
    const hover = page.locator('.monaco-hover', { hasText: 'batch-llm' });
    await hover.waitFor();
    assert.match(await hover.innerText(), /batch_\d+:\s\w+[\s\S]*created[\s\S]*expires/);
    await screenshot(page, 'runs-tree-batch-row');

    // Polling on (the workspace settings file changes as a person's edit would): the poller imports the answers
    // once the batch has ended, and says so once.
    writeFileSync(settings, JSON.stringify({ 'ubp.batch.pollSeconds': 2 }));
    const toast = page.locator('.notifications-toasts', { hasText: 'have ended' });
    await toast.waitFor({ timeout: 120_000 });
    assert.ok(await toast.locator('.monaco-button', { hasText: 'Open Results' }).isVisible());
    await runs.locator('.monaco-list-row', { hasText: 'done · 30/30' }).waitFor();
    await screenshot(page, 'runs-tree-batch-imported');
    assert.equal(server.stats().chatRequests, 0, 'every answer came from the batch');
    const [runId] = readdirSync(path.join(ws, '.ubp/runs'));
    const manifest = JSON.parse(readFileSync(path.join(ws, '.ubp/runs', runId!, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'done');
  } finally {
    await wb.close();
  }
});

test('Cancel Batch from the run row: the modal says what is pending and billed, and the provider is asked', async () => {
  server.reset();
  server.batches.setRequestsPerPoll(3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-batch-cancel-'));
  folders.push(dir);
  mkdirSync(path.join(dir, '.vscode'));
  writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'ubp.batch.pollSeconds': 0 }));
  writeFileSync(
    path.join(dir, 'ui-cancel.ubp.json'),
    JSON.stringify({ ...configFor('ui-cancel'), task: { form: 'choice', users: 10, seed: 2 } }, null, 2),
  );
  const wb = await openWorkbench({ folder: dir });
  try {
    const { page } = wb;
    await openUbpContainer(page);
    await runCommand(page, 'UBP: Run UBP Eval', 'ui-cancel');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'batch-llm' }).waitFor();
    await page.keyboard.press('Enter');
    const batch = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Batch (about half price' });
    await batch.waitFor();
    await batch.click();
    const runs = viewPane(page, 'Runs');
    const row = runs.locator('.monaco-list-row', { hasText: 'batch · 0 of 1 done · 0/10 requests' });
    await row.waitFor({ timeout: 60_000 });
    // The row's context menu offers Cancel Batch (its context value is run.batch.open). Under load the workbench
    // can drop a click that lands just as the menu opens (the menu stays open, the item highlighted): then the
    // highlighted item is chosen with Enter, as a keyboard user would (at most three tries; a second cancel would
    // fail the "asked once" check below).
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'still pending' });
    const item = page.locator('.monaco-menu .action-label', { hasText: 'Cancel Batch' });
    for (let attempt = 1; ; attempt++) {
      if (!(await item.isVisible())) {
        await row.click({ button: 'right' });
        await item.waitFor();
      }
      if (attempt === 1) await item.click();
      else {
        await item.hover();
        await page.keyboard.press('Enter');
      }
      try {
        await dialog.waitFor({ timeout: 10_000 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
    const text = await dialog.innerText();
    assert.match(text, /Cancel its open batch of "ui-cancel"\? 10 of 10 requests are still pending/);
    assert.match(text, /billed all the same/);
    // The dialog's way out says what it does (not a second "Cancel").
    assert.ok(await dialog.locator('.monaco-button', { hasText: 'Keep Running' }).isVisible());
    await screenshot(page, 'cancel-batch-dialog');
    await dialog.locator('.monaco-button', { hasText: 'Cancel Batches' }).click();
    await page.locator('.notifications-toasts', { hasText: 'asked to cancel 1 batch' }).waitFor();
    const cancels = server
      .stats()
      .log.filter((r) => r.method === 'POST' && /^\/v1\/batches\/[^/]+\/cancel$/.test(r.path));
    assert.equal(cancels.length, 1, 'the provider was asked once');
    // The row says so; nothing is left to cancel, so its menu no longer offers it.
    const cancelling = runs.locator('.monaco-list-row', { hasText: 'batch cancelling · 0 of 1 done' });
    await cancelling.waitFor();
    await screenshot(page, 'runs-tree-batch-cancelling');
    await cancelling.click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: 'Open Results' }).waitFor();
    assert.equal(await page.locator('.monaco-menu .action-label', { hasText: 'Cancel Batch' }).count(), 0);
    await page.keyboard.press('Escape');
  } finally {
    await wb.close();
  }
});
