// The columnar reader: units deduplicated as the run store reads them, other forms left out, sample weights,
// and the streaming read of a run folder equal to the columns of its results array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resultColumns } from '../../../src/core/scoring/columns';
import { parseWithoutMessages } from '../../../src/core/run/results';
import { loadRun, loadRunColumns, reportRunColumns } from '../../../src/core/scoring/load';
import { buildReport, renderReportJson } from '../../../src/core';
import type { ScoringContext } from '../../../src/core/scoring/aggregate';
import type { CaseResult } from '../../../src/core/types';
import { result } from './fixtures';
import { manifestFor, writeRun } from './runFixture';

const ctx: ScoringContext = { form: 'choice', k: 1, scale: null, candidates: 5 };
const choice = (caseId: string, user: string, label: string, extra: Partial<CaseResult> = {}) =>
  result({
    caseId,
    user,
    expected: { form: 'choice', label: 'A' },
    prediction: { form: 'choice', label },
    ...extra,
  });

test('columns: a unit keeps its first slot and its last values; other forms and superseded lines drop out', () => {
  const run = resultColumns(
    [
      choice('c1', 'u1', 'B'),
      choice('c2', 'u2', 'A', { variant: 'other' }),
      choice('c3', 'u3', 'A'),
      choice('c1', 'u1', 'A'), // replaces the first line, in its place
      result({ caseId: 'c9', user: 'u9', expected: { form: 'rating', value: 3 } }), // another form
      choice('c4', 'u4', 'C', { sample: 1 }),
      choice('c4', 'u4', 'A', { sample: 0, outcome: 'invalid', prediction: undefined }),
    ],
    ctx,
  );
  assert.deepEqual(
    run.variants.map((v) => [v.variant, v.length]),
    [
      ['m', 4],
      ['other', 1],
    ],
  );
  const m = run.variants[0]!;
  const acc = m.components[run.scoring.components.indexOf('correct')] ?? m.components[1]!;
  assert.deepEqual(
    [...m.caseIndex].map((i) => run.caseIds.values[i]),
    ['c1', 'c3', 'c4', 'c4'],
  );
  assert.deepEqual([...acc], [1, 1, 0, 0]);
  assert.deepEqual([...m.outcome], [0, 0, 0, 1]);
  // c4 has two samples: each weighs 1/2; the others 1.
  assert.deepEqual([...m.weight], [1, 1, 0.5, 0.5]);
  assert.equal(run.rows, 5);
});

test('loadRunColumns + reportRunColumns on a run folder equal buildReport on its results (with a baseline)', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-columns-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const rs: CaseResult[] = [];
  for (let i = 0; i < 90; i++) {
    const user = `u${i % 37}`;
    rs.push(choice(`c${i}`, user, i % 3 ? 'A' : 'B', { variant: 'gpt', targetPopularity: i % 11 }));
    rs.push(
      choice(`c${i}`, user, i % 5 ? 'B' : 'A', { variant: 'baseline:random', targetPopularity: i % 11 }),
    );
  }
  rs.push(choice('c3', 'u3', 'A', { variant: 'gpt' }));
  const dir = writeRun(
    root,
    manifestFor('r', 'choice', ['gpt', 'baseline:random'], { cases: 90, candidates: 5 }),
    rs,
  );
  const opts = { bootstrap: { resamples: 300, seed: 4 } };
  const cols = await loadRunColumns(dir, { cwd: root, ...opts });
  assert.equal(cols.columns.rows, 180);
  const a = await reportRunColumns(cols, opts);
  assert.ok(a.variants[0]!.vsBestBaseline, 'the LLM is compared with the baseline');
  const run = await loadRun(dir, { cwd: root });
  const b = buildReport(run.manifest, run.results, { ...opts, dir: run.dir, scan: run.scan });
  const strip = (s: string) => s.replace(/"generatedAt": "[^"]*"/, '');
  assert.equal(strip(renderReportJson(a)), strip(renderReportJson(b)));
});

test('parseWithoutMessages: the line without its prompt, whatever the prompt holds; other lines whole', () => {
  const tricky = [
    { role: 'system', content: 'quotes " and "}] and \\"}] and a backslash at the end \\' },
    { role: 'user', content: '"}],"raw":"x"} ]"}' },
  ];
  const base = {
    caseId: 'c',
    variant: 'v',
    expected: { form: 'choice', label: 'A' },
    raw: '{"choice": "A"}',
  };
  const lines = [
    { ...base, messages: tricky },
    { messages: tricky, ...base },
    { ...base, messages: [] },
    { ...base, messages: [{ role: 'user', content: 'plain' }], note: 'after' },
    base,
  ];
  for (const line of lines) {
    const text = JSON.stringify(line);
    const buf = Buffer.from(`xx${text}yy`);
    const { messages: _m, ...want } = line as typeof line & { messages?: unknown };
    assert.deepEqual(parseWithoutMessages(buf, 2, buf.length - 2), want, text);
  }
  // Not the usual shape (a message whose last field is not a string): parsed whole, still right.
  const odd = { ...base, messages: [{ role: 'assistant', tool_calls: [{ id: 'x"}]' }] }] };
  const buf = Buffer.from(JSON.stringify(odd));
  const got = parseWithoutMessages(buf, 0, buf.length) as unknown as Record<string, unknown>;
  assert.equal(got.caseId, 'c');
  assert.deepEqual(got.expected, base.expected);
  assert.throws(() => parseWithoutMessages(Buffer.from('{"messages":[{"a":"b"}],'), 0, 24));
});

test('parseWithoutMessages: searches stay inside the line (a baseline line has no prompt; the rest of the block is not scanned)', () => {
  // A block of a million baseline lines read line by line: a search for the prompt's key that ran on to the end
  // of the block made each line cost the whole block (100,000 lines: 34 s instead of 4 s).
  const line = JSON.stringify({ caseId: 'c', variant: 'baseline:popularity', outcome: 'success' });
  const buf = Buffer.from(`${line}\n`.repeat(1000));
  const widest: number[] = [];
  const indexOf = Buffer.prototype.indexOf;
  Buffer.prototype.indexOf = function (this: Buffer, ...args: Parameters<Buffer['indexOf']>) {
    widest.push(this.length - (typeof args[1] === 'number' ? args[1] : 0));
    return indexOf.apply(this, args);
  };
  try {
    for (let start = 0; start < buf.length; start += line.length + 1)
      assert.equal(parseWithoutMessages(buf, start, start + line.length).caseId, 'c');
  } finally {
    Buffer.prototype.indexOf = indexOf;
  }
  assert.ok(widest.length > 0, 'the key was searched for');
  assert.ok(Math.max(...widest) <= line.length, `at most one line searched: ${Math.max(...widest)} bytes`);
});
