// UI tests: packages the extension, installs the .vsix into a fresh code-server, then runs test/ui/*.ui.test.ts
// (node:test + playwright-core driving Debian's Chromium). The tests find the server through UBP_UI_URL and
// the workspace through UBP_UI_WORKSPACE; screenshots go to test-output/screenshots/ (ignored by git).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureCodeServer, startCodeServer } from './codeServer.mjs';

const root = path.resolve(import.meta.dirname, '../..');
execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: root, stdio: 'inherit' });
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, `${name}-${version}.vsix`);
const tools = ensureCodeServer();
const ws = mkdtempSync(path.join(os.tmpdir(), 'ubp-ui-ws-'));
cpSync(path.join(root, 'test/fixtures/workspace'), ws, { recursive: true });
const server = await startCodeServer({ tools, vsix });
let status = 1;
try {
  const files = readdirSync(path.join(root, 'test/ui'))
    .filter((f) => f.endsWith('.ui.test.ts'))
    // UBP_UI_FILES=failures,results runs only the files whose names contain one of the words.
    .filter(
      (f) => !process.env.UBP_UI_FILES || process.env.UBP_UI_FILES.split(',').some((w) => f.includes(w)),
    )
    .sort()
    .map((f) => path.join('test/ui', f));
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        UBP_UI_URL: server.url,
        UBP_UI_WORKSPACE: ws,
        UBP_UI_USER_DATA: server.userData,
        UBP_UI_VSIX: vsix,
      },
    },
  );
  status = r.status ?? 1;
} finally {
  await server.stop();
  rmSync(ws, { recursive: true, force: true });
}
process.exit(status);
