// The one CSV writer (src/core/scoring/export.ts), fed hostile model answers: formulas are neutralised, control
// characters escaped (a NUL never reaches the file), RFC 4180 quoting holds; csv-parse reads the file back with
// the same rows and columns. Also through `ubp export` end to end, and the panel's array rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { main } from '../../../src/cli/main';
import { csvField, toCsv } from '../../../src/core';
import { result } from './fixtures';
import { manifestFor, writeRun } from './runFixture';
import { bufferIO } from '../run/helpers';

/** Answers a model (or an attacker steering it) could return, with what a spreadsheet must show for each. */
const HOSTILE: [answer: string, shown: string][] = [
  ['=HYPERLINK("http://evil.example","click")', `'=HYPERLINK("http://evil.example","click")`],
  ["+cmd|' /C calc'!A0", `'+cmd|' /C calc'!A0`],
  ["-2+3+cmd|' /C calc'!A0", `'-2+3+cmd|' /C calc'!A0`],
  ["@SUM(1+1)*cmd|' /C calc'!A0", `'@SUM(1+1)*cmd|' /C calc'!A0`],
  ['\t=1+1', `'\t=1+1`],
  ['\r=1+1', `'\r=1+1`],
  ['  =1+1', `'  =1+1`],
  ['A\u0000B', 'A\\u0000B'],
  ['bell\u0007 and escape \u001b[31m red', 'bell\\u0007 and escape \\u001b[31m red'],
  ['del\u007f', 'del\\u007f'],
  ['two\nlines, "quoted"', 'two\nlines, "quoted"'],
  ['crlf\r\ninside', 'crlf\r\ninside'],
  ['tab\tinside', 'tab\tinside'],
  ['-1.5', '-1.5'],
  ['+3', '+3'],
  ['B', 'B'],
];

test('hostile cells: neutralised, escaped, quoted, and parsed back unchanged in shape', () => {
  const columns = ['i', 'raw', 'after'];
  const rows = HOSTILE.map(([answer], i) => ({ i, raw: answer, after: 'end' }));
  const csv = toCsv(columns, rows);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(csv, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/, 'no control bytes');
  const back = parse(csv, { relax_column_count: false }) as string[][];
  assert.equal(back.length, HOSTILE.length + 1);
  assert.deepEqual(back[0], columns);
  HOSTILE.forEach(([answer, shown], i) => {
    assert.deepEqual(back[i + 1], [String(i), shown, 'end'], `row for ${JSON.stringify(answer)}`);
  });
  // Nothing a spreadsheet would evaluate: every cell is a plain number or starts with a harmless character.
  for (const [, cell] of back.slice(1))
    if (!/^[+-]?\d+(\.\d+)?$/.test(cell)) assert.doesNotMatch(cell, /^(?:[\t\r]|\s*[=+\-@])/);
});

test('numbers stay numbers; null and NaN are empty; array rows (the panel) equal keyed rows', () => {
  assert.equal(csvField(-1.5), '-1.5');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField(null), '');
  assert.equal(csvField(true), 'true');
  assert.equal(csvField(' padded'), '" padded"');
  const keyed = toCsv(['a', 'b'], [{ a: '=1', b: 2 }]);
  assert.equal(keyed, "a,b\r\n'=1,2\r\n");
  assert.equal(toCsv(['a', 'b'], [['=1', 2]]), keyed);
});

test('ubp export writes hostile raw answers safely (CSV is text, parses back, formulas neutralised)', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-export-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const results = HOSTILE.map(([answer], i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      expected: { form: 'choice', label: 'B' },
      outcome: 'invalid',
      reason: answer,
      raw: answer,
    }),
  );
  writeRun(root, manifestFor('hostile', 'choice', ['m'], { cases: results.length }), results);
  const out = path.join(root, 'out.csv');
  const b = bufferIO(root);
  assert.equal(
    await main(['export', 'hostile', '--format', 'csv', '--out', out, '--root', root], b),
    0,
    b.stderr(),
  );
  const bytes = readFileSync(out);
  assert.equal(bytes.includes(0), false, 'no NUL byte in the file');
  const back = parse(bytes.toString('utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(back.length, HOSTILE.length);
  const byCase = new Map(back.map((r) => [r.caseId, r]));
  HOSTILE.forEach(([, shown], i) => {
    assert.equal(byCase.get(`c${i}`)?.raw, shown);
    assert.equal(byCase.get(`c${i}`)?.reason, shown);
  });
});
