// scripts/system-deps.mjs, the fresh-machine check of `npm test` and `.ci/run`: its decision table, and the
// script itself run against a PATH of stubs (id, sudo, apt-get and the tools), so the "missing" paths are
// exercised without touching this machine's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without types
import { plan, REQUIREMENTS } from '../../../scripts/system-deps.mjs';

const script = path.resolve(__dirname, '../../../scripts/system-deps.mjs');

test('plan: install as root or with password-less sudo, else stop with the one command', () => {
  const base = { missing: ['ripgrep', 'chromium'], apt: true, allowInstall: true };
  assert.deepEqual(plan({ ...base, missing: [], uid: 1000, sudo: false }), { action: 'ok' });
  assert.deepEqual(plan({ ...base, uid: 0, sudo: false }), { action: 'install', prefix: [] });
  assert.deepEqual(plan({ ...base, uid: 1000, sudo: true }), { action: 'install', prefix: ['sudo', '-n'] });
  assert.deepEqual(plan({ ...base, uid: 1000, sudo: false }), {
    action: 'stop',
    command: 'sudo apt-get install -y ripgrep chromium',
  });
  assert.deepEqual(plan({ ...base, uid: 0, sudo: false, allowInstall: false }), {
    action: 'stop',
    command: 'apt-get install -y ripgrep chromium',
  });
  assert.deepEqual(plan({ ...base, uid: 0, sudo: false, apt: false }), { action: 'stop', command: null });
});

const sh = (body: string) => `#!/bin/sh\n${body}\n`;

/** A folder of stubs standing for the system: every tool present except those in `absent`. */
function fakeSystem(
  t: { after: (fn: () => void) => void },
  opts: { uid: number; sudo: boolean; absent: string[] },
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-sysdeps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'calls.log');
  const chromium = path.join(dir, 'chromium-bin');
  const put = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    chmodSync(path.join(dir, name), 0o755);
  };
  const tools = REQUIREMENTS.flatMap((r: { commands?: string[] }) => r.commands ?? []) as string[];
  for (const c of tools) if (!opts.absent.includes(c)) put(c, sh('exit 0'));
  if (!opts.absent.includes('chromium')) put('chromium-bin', sh('exit 0'));
  put('id', sh(`echo ${opts.uid}`));
  if (opts.sudo)
    // sudo -n true: allowed; sudo -n env VAR=x cmd …: log, then run cmd with VAR set.
    put(
      'sudo',
      sh(
        `[ "$*" = "-n true" ] && exit 0\necho "sudo $*" >> "${log}"\n[ "$1" = -n ] && shift\nshift\nexport "$1"\nshift\nexec "$@"`,
      ),
    );
  // apt-get "installs" by creating the stubs of the missing tools.
  put(
    'apt-get',
    sh(
      `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "${log}"\n` +
        `case "$*" in *" install "*)\n` +
        `  for p in "$@"; do case "$p" in\n` +
        `    ripgrep) printf '#!/bin/sh\\nexit 0\\n' > "${dir}/rg"; /bin/chmod +x "${dir}/rg";;\n` +
        `    chromium) printf '#!/bin/sh\\nexit 0\\n' > "${chromium}";;\n` +
        `  esac; done;;\nesac\nexit 0`,
    ),
  );
  const env = { PATH: dir, CHROMIUM_PATH: chromium };
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { env, calls, dir };
}

function runScript(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8' });
}

test('not root, no sudo: stops at once naming what is missing and the one command; installs nothing', (t) => {
  const sys = fakeSystem(t, { uid: 1000, sudo: false, absent: ['rg', 'chromium'] });
  const r = runScript(sys.env);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing: ripgrep \([^)]*\), chromium \([^)]*\)\./);
  assert.match(r.stderr, /CHROMIUM_PATH=\S+ does not exist/);
  assert.match(r.stderr, /Install them with:\n {2}sudo apt-get install -y ripgrep chromium\n/);
  assert.equal(r.stderr.match(/missing/g)?.length, 1, 'one message');
  assert.deepEqual(sys.calls(), []);
});

test('password-less sudo: apt-get update and install through sudo, then everything is there', (t) => {
  const sys = fakeSystem(t, { uid: 1000, sudo: true, absent: ['rg', 'chromium'] });
  const r = runScript(sys.env);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(sys.calls(), [
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq',
    'apt-get -o DPkg::Lock::Timeout=600 update -qq DEBIAN_FRONTEND=noninteractive',
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends ripgrep chromium',
    'apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends ripgrep chromium DEBIAN_FRONTEND=noninteractive',
  ]);
  assert.ok(existsSync(path.join(sys.dir, 'rg')));
});

test('root: apt-get directly; --check never installs; nothing missing: no call at all', (t) => {
  const root = fakeSystem(t, { uid: 0, sudo: false, absent: ['rg'] });
  const check = runScript(root.env, '--check');
  assert.equal(check.status, 1);
  assert.match(check.stderr, /missing: ripgrep .*\n {2}apt-get install -y ripgrep\n/s);
  assert.deepEqual(root.calls(), []);
  const r = runScript(root.env);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(root.calls(), [
    'apt-get -o DPkg::Lock::Timeout=600 update -qq DEBIAN_FRONTEND=noninteractive',
    'apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends ripgrep DEBIAN_FRONTEND=noninteractive',
  ]);

  const complete = fakeSystem(t, { uid: 1000, sudo: false, absent: [] });
  const ok = runScript(complete.env);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(complete.calls(), []);
});

test('an install that does not provide the package still stops with the message', (t) => {
  const sys = fakeSystem(t, { uid: 0, sudo: false, absent: ['krb5-config'] });
  const r = runScript(sys.env);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing: libkrb5-dev .*\n {2}apt-get install -y libkrb5-dev\n/s);
  assert.equal(sys.calls().length, 2, 'update and install were tried once');
});
