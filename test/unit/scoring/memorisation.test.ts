// Memorisation beside behaviour: `ubp report` on a behaviour run whose runs folder also holds a recall run of the
// same model and data set shows the model's recall rate beside its scores, with a plain note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import type { CaseResult } from '../../../src/core/types';
import { memorisationNote } from '../../../src/core/scoring/memorisation';
import { result } from './fixtures';
import { manifestFor, writeRun } from './runFixture';
import { bufferIO } from '../run/helpers';

const io = bufferIO;

const LABELS = ['A', 'B', 'C', 'D', 'E'];

test('ubp report shows the recall rate of a recall run over the same data set beside the behaviour scores', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-memo-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = path.join(root, '.ubp');
  const behaviour = manifestFor('choice-run', 'choice', ['builtin×gpt', 'baseline:popularity'], {
    cases: 60,
    candidates: 5,
  });
  behaviour.variants[0]!.model = 'gpt';
  const choices: CaseResult[] = [];
  for (const [variant, model] of [
    ['builtin×gpt', 'gpt'],
    ['baseline:popularity', 'baseline:popularity'],
  ])
    for (let i = 0; i < 60; i++)
      choices.push(
        result({
          caseId: `c${i}`,
          user: `u${i}`,
          variant,
          model,
          expected: { form: 'choice', label: LABELS[i % 5] },
          prediction: { form: 'choice', label: i % 3 === 0 ? LABELS[i % 5] : LABELS[(i + 1) % 5] },
        }),
      );
  writeRun(store, behaviour, choices);
  const recall = manifestFor('recall-run', 'recall', ['builtin-recall×gpt'], { cases: 50 });
  recall.variants[0]!.model = 'gpt';
  const titles: CaseResult[] = Array.from({ length: 50 }, (_, i) =>
    result({
      caseId: `i${i}`,
      user: `item:${i}`,
      variant: 'builtin-recall×gpt',
      model: 'gpt',
      expected: { form: 'recall', item: String(i), title: `Movie ${i}, The (1999)` },
      prediction: { form: 'recall', title: i < 31 ? `The Movie ${i}` : 'Something Else' },
    }),
  );
  writeRun(store, recall, titles);
  // A recall run over another data set is not used.
  const elsewhere = manifestFor('recall-other', 'recall', ['builtin-recall×gpt'], { cases: 1 });
  elsewhere.dataset.fingerprint = 'other';
  writeRun(store, elsewhere, []);

  const out = io(root);
  assert.equal(await main(['report', 'choice-run'], out), 0, out.stderr());
  assert.match(out.stdout(), /recalls titles \[95% CI\]/);
  assert.match(out.stdout(), /builtin×gpt .* 62% \[\d+%, \d+%\]/);
  assert.match(
    out.stdout(),
    /gpt recalls 62% \(95% CI \d+%–\d+%\) of 50 fixture item titles from their ids \(recall run recall-run\): the data set is in its training data/,
  );
  const json = io(root);
  assert.equal(await main(['report', 'choice-run', '--json'], json), 0);
  const report = JSON.parse(json.stdout()) as { memorisation: { model: string; exact: { value: number } }[] };
  assert.deepEqual(
    report.memorisation.map((m) => [m.model, m.exact.value]),
    [['gpt', 0.62]],
  );
});

test('the memorisation note says plainly what a rate means', () => {
  const base = { model: 'm', run: 'r', dataset: 'd', items: 200, failShare: 0 };
  const note = (v: number) => memorisationNote({ ...base, exact: { value: v, lo: v, hi: v, n: 200 } });
  assert.match(note(0.8), /is in its training data/);
  assert.match(note(0.1), /part of the data set is in its training data/);
  assert.match(note(0.01), /little sign/);
  const unread = memorisationNote({ ...base, failShare: 1, exact: { value: 0, lo: 0, hi: 0, n: 200 } });
  assert.match(unread, /100% of its answers could not be read, so this is a lower bound/);
});

test('a recall run whose model of the same id is another model (another name or endpoint) is not shown beside it', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-memo-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = path.join(root, '.ubp');
  const entry = (model: string) => ({ id: 'gpt', baseUrl: 'https://api.openai.com/v1', model });
  const behaviour = manifestFor('choice-run', 'choice', ['builtin×gpt'], { cases: 10, candidates: 5 });
  behaviour.variants[0]!.model = 'gpt';
  (behaviour.config as { models?: unknown[] }).models = [entry('gpt-4o')];
  const answer = (i: number): CaseResult =>
    result({
      caseId: `c${i}`,
      user: `u${i}`,
      variant: 'builtin×gpt',
      model: 'gpt',
      expected: { form: 'choice', label: 'A' },
      prediction: { form: 'choice', label: 'A' },
    });
  writeRun(
    store,
    behaviour,
    Array.from({ length: 10 }, (_, i) => answer(i)),
  );
  const recall = manifestFor('recall-run', 'recall', ['builtin-recall×gpt'], { cases: 10 });
  recall.variants[0]!.model = 'gpt';
  (recall.config as { models?: unknown[] }).models = [entry('gpt-4o-mini')];
  const titles = Array.from({ length: 10 }, (_, i) =>
    result({
      caseId: `i${i}`,
      user: `item:${i}`,
      variant: 'builtin-recall×gpt',
      model: 'gpt',
      expected: { form: 'recall', item: String(i), title: `Movie ${i}` },
      prediction: { form: 'recall', title: `Movie ${i}` },
    }),
  );
  writeRun(store, recall, titles);
  const out = io(root);
  assert.equal(await main(['report', 'choice-run', '--json'], out), 0, out.stderr());
  const report = JSON.parse(out.stdout()) as { memorisation?: unknown[] };
  assert.equal(report.memorisation?.length ?? 0, 0, 'gpt-4o-mini recalling titles says nothing of gpt-4o');
});
