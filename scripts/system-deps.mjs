// The system packages the integration and UI test layers need on Debian/Ubuntu (code-server's native modules
// are built on install, its search needs ripgrep, the window is Chromium). One script for `npm test` and
// `.ci/run`: it checks what is missing and, when it runs as root or with password-less sudo, installs it with
// apt-get; otherwise it stops at once with one message naming what is missing and the one command that installs
// it. No dependency but Node: `.ci/run` calls it before `npm ci`.
//
//   node scripts/system-deps.mjs           check, install what is missing when allowed, exit 1 if still missing
//   node scripts/system-deps.mjs --check   check only (never installs)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What is needed, as Debian packages, each with how to tell it is there (a command on PATH, or a file).
 * @type {{ pkg: string, why: string, commands?: string[], files?: string[], chromium?: true }[]}
 */
export const REQUIREMENTS = [
  { pkg: 'build-essential', why: 'C/C++ compiler for native modules', commands: ['make', 'gcc', 'g++'] },
  { pkg: 'python3', why: 'node-gyp', commands: ['python3'] },
  { pkg: 'pkg-config', why: 'native module builds', commands: ['pkg-config'] },
  { pkg: 'libkrb5-dev', why: "code-server's kerberos module", commands: ['krb5-config'] },
  { pkg: 'ripgrep', why: "VS Code's search, rg", commands: ['rg'] },
  { pkg: 'chromium', why: 'the browser window of the UI tests', chromium: true },
  { pkg: 'git', why: 'npm and the harness', commands: ['git'] },
  { pkg: 'ca-certificates', why: 'HTTPS to the npm registry', files: ['/etc/ssl/certs/ca-certificates.crt'] },
];

/** Where Debian and Ubuntu put Chromium, then names on PATH. */
const CHROMIUM_FILES = ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium-browser'];
const CHROMIUM_COMMANDS = ['chromium', 'chromium-browser'];

/** The executable `name` on `envPath`, or undefined. */
export function which(name, envPath = process.env.PATH ?? '') {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The Chromium the UI tests drive: $CHROMIUM_PATH when set (it must exist), else the usual places. */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const f of CHROMIUM_FILES) if (existsSync(f)) return f;
  for (const c of CHROMIUM_COMMANDS) {
    const found = which(c, env.PATH);
    if (found) return found;
  }
  return undefined;
}

/** The requirements that are not met, in REQUIREMENTS order. */
export function missingRequirements(env = process.env) {
  return REQUIREMENTS.filter((r) => {
    if (r.chromium) return !findChromium(env);
    if (r.commands) return r.commands.some((c) => !which(c, env.PATH));
    return (r.files ?? []).some((f) => !existsSync(f));
  });
}

/**
 * What to do about missing packages: nothing, install (as root, or through password-less sudo), or stop with
 * the one command a person must run.
 * @param {{ missing: string[], uid: number, sudo: boolean, apt: boolean, allowInstall: boolean }} s
 * @returns {{ action: 'ok' } | { action: 'install', prefix: string[] } | { action: 'stop', command: string | null }}
 */
export function plan({ missing, uid, sudo, apt, allowInstall }) {
  if (!missing.length) return { action: 'ok' };
  const command = apt ? `${uid === 0 ? '' : 'sudo '}apt-get install -y ${missing.join(' ')}` : null;
  if (allowInstall && apt && uid === 0) return { action: 'install', prefix: [] };
  if (allowInstall && apt && sudo) return { action: 'install', prefix: ['sudo', '-n'] };
  return { action: 'stop', command };
}

/** The one message naming what is missing and how to install it. */
export function stopMessage(missing, command, env = process.env) {
  const names = missing.map((r) => `${r.pkg} (${r.why})`).join(', ');
  const chromiumNote =
    env.CHROMIUM_PATH && missing.some((r) => r.chromium)
      ? ` CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist.`
      : '';
  const how = command
    ? `Install them with:\n  ${command}`
    : `Install them with your system's package manager (these are the Debian/Ubuntu names).`;
  return (
    `The integration and UI tests need system packages that are missing: ${names}.${chromiumNote}\n${how}\n` +
    'Then run the tests again (UBP_TEST_LAYERS=unit npm test runs the unit tests alone, which need none).'
  );
}

function uidOf(env) {
  const r = spawnSync('id', ['-u'], { env, encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return r.status === 0 && Number.isInteger(n) ? n : (process.getuid?.() ?? -1);
}

function run(cmd, args, env) {
  console.error(`[system-deps] ${[cmd, ...args].join(' ')}`);
  return spawnSync(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

/**
 * Checks, installs when allowed, re-checks. Returns true when everything is there; otherwise prints the one
 * message and returns false.
 */
export function ensureSystemDeps({ allowInstall = true, env = process.env } = {}) {
  let missing = missingRequirements(env);
  if (!missing.length) return true;
  const apt = Boolean(which('apt-get', env.PATH));
  const uid = uidOf(env);
  const sudo =
    uid !== 0 && Boolean(which('sudo', env.PATH)) && spawnSync('sudo', ['-n', 'true'], { env }).status === 0;
  const p = plan({ missing: missing.map((r) => r.pkg), uid, sudo, apt, allowInstall });
  if (p.action === 'install') {
    const [sudoCmd, ...sudoArgs] = p.prefix;
    const aptGet = (args) =>
      sudoCmd
        ? run(sudoCmd, [...sudoArgs, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], env)
        : run('apt-get', args, { ...env, DEBIAN_FRONTEND: 'noninteractive' });
    const lock = ['-o', 'DPkg::Lock::Timeout=600'];
    console.error(`[system-deps] installing: ${missing.map((r) => r.pkg).join(' ')}`);
    if (aptGet([...lock, 'update', '-qq']))
      aptGet([...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing.map((r) => r.pkg)]);
    missing = missingRequirements(env);
    if (!missing.length) return true;
  }
  const command =
    p.action === 'stop'
      ? p.command
      : `${uid === 0 ? '' : 'sudo '}apt-get install -y ${missing.map((r) => r.pkg).join(' ')}`;
  console.error(stopMessage(missing, command, env));
  return false;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ok = ensureSystemDeps({ allowInstall: !process.argv.includes('--check') });
  if (ok) console.error('[system-deps] all system packages the tests need are present');
  process.exit(ok ? 0 : 1);
}
