// Starts code-server (VS Code 1.100.3 from npm) headless with a throw-away profile, and Debian's Chromium
// through playwright-core as its window. Used by the integration runner and the UI tests.
import { spawn, execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { findChromium } from '../../scripts/system-deps.mjs';

const here = import.meta.dirname;
// $CHROMIUM_PATH, else Debian's or Ubuntu's Chromium (the same search as the system-deps check).
export const CHROMIUM_PATH = findChromium() ?? '/usr/lib/chromium/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installs code-server into the user's cache (once per version) and returns its folder. */
export function ensureCodeServer() {
  const out = execFileSync('bash', [path.join(here, 'setup-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * @param {{ tools: string, trust?: boolean, vsix?: string, settings?: object, env?: Record<string, string> }} options
 */
export async function startCodeServer({ tools, trust = false, vsix, settings = {}, env: extraEnv = {} }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-cs-'));
  const userData = path.join(dir, 'user');
  const extensions = path.join(dir, 'ext');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'workbench.tips.enabled': false,
      ...settings,
    }),
  );
  const bin = path.join(tools, 'node_modules', '.bin', 'code-server');
  const env = { ...process.env, ...extraEnv, HOME: dir };
  if (vsix)
    execFileSync(
      bin,
      ['--install-extension', vsix, '--extensions-dir', extensions, '--user-data-dir', userData],
      { env, stdio: 'pipe' },
    );
  const port = await freePort();
  const args = [
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensions,
  ];
  if (!trust) args.push('--disable-workspace-trust');
  const child = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100)); // polling a socket for readiness, not a synchronisation sleep
  }
  return {
    url,
    dir,
    userData,
    extensions,
    log: () => log,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens headless Chromium with its profile in a known folder (so tests can check what reached the disk).
 * Returns the persistent context; `close()` closes it, and removes the profile unless `keepProfile`.
 */
export async function openBrowser({ profileDir, keepProfile = false } = {}) {
  const dir = profileDir ?? mkdtempSync(path.join(os.tmpdir(), 'ubp-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    profileDir: dir,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      if (!keepProfile) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Files under `roots` whose bytes contain `needle` (binary-safe; unreadable files are skipped). */
export function filesContaining(roots, needle) {
  const hits = [];
  const bytes = Buffer.from(needle);
  const walk = (p) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      for (const n of readdirSync(p)) walk(path.join(p, n));
    } else if (st.isFile()) {
      try {
        if (readFileSync(p).includes(bytes)) hits.push(p);
      } catch {
        /* sockets, locked files */
      }
    }
  };
  for (const r of roots) walk(r);
  return hits;
}

/** code-server's remote authority is "remote": extension paths are given as vscode-remote URIs. */
export function remoteUri(p) {
  return 'vscode-remote://remote' + path.resolve(p);
}
