// The extension's views as a person sees them: welcome views in an empty workspace, a run started from the
// Command Palette against the project's local model server appearing in the Runs tree with its metrics, and
// runs disabled with an explanation in an untrusted workspace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openUbpContainer, openWorkbench, runCommand, screenshot, viewPane } from './workbench';
import { startTestServer, type TestServer } from '../server/server';
// @ts-expect-error the harness is plain JavaScript without declarations
import { ensureCodeServer, startCodeServer } from '../harness/codeServer.mjs';

const folders: string[] = [];
function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-views-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  folders.push(dir);
  return dir;
}
after(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

test('an empty workspace shows welcome views with actions', async () => {
  const wb = await openWorkbench({ folder: workspace() });
  try {
    await openUbpContainer(wb.page);
    const runs = viewPane(wb.page, 'Runs');
    await runs.locator('.welcome-view-content', { hasText: 'No runs yet' }).waitFor({ timeout: 60_000 });
    // No config yet: the welcome offers to create one, and says so, rather than a run that has nothing to run.
    assert.ok(await runs.locator('.monaco-button', { hasText: 'Create an Eval' }).isVisible());
    assert.match(await runs.locator('.welcome-view-content').innerText(), /no eval config/);
    assert.equal(await runs.locator('.monaco-button', { hasText: 'Run UBP Eval' }).count(), 0);
    const models = viewPane(wb.page, 'Models');
    if (!(await models.locator('.welcome-view-content').isVisible()))
      await models.locator('.pane-header').click();
    await models.locator('.welcome-view-content', { hasText: 'No model endpoints yet' }).waitFor();
    await screenshot(wb.page, 'welcome-views');
  } finally {
    await wb.close();
  }
});

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

test('a run started from the Command Palette shows in the Runs tree with its metrics', async () => {
  const config = {
    name: 'ui-run',
    dataset: { path: 'bundled:ml-latest-small' },
    task: { form: 'choice', users: 15, seed: 1 },
    models: [
      {
        id: 'local-llm',
        baseUrl: server.url,
        model: 'test-model',
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
    ],
    baselines: ['popularity'],
    run: { cache: false },
  };
  const ws = workspace({ 'ui-run.ubp.json': JSON.stringify(config, null, 2) });
  const wb = await openWorkbench({ folder: ws });
  try {
    const { page } = wb;
    await openUbpContainer(page);
    await runCommand(page, 'UBP: Run UBP Eval', 'ui-run');
    // Models and baselines: keep the default (all picked).
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'local-llm' }).waitFor();
    await page.keyboard.press('Enter');
    // The endpoint speaks OpenAI's Batch API too (the test server emulates it), so the mode is asked: interactive,
    // with both estimates shown.
    const interactive = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Interactive' });
    await interactive.waitFor();
    assert.ok(await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Batch' }).isVisible());
    await interactive.click();
    // The estimate, in a modal.
    const dialog = page.locator('.monaco-dialog-box', { hasText: '15 requests' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /~\$0\.\d+/);
    await dialog.locator('.monaco-button', { hasText: 'Run' }).click();
    await page.locator('.notifications-toasts', { hasText: 'finished' }).waitFor({ timeout: 120_000 });
    const runs = viewPane(page, 'Runs');
    await runs.locator('.monaco-list-row', { hasText: 'ui-run' }).waitFor();
    // Status and the key figure lead the row; the form and the date follow as its description.
    const runRow = runs.locator('.monaco-list-row', { hasText: 'done · 30/30' });
    await runRow.waitFor();
    assert.match(await runRow.innerText(), /done · 30\/30[\s\S]*choice · /);
    await runRow.locator('.monaco-tl-twistie').click();
    const variant = runs.locator('.monaco-list-row', { hasText: 'local-llm' });
    await variant.waitFor();
    // Whose figure it is, then the headline figure; the metric, the invalid share and the full variant id follow.
    assert.match(
      await variant.innerText(),
      /local-llm · \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\][\s\S]*HR@1\)? · invalid \d+\.\d% · \S+×local-llm/,
    );
    await runs.locator('.monaco-list-row', { hasText: 'baseline:popularity' }).waitFor();
    assert.equal(server.stats().chatRequests, 15);
    await screenshot(page, 'runs-tree-after-run');
    const [runId] = readdirSync(path.join(ws, '.ubp/runs'));
    const manifest = JSON.parse(readFileSync(path.join(ws, '.ubp/runs', runId, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'done');
  } finally {
    await wb.close();
  }
});

test('in an untrusted workspace runs are disabled, with the reason', async () => {
  const tools = ensureCodeServer();
  const untrusted = await startCodeServer({ tools, trust: true, vsix: process.env.UBP_UI_VSIX });
  const ws = workspace({
    'movies.ubp.json': JSON.stringify({
      name: 'movies',
      dataset: { path: 'bundled:ml-latest-small' },
      task: { form: 'choice' },
    }),
  });
  const wb = await openWorkbench({ url: untrusted.url, folder: ws });
  try {
    const { page } = wb;
    // VS Code asks whether to trust the folder: decline.
    const decline = page.locator('.monaco-dialog-box .monaco-button', {
      hasText: "No, I don't trust the authors",
    });
    await decline.waitFor({ timeout: 60_000 });
    await decline.click();
    await openUbpContainer(page);
    const runs = viewPane(page, 'Runs');
    const welcome = runs.locator('.welcome-view-content', {
      hasText: 'Runs are disabled in an untrusted workspace',
    });
    await welcome.waitFor({ timeout: 60_000 });
    assert.match(await welcome.innerText(), /sends the workspace's prompts and data, with your API keys/);
    // Browsing still works: the Datasets view lists the bundled dataset.
    await viewPane(page, 'Datasets').locator('.monaco-list-row', { hasText: 'ml-latest-small' }).waitFor();
    await screenshot(page, 'untrusted-runs-disabled');
  } finally {
    await wb.close();
    await untrusted.stop();
  }
});
