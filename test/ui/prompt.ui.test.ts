// A .prompt file in the editor with its live preview beside it, as a person sees it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWorkbench, runCommand, screenshot, webviewFrame, type Workbench } from './workbench';

const TEMPLATE = `---
name: taste-choice
forms: [choice]
---
system:
You predict which movie a person watches next from the movies they rated.
user:
They rated, oldest first:
{% for h in history %}- {{ h.title }} ({{ h.genres | join: ", " }}): {{ h.value }} stars
{% endfor %}
Which one do they watch next?
{% for c in candidates %}{{ c.label }}. {{ c.title }}
{% endfor %}
Answer with JSON only: {"choice": "<letter>"}
`;

let wb: Workbench;
let dir: string;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-prompt-'));
  writeFileSync(path.join(dir, 'taste.prompt'), TEMPLATE);
  wb = await openWorkbench({ folder: dir });
  await wb.page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]').waitFor({ timeout: 90_000 });
});
after(async () => {
  await wb?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a .prompt file is highlighted and previewed beside the editor with real cases, tokens and cost', async () => {
  const { page } = wb;
  await runCommand(page, 'View: Show Explorer');
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'taste.prompt' }).click();
  await page.locator('.tab', { hasText: 'taste.prompt' }).waitFor();
  // The grammar colours Liquid: the output's variable is a token of its own.
  await page.locator('.view-line span', { hasText: 'h.title' }).first().waitFor();
  await runCommand(page, 'UBP: Open Prompt Preview');
  const frame = await webviewFrame(page, 'Prompt preview');
  const totals = frame.locator('#totals');
  await totals.waitFor({ timeout: 60_000 });
  assert.match(await totals.innerText(), /\d+ prompt tokens .* one case \$0\.\d+ · whole eval \$\d+\.\d+/);
  const user = frame.locator('section.role-user pre');
  assert.match(await user.innerText(), /They rated, oldest first:\n- .+ \(.+\): \d(\.5)? stars/);
  assert.match(await frame.locator('#position').innerText(), /^case 1 of \d+$/);
  await frame.locator('#next').click();
  await frame.locator('#position', { hasText: 'case 2 of' }).waitFor();
  await screenshot(page, 'prompt-editor-with-preview');
});
