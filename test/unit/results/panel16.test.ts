// The results panel's side of issue 16 (resultsModel, no vscode): memorisation beside behaviour equals what
// `ubp report` says, the paper table it exports equals `ubp table`'s, and the memorisation probes (recall,
// completion) get a view like any other form (metrics from the form registry, failure rows in words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { formScoring, scoringContext, type CaseResult } from '../../../src/core';
import {
  failureRows,
  memorisationOf,
  paperTableText,
  readSlimRun,
  reportOf,
  resultsView,
  type CaseRef,
} from '../../../src/extension/webviews/resultsModel';
import { result } from '../scoring/fixtures';
import { manifestFor, writeRun } from '../scoring/runFixture';
import { bufferIO } from '../run/helpers';

const io = bufferIO;

const LABELS = ['A', 'B', 'C', 'D', 'E'];
const TITLES = ['Heat (1995)', 'Matrix, The (1999)', 'Toy Story (1995)', 'Alien (1979)', 'Up (2009)'];

function choiceRun(root: string): string {
  const m = manifestFor('behaviour', 'choice', ['builtin×gpt-4o', 'baseline:popularity'], {
    cases: 60,
    candidates: 5,
  });
  m.variants[0]!.model = 'gpt-4o';
  const rows = (variant: string, model: string, right: (i: number) => boolean): CaseResult[] =>
    Array.from({ length: 60 }, (_, i) =>
      result({
        caseId: `c${i}`,
        user: `u${i % 20}`,
        variant,
        model,
        expected: { form: 'choice', label: LABELS[i % 5]! },
        prediction: { form: 'choice', label: right(i) ? LABELS[i % 5]! : LABELS[(i + 1) % 5]! },
      }),
    );
  return writeRun(root, m, [
    ...rows('builtin×gpt-4o', 'gpt-4o', (i) => i % 3 !== 0),
    ...rows('baseline:popularity', 'baseline:popularity', (i) => i % 2 === 0),
  ]);
}

/** A recall run of the same model over the same data set: 3 of every 4 titles named, 1 wrong. */
function recallRun(root: string, id = 'recall'): string {
  const m = manifestFor(id, 'recall', ['builtin×gpt-4o'], { cases: 40 });
  m.variants[0]!.model = 'gpt-4o';
  m.startedAt = '2026-11-30T02:00:00.000Z';
  return writeRun(
    root,
    m,
    Array.from({ length: 40 }, (_, i) =>
      result({
        caseId: `item-${i}`,
        user: `item-${i}`,
        variant: 'builtin×gpt-4o',
        model: 'gpt-4o',
        template: 'builtin',
        expected: { form: 'recall', item: String(i), title: TITLES[i % 5]! },
        prediction: { form: 'recall', title: i % 4 === 3 ? 'Something Else (2001)' : TITLES[i % 5]! },
      }),
    ),
  );
}

test('memorisation beside behaviour: the panel carries the recall rates and notes `ubp report` gives', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-panel16-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = choiceRun(root);
  const run = await readSlimRun(dir);
  // No recall run yet: nothing to show.
  assert.deepEqual(await memorisationOf(run), []);
  assert.equal(resultsView(run, reportOf(run), { openedAt: 0, computeMs: 0 }, false).memorisation, undefined);

  recallRun(root);
  const mem = await memorisationOf(run);
  const view = resultsView(run, reportOf(run, mem), { openedAt: 0, computeMs: 0 }, false);
  assert.equal(view.memorisation?.length, 1);
  const m = view.memorisation![0]!;
  assert.equal(m.model, 'gpt-4o');
  assert.equal(m.run, 'recall');
  assert.equal(m.items, 40);
  assert.ok(Math.abs(m.exact.value! - 0.75) < 1e-12, `exact ${m.exact.value}`);
  assert.ok(m.exact.lo! <= 0.75 && m.exact.hi! >= 0.75);
  assert.match(m.note, /recalls 75%/);
  assert.ok(view.notes.includes(m.note), 'the note is among the report notes, as in ubp report');

  // The same figures and sentence as `ubp report --json` on the run.
  const cli = io(root);
  assert.equal(await main(['report', dir, '--json'], cli), 0, cli.stderr());
  const report = JSON.parse(cli.stdout()) as {
    memorisation: { exact: { value: number; lo: number }; note: string }[];
  };
  assert.equal(report.memorisation.length, 1);
  assert.equal(report.memorisation[0]!.exact.value, m.exact.value);
  assert.equal(report.memorisation[0]!.exact.lo, m.exact.lo);
  assert.equal(report.memorisation[0]!.note, m.note);
});

test("the exported paper table is `ubp table`'s, in every format", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-panel16-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = choiceRun(root);
  const run = await readSlimRun(dir);
  for (const format of ['md', 'csv', 'latex'] as const) {
    const cli = io(root);
    assert.equal(await main(['table', dir, '--format', format], cli), 0, cli.stderr());
    const text = paperTableText([run], format);
    assert.equal(text, cli.stdout(), format);
    assert.match(text, /gpt-4o/);
  }
  assert.match(paperTableText([run], 'latex'), /\\toprule/);
});

test('recall and completion runs get a view like any other form: metrics from the registry, failures in words', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-panel16-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const recall = await readSlimRun(recallRun(root));
  const m = manifestFor('completion', 'completion', ['builtin×gpt-4o'], { cases: 30 });
  const completion = await readSlimRun(
    writeRun(
      root,
      m,
      Array.from({ length: 30 }, (_, i) =>
        result({
          caseId: `u${i}`,
          user: `u${i}`,
          variant: 'builtin×gpt-4o',
          template: 'builtin',
          expected: { form: 'completion', item: String(100 + i), control: String(100 + i + (i % 2)) },
          prediction: { form: 'completion', item: String(i % 3 === 0 ? 100 + i : 7) },
        }),
      ),
    ),
  );
  for (const [run, wrong] of [
    [recall, 10],
    [completion, 20],
  ] as const) {
    const form = run.manifest.dataset.form;
    const report = reportOf(run);
    const view = resultsView(run, report, { openedAt: 0, computeMs: 0 }, false);
    const scoring = formScoring(form, scoringContext(run.manifest).k);
    const declared = scoring.metrics.map((x) => x.key);
    assert.deepEqual(
      view.metrics.map((x) => x.key),
      declared,
      `${form}: the panel's metric columns are the form's`,
    );
    assert.equal(view.headline, scoring.headline, form);
    const v = view.variants[0]!;
    for (const key of declared) {
      const r = report.variants[0]!.metrics.find((x) => x.key === key)!;
      assert.equal(
        v.metrics[key]!.all.value,
        Number.isFinite(r.all.value) ? r.all.value : null,
        `${form} ${key}`,
      );
    }
    assert.equal(view.charts.confusion, undefined);
    const refs: CaseRef[] = [];
    const rows = failureRows(run.results, scoringContext(run.manifest), refs);
    assert.equal(rows.length, wrong, `${form}: failure rows`);
    assert.ok(
      rows.every((r) => r.outcome === 'wrong' && r.expected !== '' && r.predicted !== ''),
      form,
    );
  }
});
