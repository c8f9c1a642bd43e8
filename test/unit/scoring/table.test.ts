// `ubp table` on three finished runs in every format, and the engine's table: cross-run pairing by model id,
// best per column, footnotes, LaTeX escaping and balance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { main } from '../../../src/cli/main';
import { EXIT } from '../../../src/cli/exitCodes';
import type { CaseResult } from '../../../src/core/types';
import { buildPaperTable, latexEscape } from '../../../src/core/scoring/table';
import { comparePaired } from '../../../src/core/scoring/compare';
import { summariseVariant } from '../../../src/core/scoring/aggregate';
import { scoringContext } from '../../../src/core/scoring/report';
import { result } from './fixtures';
import { manifestFor, writeRun } from './runFixture';
import { bufferIO } from '../run/helpers';

const io = bufferIO;

const LABELS = ['A', 'B', 'C', 'D', 'E'];
function choice(variant: string, model: string, right: (i: number) => boolean, n = 100): CaseResult[] {
  return Array.from({ length: n }, (_, i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      variant,
      model,
      expected: { form: 'choice', label: LABELS[i % 5] },
      prediction: { form: 'choice', label: right(i) ? LABELS[i % 5] : LABELS[(i + 2) % 5] },
    }),
  );
}
function rating(variant: string, model: string, off: (i: number) => number, n = 100): CaseResult[] {
  return Array.from({ length: n }, (_, i) =>
    result({
      caseId: `r${i}`,
      user: `u${i}`,
      variant,
      model,
      expected: { form: 'rating', value: 3 + (i % 3) * 0.5 },
      prediction: { form: 'rating', value: Math.min(5, 3 + (i % 3) * 0.5 + off(i)) },
    }),
  );
}

const SCALE = { min: 0.5, max: 5, step: 0.5 };
const NAME = 'Movies & music: 100% _paper_ #1 {x}';

/** Three finished runs: two choice runs (one model each, same cases) and a rating run with both models. */
function threeRuns(root: string) {
  const a = manifestFor('run-a', 'choice', ['builtin×gpt-4o', 'baseline:popularity'], {
    cases: 100,
    candidates: 5,
  });
  a.variants[0].model = 'gpt-4o';
  a.name = NAME;
  const b = manifestFor('run-b', 'choice', ['builtin×gpt-4o-mini', 'baseline:popularity'], {
    cases: 100,
    candidates: 5,
  });
  b.variants[0].model = 'gpt-4o-mini';
  b.startedAt = '2026-11-30T01:00:00.000Z';
  const c = manifestFor('run-c', 'rating', ['builtin×gpt-4o', 'builtin×gpt-4o-mini', 'baseline:item-mean'], {
    cases: 100,
    scale: SCALE,
  });
  c.variants[0].model = 'gpt-4o';
  c.variants[1].model = 'gpt-4o-mini';
  const pop = (i: number) => i % 2 === 0; // 50%
  const runA = [
    ...choice('builtin×gpt-4o', 'gpt-4o', (i) => i % 5 !== 0),
    ...choice('baseline:popularity', 'baseline:popularity', pop),
  ];
  const runB = [
    ...choice('builtin×gpt-4o-mini', 'gpt-4o-mini', (i) => i % 5 === 0),
    ...choice('baseline:popularity', 'baseline:popularity', pop),
  ];
  const runC = [
    ...rating('builtin×gpt-4o', 'gpt-4o', (i) => (i % 4 === 0 ? 0.5 : 0)),
    ...rating('builtin×gpt-4o-mini', 'gpt-4o-mini', (i) => (i % 2 === 0 ? 1.5 : 0.5)),
    ...rating('baseline:item-mean', 'baseline:item-mean', () => 1),
  ];
  writeRun(root, a, runA);
  writeRun(root, b, runB);
  writeRun(root, c, runC);
  return { a, b, c, runA, runB, runC };
}

test('the engine pairs two runs over the same cases by model id and marks the best', (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-table-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { a, b, c, runA, runB, runC } = threeRuns(root);
  const table = buildPaperTable(
    [
      { manifest: a, results: runA },
      { manifest: b, results: runB },
      { manifest: c, results: runC },
    ],
    { reference: 'gpt-4o-mini', bootstrap: { resamples: 400 } },
  );
  // Two choice runs over the same cases share one column; the rating run is the other.
  assert.deepEqual(
    table.columns.map((col) => [col.form, col.runs]),
    [
      ['choice', ['run-a', 'run-b']],
      ['rating', ['run-c']],
    ],
  );
  assert.deepEqual(
    table.rows.map((r) => r.key),
    ['gpt-4o', 'gpt-4o-mini', 'baseline:popularity', 'baseline:item-mean'],
  );
  const row = (k: string) => table.rows.find((r) => r.key === k)!;
  const gpt = row('gpt-4o').cells[0]!;
  assert.ok(Math.abs(gpt.value.value - 0.8) < 1e-12);
  assert.equal(gpt.best, true);
  assert.equal(row('gpt-4o-mini').cells[0]!.best, false);
  // The cross-run difference is the paired comparison of the two runs' variants on their shared cases.
  const ctx = { ...scoringContext(a), bootstrap: { resamples: 400, seed: 0 } };
  const direct = comparePaired(
    { label: 'mini', results: runB.filter((r) => r.model === 'gpt-4o-mini') },
    { label: '4o', results: runA.filter((r) => r.model === 'gpt-4o') },
    ctx,
  ).metrics.find((m) => m.key === 'accuracy')!;
  assert.ok(Math.abs(gpt.vsReference!.diff.value - 0.6) < 1e-12);
  assert.equal(gpt.vsReference!.diff.lo, direct.diff.lo);
  assert.equal(gpt.vsReference!.shared, 100);
  assert.equal(gpt.vsReference!.verdict, 'better');
  assert.ok(gpt.vsReference!.mcnemarP! < 0.001);
  assert.equal(row('gpt-4o-mini').cells[0]!.vsReference, undefined);
  // Rating: lower RMSE is better; popularity has no rating cell, item-mean no choice cell.
  const rmse = (k: string) => row(k).cells[1]!.value.value;
  const expected = summariseVariant(
    runC.filter((r) => r.model === 'gpt-4o'),
    { ...scoringContext(c), bootstrap: { resamples: 400, seed: 0 } },
  ).metrics.find((m) => m.key === 'rmse')!.all.value;
  assert.ok(Math.abs(rmse('gpt-4o') - expected) < 1e-12);
  assert.equal(row('gpt-4o').cells[1]!.best, true);
  assert.equal(row('baseline:popularity').cells[1], null);
  assert.equal(row('baseline:item-mean').cells[0], null);
  // Footnotes disclose the split, K and negatives, and that choice metrics are sampled.
  const notes = table.footnotes.join('\n');
  assert.match(notes, /K = 5 candidates \(1 true \+ 4 uniform negatives\)/);
  assert.match(notes, /split auto/);
  assert.match(notes, /sampled.*Krichene & Rendle/);
  assert.throws(
    () => buildPaperTable([{ manifest: a, results: runA }], { reference: 'claude' }),
    /rows: gpt-4o, baseline:popularity/,
  );
});

test('ubp table: Markdown, CSV and LaTeX on three finished runs', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-table-cli-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  threeRuns(path.join(root, '.ubp'));
  const runs = ['run-a', 'run-b', 'run-c'];

  const md = io(root);
  assert.equal(
    await main(['table', ...runs, '--reference', 'gpt-4o-mini', '--resamples', '300'], md),
    0,
    md.stderr(),
  );
  const mdRows = md
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('| '));
  assert.equal(mdRows.length, 5); // header + 4 models
  assert.match(md.stdout(), /\| gpt-4o \| \*\*0\.800\*\*▲ \[0\.\d{3}, 0\.\d{3}\] \| \*\*\d\.\d{3}\*\*▲ \[/);
  assert.match(md.stdout(), /\| gpt-4o-mini \(reference\) \| 0\.200 \[/);
  assert.match(md.stdout(), /^- .*Krichene & Rendle/m);

  const csv = io(root);
  assert.equal(
    await main(
      ['table', ...runs, '--format', 'csv', '--reference', 'gpt-4o-mini', '--resamples', '300'],
      csv,
    ),
    0,
  );
  const records = parse(csv.stdout(), { columns: true }) as Record<string, string>[];
  assert.deepEqual(
    records.map((r) => r.model),
    ['gpt-4o', 'gpt-4o-mini', 'baseline:popularity', 'baseline:item-mean'],
  );
  const choiceCol = Object.keys(records[0]).find(
    (k) => /^choice/.test(k) && !/ (lo|hi|best|diff|p|vs reference)$/.test(k),
  )!;
  assert.equal(Number(records[0][choiceCol]), 0.8);
  assert.equal(records[0][`${choiceCol} best`], 'true');
  assert.equal(records[0][`${choiceCol} vs reference`], 'better');
  assert.ok(Math.abs(Number(records[0][`${choiceCol} diff`]) - 0.6) < 1e-9);
  assert.equal(records[2][`${choiceCol} vs reference`], 'better'); // popularity 0.5 vs 0.2
  assert.equal(records[3][choiceCol], ''); // item-mean has no choice cell

  const tex = io(root);
  assert.equal(
    await main(
      [
        'table',
        ...runs,
        '--format',
        'latex',
        '--columns',
        'run',
        '--reference',
        'gpt-4o',
        '--resamples',
        '300',
      ],
      tex,
    ),
    0,
  );
  const latex = tex.stdout();
  // One column per run: the run names disambiguate the two choice columns, escaped.
  assert.ok(latex.includes('Movies \\& music: 100\\% \\_paper\\_ \\#1 \\{x\\}'), latex);
  assert.ok(
    !/[^\\][&%#_]\w/.test(latex.replace(/ & /g, ' ').replace(/^%.*$/gm, '')),
    'an unescaped special character',
  );
  assert.match(latex, /\\begin\{tabular\}\{lrrr\}/);
  for (const rule of ['\\toprule', '\\midrule', '\\bottomrule']) assert.ok(latex.includes(rule), rule);
  // Environments nest and close; braces balance (escaped braces aside); every row has as many cells as columns.
  const stack: string[] = [];
  for (const m of latex.matchAll(/\\(begin|end)\{(\w+)\}/g)) {
    if (m[1] === 'begin') stack.push(m[2]);
    else assert.equal(stack.pop(), m[2]);
  }
  assert.deepEqual(stack, []);
  let depth = 0;
  for (const ch of latex.replace(/\\[{}]/g, '')) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    assert.ok(depth >= 0, 'a closing brace without an opening one');
  }
  assert.equal(depth, 0);
  const body = latex.split('\\midrule')[1];
  const rows = latex.split('\n').filter((l) => l.endsWith('\\\\'));
  assert.ok(body);
  for (const r of rows) assert.equal(r.replace(/\\&/g, '').split('&').length, 4, r);
  // With a column per run, the reference is tested within each run: gpt-4o-mini only in the rating column.
  assert.match(latex, /gpt-4o-mini & -- & 0\.200 \{\\scriptsize [^}]*\} & \d\.\d{3}\$\^\{\\downarrow\}\$/);

  const bad = io(root);
  assert.equal(await main(['table', ...runs, '--format', 'pdf'], bad), EXIT.error);
  assert.match(bad.stderr(), /--format must be one of md, csv, latex, json/);
});

test('latexEscape escapes every special character', () => {
  assert.equal(
    latexEscape('a&b%c$d#e_f{g}h~i^j\\k<l>m|n×o'),
    'a\\&b\\%c\\$d\\#e\\_f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j\\textbackslash{}k\\textless{}l\\textgreater{}m\\textbar{}n$\\times$o',
  );
});

test('ubp table: a run made with --limit is marked partial, as the report marks it', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-table-limit-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const m = manifestFor('limited', 'choice', ['builtin×gpt-4o'], { cases: 100, candidates: 5 });
  // --limit 40: the session's totals count 40 units of the run's 100.
  m.totals.units = 40;
  writeRun(
    path.join(root, '.ubp'),
    m,
    choice('builtin×gpt-4o', 'gpt-4o', (i) => i % 2 === 0, 40),
  );
  const out = io(root);
  assert.equal(await main(['table', 'limited', '--resamples', '100'], out), 0, out.stderr());
  assert.match(out.stdout(), /40 cases of 40 users; .*partial run \(figures cover the finished answers\)/);
});
