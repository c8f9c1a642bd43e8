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

test('the command table spells out the engine names its usages list (it imports nothing from the engine)', async () => {
  const { BUNDLED_PREFIX, DEFAULT_RERUN_OUTCOMES, DOWNLOADABLE_DATASETS } = await import('../../../src/core');
  const { FORMATS } = await import('../../../src/cli/commands/stats');
  const usage = (name: string) => commands.find((c) => c.name === name)!.usage;
  assert.ok(
    usage('download').startsWith(`ubp download <${DOWNLOADABLE_DATASETS.map((d) => d.name).join('|')}>`),
    usage('download'),
  );
  assert.ok(
    usage('stats').startsWith(
      `ubp stats <path | ${BUNDLED_PREFIX}ml-latest-small> [--as ${FORMATS.join('|')}]`,
    ),
    usage('stats'),
  );
  assert.ok(usage('rerun').includes(`(default ${DEFAULT_RERUN_OUTCOMES.join(',')})`), usage('rerun'));
});

test('every command in the table loads its module and the module runs it', async () => {
  for (const c of commands) {
    const m = await c.load();
    assert.equal(typeof m.run, 'function', c.name);
  }
});
