// Runs the mocha integration suite (out/test/integration) INSIDE a real VS Code extension host: desktop VS Code
// through @vscode/test-electron where it can be downloaded, code-server here. Prints the suite's output and
// ends with the suite's own result line, which scripts/test-all.mjs reads.
//   node test/harness/run-integration.mjs          (after `node scripts/build.mjs --tests`)
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseHost, electronCachePresent } from './hostChoice.mjs';
import { ensureCodeServer, filesContaining, openBrowser, remoteUri, startCodeServer } from './codeServer.mjs';
import { randomBytes } from 'node:crypto';

const root = path.resolve(import.meta.dirname, '../..');
const testsPath = path.join(root, 'out/test/integration/index.js');
const TIMEOUT_MS = Number(process.env.UBP_TEST_TIMEOUT_MS || 600_000);

function makeWorkspace() {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'ubp-ws-'));
  cpSync(path.join(root, 'test/fixtures/workspace'), ws, { recursive: true });
  return ws;
}

async function runInElectron(ws) {
  // Thin by design: this path needs a VS Code download, impossible on the project's CI machines.
  const { runTests } = await import('@vscode/test-electron');
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    launchArgs: [ws, '--disable-workspace-trust', '--disable-extensions'],
    extensionTestsEnv: { UBP_WORKSPACE: ws, UBP_TEST_GREP: process.env.UBP_TEST_GREP },
  });
  return 0;
}

async function runInCodeServer(ws) {
  const tools = ensureCodeServer();
  // A key only this run knows: the suite stores it in SecretStorage and sends it to a local server; afterwards
  // no file of the workspace, the user-data folder or the browser profile may contain it.
  const secret = `sk-ubp-sentinel-${randomBytes(12).toString('hex')}`;
  // UBP_TEST_GREP runs the integration tests whose title matches (while developing one suite).
  const grep = process.env.UBP_TEST_GREP ? { UBP_TEST_GREP: process.env.UBP_TEST_GREP } : {};
  const server = await startCodeServer({ tools, env: { UBP_TEST_SECRET: secret, ...grep } });
  const browser = await openBrowser({ keepProfile: true });
  let code = 1;
  try {
    const page = await browser.newPage();
    let finish;
    const done = new Promise((r) => (finish = r));
    await page.exposeFunction('codeAutomationLog', (type, args) => (console[type] || console.log)(...args));
    await page.exposeFunction('codeAutomationExit', (code) => finish(code));
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remoteUri(root)],
      ['extensionTestsPath', remoteUri(testsPath)],
    ]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    const timer = setTimeout(() => finish('timeout'), TIMEOUT_MS);
    const exit = await done;
    clearTimeout(timer);
    if (exit === 'timeout')
      console.error(`[harness] the suite did not finish within ${TIMEOUT_MS / 1000} s\n${server.log()}`);
    code = exit === 0 ? 0 : 1;
  } finally {
    await browser.context.close();
    const leaks = filesContaining([ws, server.userData, browser.profileDir], secret);
    const ok = leaks.length === 0;
    console.log(
      `[harness] ${ok ? '✔' : '✖'} the API key reached no file of the workspace, user data or browser profile${ok ? '' : `: ${leaks.join(', ')}`}`,
    );
    console.log(`UBP_HARNESS_RESULT ${JSON.stringify({ passed: ok ? 1 : 0, failed: ok ? 0 : 1 })}`);
    if (!ok) code = 1;
    rmSync(browser.profileDir, { recursive: true, force: true });
    await server.stop();
  }
  return code;
}

const { host, why } = chooseHost({ env: process.env, electronCacheExists: electronCachePresent(root) });
console.log(`[harness] integration host: ${host} (${why})`);
const ws = makeWorkspace();
const t0 = Date.now();
let code;
try {
  code = host === 'electron' ? await runInElectron(ws) : await runInCodeServer(ws);
} catch (e) {
  console.error('[harness] failed to run the suite:', e);
  code = 2;
} finally {
  rmSync(ws, { recursive: true, force: true });
}
console.log(`[harness] integration suite exit code ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(code);
