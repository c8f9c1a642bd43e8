// `ubp help`, `ubp <command> --help`: every sub-command prints its own usage and exits 0.
import assert from 'node:assert/strict';
import test from 'node:test';
import { commands } from '../../../src/cli/commands';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/command';

function io(): CliIO & { text: () => string } {
  let out = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (out += t),
    isTTY: false,
    cwd: process.cwd(),
    env: {},
    text: () => out,
  };
}

test('every command answers --help and -h with its own usage, exit 0, and runs nothing', async () => {
  for (const c of commands) {
    for (const flag of ['--help', '-h']) {
      const o = io();
      const code = await main([c.name, 'some-arg', flag], o);
      assert.equal(code, 0, `${c.name} ${flag}`);
      assert.equal(o.text(), `usage: ${c.usage}\n`, `${c.name} ${flag}`);
    }
  }
});

test('`ubp help <command>` prints the same usage; an unknown command is a usage error', async () => {
  const o = io();
  assert.equal(await main(['help', 'run'], o), 0);
  assert.match(o.text(), /^usage: ubp run/);
  const bad = io();
  assert.notEqual(await main(['nope'], bad), 0);
  assert.match(bad.text(), /unknown command "nope"/);
});
