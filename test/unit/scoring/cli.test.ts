// The reporting commands end to end through main(): report, compare, export on run folders in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { EXIT } from '../../../src/cli/exitCodes';
import type { CaseResult } from '../../../src/core/types';
import { result } from './fixtures';
import { manifestFor, writeRun } from './runFixture';
import { bufferIO } from '../run/helpers';

const io = bufferIO;

const LABELS = ['A', 'B', 'C', 'D', 'E'];
function choiceResults(variant: string, right: (i: number) => boolean, n = 120): CaseResult[] {
  return Array.from({ length: n }, (_, i) =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      variant,
      expected: { form: 'choice', label: LABELS[i % 5] },
      prediction: { form: 'choice', label: right(i) ? LABELS[i % 5] : LABELS[(i + 2) % 5] },
      raw: right(i) ? `{"answer": "${LABELS[i % 5]}"}` : 'I think, "maybe"\nC',
    }),
  );
}

test('ubp report, compare and export on run folders', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-scoring-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = path.join(root, '.ubp');
  const good = [
    ...choiceResults('gpt', (i) => i % 2 === 0),
    ...choiceResults('baseline:random', (i) => i % 5 === 0),
  ];
  const worse = [
    ...choiceResults('gpt', (i) => i % 5 === 0),
    ...choiceResults('baseline:random', (i) => i % 5 === 0),
  ];
  const torn = '{"caseId": "c9", "varia';
  writeRun(
    store,
    manifestFor('run-a', 'choice', ['gpt', 'baseline:random'], { cases: 120, candidates: 5 }),
    good,
  );
  writeRun(
    store,
    manifestFor('run-b', 'choice', ['gpt', 'baseline:random'], { cases: 120, candidates: 5 }),
    worse,
    torn,
  );

  // report by id, in the three formats
  let b = io(root);
  assert.equal(await main(['report', 'run-a', '--resamples', '1000'], b), 0, b.stderr());
  assert.match(b.stdout(), /Headline: Accuracy \(HR@1\)/);
  assert.match(b.stdout(), /gpt\s+0\.500 \[/);
  b = io(root);
  assert.equal(await main(['report', path.join(store, 'runs', 'run-b'), '--json'], b), 0, b.stderr());
  const rep = JSON.parse(b.stdout());
  assert.equal(rep.variants[0].metrics[0].all.value, 0.2);
  assert.match(rep.notes.join(' '), /last line of results\.jsonl was incomplete/);
  b = io(root);
  assert.equal(await main(['report', 'run-a', '--md'], b), 0);
  assert.match(b.stdout(), /^# UBP report/);

  // compare with the regression gate
  b = io(root);
  assert.equal(await main(['compare', 'run-a', 'run-b'], b), 0, b.stderr());
  assert.match(b.stdout(), /UBP compare: run-a → run-b/);
  assert.match(b.stdout(), /McNemar: \d+ right only in A/);
  b = io(root);
  assert.equal(await main(['compare', 'run-a', 'run-b', '--fail-on-regression'], b), 3);
  assert.match(b.stderr(), /1 significant regression\(s\):\n {2}gpt: Accuracy \(HR@1\) 0\.5000 → 0\.2000/);
  b = io(root);
  assert.equal(await main(['compare', 'run-b', 'run-a', '--fail-on-regression', '--only-changed'], b), 0);
  assert.match(b.stdout(), /^Cases that changed outcome/);
  assert.match(b.stdout(), /gpt {2}c\d+ {2}improved/);

  // export: CSV quoted properly, one row per case and variant, raw answer in its own column
  const out = path.join(root, 'a.csv');
  b = io(root);
  assert.equal(await main(['export', 'run-a', '--format', 'csv', '--out', out], b), 0, b.stderr());
  const csv = readFileSync(out, 'utf8');
  const header = csv.split('\r\n')[0].split(',');
  assert.ok(header.includes('raw') && header.includes('metric.correct'));
  assert.match(csv, /"I think, ""maybe""\nC"/);
  b = io(root);
  assert.equal(await main(['export', 'run-b', '--format', 'jsonl'], b), 0);
  const lines = b
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 240);
  assert.equal(lines[0]['metric.correct'], 1);

  // two models of one run
  b = io(root);
  assert.equal(
    await main(['compare', 'run-a', '--variant-a', 'baseline:random', '--variant-b', 'gpt', '--json'], b),
    0,
    b.stderr(),
  );
  const pair = JSON.parse(b.stdout());
  assert.equal(pair.variants.length, 1);
  assert.ok(Math.abs(pair.variants[0].metrics[0].diff.value - 0.3) < 1e-9);
  assert.equal(pair.variants[0].metrics[0].verdict, 'better');
  b = io(root);
  assert.equal(
    await main(['compare', 'run-a', '--variant-a', 'baseline:random', '--variant-b', 'gpt'], b),
    0,
  );
  assert.match(b.stdout(), /^baseline:random → gpt$/m);
  b = io(root);
  assert.equal(await main(['compare', 'run-a', '--variant-a', 'nope', '--variant-b', 'gpt'], b), 1);
  assert.match(b.stderr(), /no variant or model "nope" in run-a \(it has: gpt, baseline:random\)/);
  b = io(root);
  assert.equal(await main(['compare', 'run-a', '--variant-a', 'gpt'], b), 1);

  // knowledge probe: the same case ids with opaque names, a worse model
  writeRun(
    store,
    manifestFor('run-probe', 'choice', ['gpt', 'baseline:random'], {
      cases: 120,
      candidates: 5,
      probe: true,
    }),
    worse,
  );
  b = io(root);
  assert.equal(await main(['report', 'run-a', '--probe', 'run-probe', '--json'], b), 0, b.stderr());
  const probe = JSON.parse(b.stdout()).probe;
  assert.equal(probe.probeRun, 'run-probe');
  const gptProbe = probe.rows.find((r: { variant: string }) => r.variant === 'gpt');
  assert.equal(gptProbe.titled, 0.5);
  assert.equal(gptProbe.probe, 0.2);
  assert.ok(Math.abs(gptProbe.drop.value - 0.3) < 1e-9 && gptProbe.drop.lo > 0);
  b = io(root);
  assert.equal(await main(['report', 'run-probe', '--probe', 'run-a'], b), 0, b.stderr());
  assert.match(
    b.stdout(),
    /Knowledge probe: Accuracy \(HR@1\) with titles against opaque ids \(run run-probe\)/,
  );
  assert.match(b.stdout(), /gpt\s+0\.500\s+0\.200\s+\+0\.300 \[/);
  b = io(root);
  assert.equal(await main(['compare', 'run-a', 'run-probe'], b), 0, b.stderr());
  assert.match(b.stdout(), /Knowledge probe: run run-a has titles, the other opaque ids/);

  // misuse
  b = io(root);
  assert.equal(await main(['export', 'run-a'], b), 1);
  assert.match(b.stderr(), /--format must be csv or jsonl/);
  b = io(root);
  assert.equal(await main(['report', 'nope'], b), 1);
  assert.match(b.stderr(), /no run "nope"/);
  b = io(root);
  assert.equal(await main(['report', 'run-a', '--resamples', '10'], b), 1);
});

test('ubp compare pairs two runs of different models, accepts --pair with x for ×, warns when cases differ', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-pair-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = path.join(root, '.ubp');
  const llm = (model: string, right: (i: number) => boolean) =>
    choiceResults(`builtin-choice×${model}`, right).map((r) => ({ ...r, model, template: 'builtin-choice' }));
  const manifest = (id: string, model: string, seed: number) => {
    const m = manifestFor(id, 'choice', [`builtin-choice×${model}`, 'baseline:random'], {
      cases: 120,
      candidates: 5,
    });
    (m.config as { task: { seed: number } }).task.seed = seed;
    return m;
  };
  const random = choiceResults('baseline:random', (i) => i % 5 === 0);
  writeRun(store, manifest('run-mini', 'mini', 0), [...llm('mini', (i) => i % 5 === 0), ...random]);
  writeRun(store, manifest('run-big', 'big', 0), [...llm('big', (i) => i % 2 === 0), ...random]);
  writeRun(store, manifest('run-seed', 'big', 7), [...llm('big', (i) => i % 2 === 0), ...random]);

  let b = io(root);
  assert.equal(await main(['compare', 'run-mini', 'run-big', '--json'], b), 0, b.stderr());
  const cmp = JSON.parse(b.stdout());
  assert.deepEqual(
    cmp.variants.map((v: { a: string; b: string }) => [v.a, v.b]),
    [
      ['builtin-choice×mini', 'builtin-choice×big'],
      ['baseline:random', 'baseline:random'],
    ],
  );
  assert.equal(cmp.variants[0].shared.cases, 120);
  assert.deepEqual([cmp.onlyA, cmp.onlyB, cmp.warnings], [[], [], []]);
  assert.equal(b.stderr(), '');

  b = io(root);
  assert.equal(await main(['compare', 'run-mini', 'run-seed', '--pair', 'builtin-choicexmini=big'], b), 0);
  assert.match(b.stdout(), /^builtin-choice×mini → builtin-choice×big$/m);
  assert.match(b.stdout(), /Warning: The runs' cases differ \(seed 0 vs 7\)/);
  assert.match(b.stdout(), /paired n = 120 cases/);
  b = io(root);
  assert.equal(await main(['compare', 'run-mini', 'run-seed', '--pair', 'mini=big', '--json'], b), 0);
  assert.match(b.stderr(), /warning: The runs' cases differ \(seed 0 vs 7\)/);
  b = io(root);
  assert.equal(await main(['compare', 'run-mini', 'run-big', '--pair', 'mini'], b), EXIT.error);
  assert.match(b.stderr(), /--pair "mini": expected <a>=<b>/);
});

test('a line no reader can score is skipped by report, compare and table alike, said by each, and never spoils the good line it follows', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-scoring-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = path.join(root, '.ubp');
  const results = [
    ...choiceResults('gpt', (i) => i % 2 === 0),
    ...choiceResults('baseline:random', (i) => i % 5 === 0),
  ];
  const manifest = (id: string) =>
    manifestFor(id, 'choice', ['gpt', 'baseline:random'], { cases: 120, candidates: 5 });
  writeRun(store, manifest('clean'), results);
  // Hand-edited: c0 (answered right) again, as a "success" without a readable label, then a line cut in two.
  const bad = { ...results[0]!, prediction: { form: 'choice', label: null } };
  writeRun(store, manifest('edited'), results, `${JSON.stringify(bad)}\n{"caseId": "c1", "vari\n`);

  const json = async (argv: string[]): Promise<{ out: unknown; err: string }> => {
    const b = io(root);
    assert.equal(await main(argv, b), 0, b.stderr());
    return { out: JSON.parse(b.stdout()), err: b.stderr() };
  };
  type Rep = { variants: { metrics: { all: { value: number } }[] }[]; notes: string[] };
  const clean = (await json(['report', 'clean', '--json'])).out as Rep;
  const edited = (await json(['report', 'edited', '--json'])).out as Rep;
  assert.deepEqual(
    edited.variants.map((v) => v.metrics[0]!.all.value),
    clean.variants.map((v) => v.metrics[0]!.all.value),
    'the good line of c0 stands',
  );
  assert.match(edited.notes.join(' '), /2 unreadable line\(s\) in results\.jsonl were skipped/);

  const cmp = await json(['compare', 'clean', 'edited', '--json']);
  type Cmp = { variants: { onlyA: number; onlyB: number; shared: unknown }[]; warnings: string[] };
  const c = cmp.out as Cmp;
  assert.deepEqual(
    c.variants.map((v) => [v.onlyA, v.onlyB]),
    [
      [0, 0],
      [0, 0],
    ],
  );
  assert.ok(c.warnings.some((w) => /run B \(edited\): 2 unreadable line/.test(w)));
  assert.match(cmp.err, /run B \(edited\): 2 unreadable line\(s\) in results\.jsonl were skipped/);

  const b = io(root);
  assert.equal(await main(['table', 'clean', 'edited'], b), 0, b.stderr());
  assert.match(b.stdout(), /run edited: 2 unreadable line\(s\) in results\.jsonl were skipped\./);
});

test('ubp compare of two runs with one id (two workspaces) tells them apart and keeps the unnamed pairs', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-twins-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const variants = ['gpt', 'small', 'baseline:random'];
  const results = [
    ...choiceResults('gpt', (i) => i % 2 === 0),
    ...choiceResults('small', (i) => i % 3 === 0),
    ...choiceResults('baseline:random', (i) => i % 5 === 0),
  ];
  for (const ws of ['old', 'new'])
    writeRun(
      path.join(root, ws, '.ubp'),
      manifestFor('same-id', 'choice', variants, { cases: 120, candidates: 5 }),
      results,
    );
  const out = io(root);
  const a = path.join(root, 'old/.ubp/runs/same-id');
  const b = path.join(root, 'new/.ubp/runs/same-id');
  assert.equal(await main(['compare', a, b, '--pair', 'gpt=small', '--json'], out), 0, out.stderr());
  const cmp = JSON.parse(out.stdout()) as { a: string; b: string; variants: { a: string; b: string }[] };
  assert.notEqual(cmp.a, cmp.b);
  assert.deepEqual(
    cmp.variants.map((v) => `${v.a}→${v.b}`),
    ['gpt→small', 'baseline:random→baseline:random'],
  );
});

test('a line whose outcome is none of success, invalid, error is skipped as unreadable, not counted as an answer', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-scoring-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = path.join(root, '.ubp');
  const results = [
    ...choiceResults('gpt', (i) => i % 2 === 0),
    ...choiceResults('baseline:random', (i) => i % 5 === 0),
  ];
  const manifest = (id: string) =>
    manifestFor(id, 'choice', ['gpt', 'baseline:random'], { cases: 120, candidates: 5 });
  writeRun(store, manifest('clean'), results);
  // Hand-edited: c0 (answered right) again with an outcome no reader knows.
  const odd = { ...results[0]!, outcome: 'skipped' };
  writeRun(store, manifest('edited'), results, `${JSON.stringify(odd)}\n`);
  type Rep = { variants: { metrics: { all: { value: number } }[] }[]; notes: string[] };
  const report = async (id: string): Promise<Rep> => {
    const b = io(root);
    assert.equal(await main(['report', id, '--json'], b), 0, b.stderr());
    return JSON.parse(b.stdout()) as Rep;
  };
  const clean = await report('clean');
  const edited = await report('edited');
  assert.deepEqual(
    edited.variants.map((v) => v.metrics[0]!.all.value),
    clean.variants.map((v) => v.metrics[0]!.all.value),
    'the good line of c0 stands',
  );
  assert.match(edited.notes.join(' '), /1 unreadable line\(s\) in results\.jsonl were skipped/);
  const cmp = io(root);
  assert.equal(await main(['compare', 'clean', 'edited', '--json'], cmp), 0, cmp.stderr());
  assert.match(cmp.stderr(), /run B \(edited\): 1 unreadable line\(s\)/);
  // Export shows the rows the report scores (it used to show the edited line over the good one), and says so.
  const rows = async (id: string): Promise<{ out: string; err: string }> => {
    const b = io(root);
    assert.equal(await main(['export', id, '--format', 'csv'], b), 0, b.stderr());
    return { out: b.stdout().replaceAll('edited,', 'clean,'), err: b.stderr() };
  };
  const exported = await rows('edited');
  assert.equal(exported.out, (await rows('clean')).out);
  assert.match(exported.err, /1 unreadable line\(s\) in results\.jsonl were skipped/);
});

test('ubp report --k beyond the run’s candidates, or on a run without a cut-off, is a usage error naming the largest k', async () => {
  const runs = path.resolve(__dirname, '../../fixtures/report-golden/runs');
  const ranking = path.join(runs, 'ranking'); // 5 candidates
  const tooBig = io(runs);
  assert.equal(await main(['report', ranking, '--k', '50'], tooBig), EXIT.error);
  assert.match(tooBig.stderr(), /--k 50 .*5 candidates.*largest k .* is 4/);
  assert.match(tooBig.stderr(), /usage: /);
  assert.equal(tooBig.stdout(), '');
  const edge = io(runs);
  assert.equal(await main(['report', ranking, '--k', '5'], edge), EXIT.error);
  const ok = io(runs);
  assert.equal(await main(['report', ranking, '--k', '4'], ok), 0, ok.stderr());
  assert.match(ok.stdout(), /k = 4/);
  const choice = io(runs);
  assert.equal(await main(['report', path.join(runs, 'choice'), '--k', '2'], choice), EXIT.error);
  assert.match(choice.stderr(), /--k applies to ranking runs.* choice run/);
});
