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
let ws: string;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

test('a batch run shows its progress in the Runs tree, and its answers arrive by themselves', async () => {
  // Three requests per poll: 15 requests take several polls, so the row is seen mid-way.
  server.batches.setRequestsPerPoll(3);
  ws = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-batch-'));
  mkdirSync(path.join(ws, '.vscode'));
  // Polling off while the row is looked at (a poll re-renders the row and closes its hover); on later.
  const settings = path.join(ws, '.vscode', 'settings.json');
  writeFileSync(settings, JSON.stringify({ 'ubp.batch.pollSeconds': 0 }));
  const config = {
    name: 'ui-batch',
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
  writeFileSync(path.join(ws, 'ui-batch.ubp.json'), JSON.stringify(config, null, 2));
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
