// The engine runs in plain Node and the CLI: nothing under src/core may import 'vscode'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const core = path.resolve(import.meta.dirname, '../../../src/core');
const IMPORTS_VSCODE = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]vscode['"]/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.[cm]?[jt]s$/.test(n) ? [p] : [];
  });
}

test('the pattern catches every way of importing vscode', () => {
  for (const line of [
    "import * as vscode from 'vscode';",
    'import { window } from "vscode";',
    "const v = require('vscode');",
    "await import('vscode');",
    "import 'vscode';",
  ])
    assert.match(line, IMPORTS_VSCODE, line);
  assert.doesNotMatch("import { x } from './vscode-like';", IMPORTS_VSCODE);
});

test('no file under src/core imports vscode', () => {
  const all = files(core);
  assert.ok(all.length > 3, 'src/core has files');
  const offenders = all.filter((f) => IMPORTS_VSCODE.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    offenders.map((f) => path.relative(core, f)),
    [],
  );
});
