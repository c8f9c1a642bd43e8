// Helpers for UI tests: open the workbench in Chromium, run palette commands, reach into webviews. Every wait is
// on a DOM state, never a fixed sleep.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
// The harness is plain JavaScript shared with the integration runner.
// @ts-expect-error no declaration file for the .mjs harness module
import { openBrowser } from '../harness/codeServer.mjs';

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-output/screenshots');

export interface Workbench {
  page: Page;
  close(): Promise<void>;
}

export async function openWorkbench(
  options: { colorTheme?: string; url?: string; folder?: string } = {},
): Promise<Workbench> {
  const url = options.url ?? process.env.UBP_UI_URL;
  const ws = options.folder ?? process.env.UBP_UI_WORKSPACE;
  if (!url || !ws) throw new Error('UI tests run through test/harness/run-ui.mjs (UBP_UI_URL is not set)');
  const browser: { newPage(): Promise<Page>; close(): Promise<void> } = await openBrowser();
  const page = await browser.newPage();
  await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  if (options.colorTheme) await runCommand(page, 'Preferences: Color Theme', options.colorTheme);
  return { page, close: () => browser.close() };
}

/** Opens the Command Palette. F1 does not reach the workbench while a webview holds the focus: then the
 * command center in the title bar (a click, wherever the focus is) opens the same quick input. */
async function openPalette(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('F1');
  if (await input.isVisible()) return;
  try {
    await input.waitFor({ state: 'visible', timeout: 2_000 });
  } catch {
    await page.locator('.command-center-center').first().click();
    await input.waitFor({ state: 'visible' });
  }
}

/** Runs a command from the Command Palette (its exact title), optionally answering one quick pick after it. */
export async function runCommand(page: Page, title: string, pick?: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // Click the row whose label is exactly the title: the first match may be another command containing it.
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
    .first();
  // A palette opened while a window is still registering contributions can miss a command: reopen it then.
  for (let attempt = 1; ; attempt++) {
    await openPalette(page);
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden' });
    }
  }
  await row.click();
  if (pick !== undefined) {
    await page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().waitFor();
    await input.fill(pick);
    // Enter accepts the focused row: wait until the filter has put the pick there (an Enter before it may accept
    // nothing, and the command's next step never shows).
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: pick }).waitFor();
    await page.keyboard.press('Enter');
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The content frame of the webview whose document has the given title (webviews sit in iframe.webview →
 * #active-frame). Re-checks on every frame navigation and at least every half second: a frame that finished
 * loading just before the wait began sends no further event.
 */
export async function webviewFrame(page: Page, title: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.name() !== 'active-frame' && !frame.url().includes('fake.html')) continue;
      if ((await frame.title().catch(() => '')) === title && (await frame.$('#app').catch(() => null)))
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview titled "${title}" within ${timeoutMs} ms`);
    await page.waitForEvent('framenavigated', { timeout: 500 }).catch(() => undefined);
  }
}

/** The pane of a view in the side bar, by its title. */
export function viewPane(page: Page, title: string) {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
}

/** Opens the UBP Eval container from the activity bar. */
export async function openUbpContainer(page: Page): Promise<void> {
  const container = page.locator('.activitybar .action-item a[aria-label^="UBP Eval"]');
  await container.waitFor({ timeout: 60_000 });
  if ((await container.getAttribute('aria-expanded')) !== 'true') await container.click();
  await viewPane(page, 'Datasets').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
