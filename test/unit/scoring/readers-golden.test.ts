// The outputs of the commands that read whole runs are pinned: `ubp compare`, `ubp table`, `ubp report --probe`
// and `ubp export` on the runs of test/fixtures/report-golden and their twins in test/fixtures/compare-golden
// (every task form; samples > 1; invalid, error, repeated, corrupt and torn lines; lines of another form; cases
// on one side only; a renamed model paired by template; a knowledge-probe twin) must print the committed text
// byte for byte (a report's generation time and folder aside). The goldens were captured while these commands
// still read every result as an object, before they moved to one streaming pass per run.
// UBP_GOLDEN_WRITE=1 rewrites them (only when a change is meant).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { bufferIO } from '../run/helpers';

const fixtures = path.resolve(__dirname, '../../fixtures');
const goldenDir = path.join(fixtures, 'compare-golden', 'golden');
const WRITE = process.env.UBP_GOLDEN_WRITE === '1';

/** A run folder: `x` is a report-golden run, `x-b` / `x-probe` a twin. */
const run = (id: string): string =>
  id.includes('-')
    ? path.join(fixtures, 'compare-golden', 'runs', id)
    : path.join(fixtures, 'report-golden', 'runs', id);

/** A report's JSON without what changes from one call to the next (time, folder). */
function stableReport(json: string): string {
  const r = JSON.parse(json) as { generatedAt?: string; run: { dir?: string } };
  assert.equal(typeof r.generatedAt, 'string');
  r.generatedAt = '<time>';
  r.run.dir = '<dir>';
  return JSON.stringify(r, null, 2) + '\n';
}

interface Case {
  name: string;
  args: string[];
  /** Post-processing of stdout (reports carry a time and a folder). */
  stable?: (s: string) => string;
}

const FORMS = ['rating', 'binary', 'choice', 'ranking'];
const CASES: Case[] = [
  // compare: two runs, every output form
  ...FORMS.map((f) => ({ name: `compare-${f}.json`, args: ['compare', run(f), run(`${f}-b`), '--json'] })),
  { name: 'compare-choice.txt', args: ['compare', run('choice'), run('choice-b')] },
  { name: 'compare-rating.txt', args: ['compare', run('rating'), run('rating-b')] },
  { name: 'compare-ranking.md', args: ['compare', run('ranking'), run('ranking-b'), '--md'] },
  {
    name: 'compare-binary-changed.txt',
    args: ['compare', run('binary'), run('binary-b'), '--only-changed', '--max-changed', '5'],
  },
  {
    name: 'compare-choice-seed.json',
    args: [
      'compare',
      run('choice'),
      run('choice-b'),
      '--json',
      '--resamples',
      '1500',
      '--seed',
      '3',
      '--alpha',
      '0.1',
    ],
  },
  {
    name: 'compare-rating-regression.txt',
    args: [
      'compare',
      run('rating-b'),
      run('rating'),
      '--fail-on-regression',
      '--metric',
      'mae',
      '--metric',
      'rmse',
    ],
  },
  // compare: two models of one run, and named pairs across runs
  {
    name: 'compare-rating-pair.json',
    args: ['compare', run('rating'), '--pair', 'builtin×gpt=builtin×small', '--json'],
  },
  { name: 'compare-choice-pair.txt', args: ['compare', run('choice'), '--pair', 'gpt=local'] },
  {
    name: 'compare-ranking-pairs.json',
    args: ['compare', run('ranking'), run('ranking-b'), '--pair', 'small=gpt-b', '--json'],
  },
  // compare: the titled and the probe run
  ...FORMS.map((f) => ({
    name: `compare-${f}-probe.json`,
    args: ['compare', run(f), run(`${f}-probe`), '--json'],
  })),
  // table
  {
    name: 'table-choice.json',
    args: ['table', run('choice'), run('choice-b'), '--format', 'json', '--resamples', '200'],
  },
  {
    name: 'table-all.md',
    args: ['table', run('rating'), run('rating-b'), run('binary'), run('ranking'), run('choice-probe')],
  },
  {
    name: 'table-choice-ref.csv',
    args: ['table', run('choice'), run('choice-b'), '--reference', 'random', '--format', 'csv'],
  },
  {
    name: 'table-rating-runs.tex',
    args: [
      'table',
      run('rating'),
      run('rating-b'),
      '--columns',
      'run',
      '--format',
      'latex',
      '--metric',
      'mae',
    ],
  },
  {
    name: 'table-binary-ref.json',
    args: ['table', run('binary'), run('binary-b'), '--reference', 'gpt', '--format', 'json', '--seed', '4'],
  },
  // report --probe (this run titled, or this run the probe)
  ...FORMS.map((f) => ({
    name: `probe-${f}.json`,
    args: ['report', run(f), '--probe', run(`${f}-probe`), '--json'],
    stable: stableReport,
  })),
  {
    name: 'probe-choice-reverse.json',
    args: ['report', run('choice-probe'), '--probe', run('choice'), '--json', '--seed', '2'],
    stable: stableReport,
  },
  // export
  ...FORMS.flatMap((f) => [
    { name: `export-${f}.csv`, args: ['export', run(f), '--format', 'csv'] },
    { name: `export-${f}-b.jsonl`, args: ['export', run(`${f}-b`), '--format', 'jsonl'] },
  ]),
];

for (const c of CASES) {
  test(`ubp ${c.name} equals its golden`, async () => {
    const file = path.join(goldenDir, c.name);
    const io = bufferIO(fixtures);
    const code = await main(c.args, io);
    const got = `exit ${code}\n--- stderr\n${io.stderr()}--- stdout\n${(c.stable ?? ((s) => s))(io.stdout())}`;
    if (WRITE) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(file, got);
    }
    assert.ok(existsSync(file), `no golden ${file}`);
    assert.equal(got, readFileSync(file, 'utf8'));
  });
}

test('ubp export --out writes the same bytes as stdout and counts the rows', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ubp-export-'));
  try {
    for (const [f, format] of [
      ['choice', 'csv'],
      ['rating-b', 'jsonl'],
    ] as const) {
      const out = path.join(tmp, `x.${format}`);
      const io = bufferIO(tmp);
      assert.equal(await main(['export', run(f), '--format', format, '--out', out], io), 0, io.stderr());
      const golden = readFileSync(path.join(goldenDir, `export-${f}.${format}`), 'utf8');
      const text = readFileSync(out, 'utf8');
      // The golden is stdout's bytes after its stderr (the unreadable line's warning, said either way).
      const [head, body] = golden.split('--- stdout\n') as [string, string];
      assert.equal(text, body);
      const warning = head.replace('exit 0\n--- stderr\n', '');
      const rows = format === 'csv' ? text.split('\r\n').length - 2 : text.split('\n').length - 1;
      assert.equal(io.stderr(), `wrote ${rows} rows to ${out}\n${warning}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
