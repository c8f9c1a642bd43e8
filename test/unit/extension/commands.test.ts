// The command table is the one list of commands: package.json contributes exactly its ids, every menu, welcome
// link and keybinding names one of them, and the extension's source registers commands only through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from '../../../src/extension/commands/ids';

const repo = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string }[];
    menus?: Record<string, { command?: string }[]>;
    viewsWelcome?: { contents: string }[];
    keybindings?: { command: string }[];
  };
};
const ids = new Set<string>(Object.values(Command));

test('package.json contributes exactly the commands of the table, once each', () => {
  const contributed = pkg.contributes.commands.map((c) => c.command);
  assert.equal(new Set(contributed).size, contributed.length, 'no command contributed twice');
  assert.deepEqual([...contributed].sort(), [...ids].sort());
});

test('menus, welcome links and keybindings name commands of the table', () => {
  const named: string[] = [];
  for (const items of Object.values(pkg.contributes.menus ?? {}))
    for (const i of items) if (i.command) named.push(i.command);
  for (const w of pkg.contributes.viewsWelcome ?? [])
    for (const m of w.contents.matchAll(/\(command:(ubp\.[A-Za-z]+)/g)) named.push(m[1]!);
  for (const k of pkg.contributes.keybindings ?? []) named.push(k.command);
  assert.ok(named.length > 10);
  assert.deepEqual(
    named.filter((c) => c.startsWith('ubp.') && !ids.has(c)),
    [],
  );
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('the extension registers commands in one place and spells no command id outside the table', () => {
  const files = sources(path.join(repo, 'src/extension'));
  const registering = files.filter((f) => /commands\.registerCommand\(/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    registering.map((f) => path.relative(repo, f)),
    ['src/extension/commands/register.ts'],
  );
  const spelled = files
    .filter((f) => !f.endsWith(path.join('commands', 'ids.ts')))
    .flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/['"](ubp\.[A-Za-z]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((id) => ids.has(id))
        .map((id) => `${path.relative(repo, f)}: ${id}`),
    );
  assert.deepEqual(spelled, []);
});
