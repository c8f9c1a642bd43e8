// Failed predictions inline, as a person sees them: a run against the project's test server (whose answers are
// often wrong) is reported in the Test Explorer on opening the workspace; the peek shows a failure as a diff of
// titles; the CodeLens on the model entry opens its failures; a failure opens in the case view; the prompt
// preview shows what the model answered for the previewed case; the charts give each baseline its own colour.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { startTestServer, type TestServer } from '../server/server';
import { openWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './workbench';

const TEMPLATE = `---
name: taste-choice
forms: [choice]
---
system:
You predict which movie a person watches next from the movies they rated.
user:
They rated, oldest first:
{% for h in history %}- {{ h.title }}: {{ h.value }} stars
{% endfor %}
Which one do they watch next?
{% for c in candidates %}{{ c.label }}. {{ c.title }}
{% endfor %}
Answer with JSON only: {"choice": "<letter>"}
`;

let wb: Workbench;
let server: TestServer;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-failures-'));
  writeFileSync(path.join(dir, 'taste.prompt'), TEMPLATE);
  const config = path.join(dir, 'taste.ubp.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        name: 'taste',
        dataset: { path: 'bundled:ml-latest-small' },
        task: { form: 'choice', users: 24, seed: 2 },
        prompts: ['taste.prompt'],
        models: [
          {
            id: 'local-llm',
            baseUrl: server.url,
            model: 'test-model',
            price: { inputPerMTok: 0, outputPerMTok: 0 },
          },
        ],
        baselines: ['random', 'popularity'],
        run: { cache: false },
      },
      null,
      2,
    ),
  );
  // The run is made by the CLI before the window opens: the window must find and report it by itself.
  let err = '';
  const io = { out: () => {}, err: (t: string) => void (err += t), isTTY: false, cwd: dir, env: {} };
  assert.equal(await main(['run', config], io), 0, err);
  wb = await openWorkbench({ folder: dir });
  await wb.page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]').waitFor({ timeout: 90_000 });
});
after(async () => {
  await wb?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the peek shows a failed prediction as a diff of titles, reported on opening without a run', async () => {
  const { page } = wb;
  await runCommand(page, 'View: Show Testing');
  const tree = page.locator('.test-explorer .monaco-list-row');
  const config = tree.filter({ hasText: 'taste' }).first();
  await config.waitFor({ timeout: 60_000 });
  // Expand the config and its model's variant, then open a failed case: VS Code peeks the failure of an opened
  // test that failed in the latest results (here reported on opening, without a run).
  const expand = async (row: typeof config) => {
    if ((await row.getAttribute('aria-expanded')) === 'false')
      await row.locator('.monaco-tl-twistie').click();
  };
  await expand(config);
  const variant = tree.filter({ hasText: 'taste-choice×local-llm' }).first();
  await variant.waitFor({ timeout: 60_000 });
  await expand(variant);
  const leaf = tree.filter({ hasText: /(wrong|invalid) · u/ }).first();
  await leaf.waitFor({ timeout: 60_000 });
  await leaf.click();
  const peek = page.locator('.peekview-widget').first();
  await peek.waitFor({ timeout: 60_000 });
  const text = await peek.innerText();
  assert.match(text, /wrong: answered [A-Z] · .+, expected [A-Z] · .+|invalid: /);
  await screenshot(page, 'failures-peek-diff');
  await page.keyboard.press('Escape');
});

test('the CodeLens on the model entry opens its failures; a failure opens in the case view', async () => {
  const { page } = wb;
  await runCommand(page, 'View: Show Explorer');
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'taste.ubp.json' }).click();
  const lens = page.locator('.codelens-decoration a', { hasText: /failures?$/ }).first();
  await lens.waitFor({ timeout: 60_000 });
  assert.match(
    await page
      .locator('.codelens-decoration')
      .allInnerTexts()
      .then((t) => t.join(' | ')),
    /\(HR@1\) \d\.\d{3} ± \d\.\d{3}/,
  );
  await screenshot(page, 'failures-codelens');
  await lens.click();
  const results = await webviewFrame(page, `Results: ${await runId()}`);
  const row = results.locator('#failures-grid .vt-spacer .vt-row:not([hidden])').first();
  await row.waitFor({ timeout: 60_000 });
  assert.equal(
    (
      await results.locator('#failures-grid .vt-spacer .vt-row:not([hidden]) .c-variant').allInnerTexts()
    ).every((v) => v === 'taste-choice×local-llm'),
    true,
    'filtered to the model',
  );
  await row.click();
  const view = await webviewFrame(page, 'Case');
  await view.locator('#raw-answer').waitFor({ timeout: 30_000 });
  assert.match(await view.locator('#expected').innerText(), /^[A-Z] · .+/);
  assert.ok((await view.locator('#candidates tr.expected').count()) === 1, 'the true item is marked');
  assert.match(await view.locator('#message-1').innerText(), /They rated, oldest first:/);
  await screenshot(page, 'failures-case-view');
});

test('the prompt preview shows what the model answered for the previewed case', async () => {
  const { page } = wb;
  await runCommand(page, 'View: Show Explorer');
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'taste.prompt' }).click();
  await page.locator('.tab', { hasText: 'taste.prompt' }).waitFor();
  await runCommand(page, 'UBP: Open Prompt Preview');
  const frame = await webviewFrame(page, 'Prompt preview');
  const answers = frame.locator('#answers tr.answer');
  await answers.first().waitFor({ timeout: 60_000 });
  assert.match(await answers.first().innerText(), /taste-choice×local-llm/);
  await answers.first().scrollIntoViewIfNeeded();
  await screenshot(page, 'failures-prompt-preview-answers');
});

test('a chart gives each of two baselines its own colour', async () => {
  const { page } = wb;
  await runCommand(page, 'UBP: Open Results', 'taste');
  const frame = await webviewFrame(page, `Results: ${await runId()}`);
  await frame.locator('[data-tab="tab-charts"]').click();
  await frame.locator('#charts .chart-card canvas').first().waitFor({ timeout: 60_000 });
  await screenshot(page, 'failures-chart-two-baselines');
});

async function runId(): Promise<string> {
  const { listRuns } = await import('../../src/core/run/store');
  return listRuns(path.join(dir, '.ubp'))[0]!.id;
}
