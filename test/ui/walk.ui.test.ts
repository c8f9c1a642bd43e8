// A new user's first steps, as a person sees them: a wrong key stops the model and the end-of-run message and
// the Runs tree say so (not a plain 0.000 that reads as an answer); "New Eval…" then "Run eval" from its
// CodeLens runs the form's baselines, and the config shows their figures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openUbpContainer, openWorkbench, runCommand, screenshot, viewPane } from './workbench';
import { startTestServer, type TestServer } from '../server/server';

let server: TestServer;
const folders: string[] = [];
const workspace = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-walk-'));
  folders.push(dir);
  return dir;
};
before(async () => {
  // Every request is refused as a wrong key would be.
  server = await startTestServer({ faults: { script: [{ match: /./, faults: ['401', '401', '401'] }] } });
});
after(async () => {
  await server?.close();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

test('a wrong key: the run stops the model, the message names it and the 401 and offers to set the key; the tree says "no answer"', async () => {
  const dir = workspace();
  const config = {
    name: 'ui-walk',
    dataset: { path: 'bundled:ml-latest-small' },
    task: { form: 'choice', users: 10, seed: 1 },
    models: [{ id: 'keyless', baseUrl: server.url, model: 'test-model' }],
    baselines: ['popularity'],
    run: { cache: false, maxRetries: 0 },
  };
  writeFileSync(path.join(dir, 'ui-walk.ubp.json'), JSON.stringify(config, null, 2));
  const wb = await openWorkbench({ folder: dir });
  try {
    const { page } = wb;
    await openUbpContainer(page);
    await runCommand(page, 'UBP: Run UBP Eval', 'ui-walk');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'keyless' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Interactive' }).click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'requests' });
    await dialog.locator('.monaco-button', { hasText: 'Run' }).click();
    const failed = page.locator('.notifications-toasts .notification-toast', { hasText: 'failed' });
    await failed.waitFor({ timeout: 120_000 });
    assert.match(await failed.innerText(), /keyless stopped after a fatal error: HTTP 401/);
    const runs = viewPane(page, 'Runs');
    await runs.locator('.monaco-list-row', { hasText: 'failed ·' }).locator('.monaco-tl-twistie').click();
    const row = runs.locator('.monaco-list-row', { hasText: 'keyless' });
    await row.waitFor();
    assert.match(await row.innerText(), /keyless · no answer \(\d+ errors\)[\s\S]*errors 100\.0%/);
    await screenshot(page, 'walk-401-tree');
    // The message offers to set that endpoint's key (kept in SecretStorage), then to resume the run.
    await failed.locator('.monaco-button', { hasText: 'Set API Key…' }).click();
    const input = page.locator('.quick-input-widget', {
      hasText: `API key for ${new URL(server.url).origin}`,
    });
    await input.waitFor();
    await input.locator('input').fill('sk-right');
    await page.keyboard.press('Enter');
    const stored = page.locator('.notifications-toasts .notification-toast', { hasText: 'Key stored for' });
    await stored.waitFor();
    assert.ok(await stored.locator('.monaco-button', { hasText: 'Resume' }).isVisible());
    await screenshot(page, 'walk-401-key-stored');
  } finally {
    await wb.close();
  }
});

test('New Eval…, then Run eval from its CodeLens: the baselines it runs show their figures in the config', async () => {
  const wb = await openWorkbench({ folder: workspace() });
  const { page } = wb;
  const input = page.locator('.quick-input-widget input');
  try {
    await openUbpContainer(page);
    await runCommand(page, 'UBP: New Eval…', 'ml-latest-small');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'choice' }).waitFor();
    await input.fill('choice');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'choice' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Name of the eval' }).waitFor();
    await input.fill('first');
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'first.ubp.json' }).waitFor();
    await page.locator('.codelens-decoration a', { hasText: 'Run eval' }).click();
    // Baselines only (the new config names no model): the first pick is the variants, all kept.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'popularity' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: 'finished' }).waitFor({ timeout: 180_000 });
    const lens = page.locator('.codelens-decoration', { hasText: 'baseline:popularity: ' });
    await lens.waitFor({ timeout: 60_000 });
    assert.match(await lens.innerText(), /baseline:popularity: Accuracy \(HR@1\) 0\.\d{3} ± 0\.\d{3}/);
    await screenshot(page, 'walk-new-eval-lenses');
  } finally {
    await wb.close();
  }
});
