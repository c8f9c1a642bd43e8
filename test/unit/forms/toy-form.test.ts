// Proof that a task form is one module: a toy fifth form from this folder (nextTitle.ts) is registered through
// the registry and runs an eval end to end through the engine's real entry points (config, cases, the form's
// built-in template, a fake model, parsing, scoring, report, comparison, export), with nothing in src/ knowing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildReport,
  compareRuns,
  configJsonSchema,
  exportRows,
  formIds,
  getForm,
  parseConfig,
  prepareEval,
  readRun,
  registerForm,
  renderReportMarkdown,
  renderReportText,
  scoringContext,
  unregisterForm,
  type LlmFactory,
} from '../../../src/core';
import { FakePredictor, tmpRoot } from '../run/helpers';
import { nextTitleForm } from './nextTitle';

const dataset = path.resolve(__dirname, '../../fixtures/run/mini-ml');

/**
 * Two fake models. "good" names the true next item on even cases and a history title on odd ones; "mute"
 * answers the true item on every third case and refuses the rest in prose (invalid).
 */
function fakeModels(seen: string[]): LlmFactory {
  return async ({ model }) => ({
    origin: 'http://fake.test',
    forTemplate: () =>
      new FakePredictor(model.id, (req, call) => {
        const tc = req.testCase;
        seen.push(req.messages.map((m) => m.content).join('\n'));
        if (model.id === 'good') {
          const title = call % 2 === 0 ? tc.target.title : tc.history[0]!.title;
          return { raw: `Thinking about it… {"title": ${JSON.stringify(title)}}` };
        }
        return { raw: call % 3 === 0 ? tc.target.title : 'I am sorry, I cannot know that.' };
      }),
    countTokens: () => 50,
  });
}

test('a toy fifth form registered from the test folder runs an eval end to end', async (t) => {
  registerForm(nextTitleForm);
  t.after(() => unregisterForm('next-title'));
  assert.ok(formIds().includes('next-title'));
  // The registry is what the config, the editor schema and the error messages consult.
  const schema = configJsonSchema() as { properties: { task: { properties: { form: { enum: string[] } } } } };
  assert.ok(schema.properties.task.properties.form.enum.includes('next-title'));
  assert.throws(() => getForm('next-word'), /unknown task form "next-word" \(known: .*next-title/);

  const root = tmpRoot(t);
  const file = path.join(root, 'toy.ubp.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'toy',
      dataset: { path: dataset, format: 'movielens-csv' },
      task: { form: 'next-title', users: 12, history: 5 },
      models: [
        { id: 'good', baseUrl: 'http://fake.test/v1', model: 'fake-good' },
        { id: 'mute', baseUrl: 'http://fake.test/v1', model: 'fake-mute' },
      ],
    }),
  );
  const seen: string[] = [];
  const p = await prepareEval(file, {
    root: path.join(root, '.ubp'),
    getApiKey: () => undefined,
    createLlm: fakeModels(seen),
    concurrency: 1,
  });
  // No baseline answers the form, so the default list is empty; the form's built-in template is used.
  assert.deepEqual(
    p.variants.map((v) => v.id),
    ['builtin-next-title×good', 'builtin-next-title×mute'],
  );
  assert.equal(p.cases.length, 12);
  assert.ok([...p.cases].every((c) => c.form === 'next-title' && !c.candidates));
  const summary = await (await p.start()).done;
  assert.equal(summary.status, 'done');
  assert.equal(seen.length, 24);
  assert.ok(
    seen.every((s) => /Which item did they rate next\?/.test(s)),
    'the toy template was rendered',
  );

  const run = await readRun(p.runId, path.join(root, '.ubp'));
  const good = run.results.filter((r) => r.variant === 'builtin-next-title×good');
  const mute = run.results.filter((r) => r.variant === 'builtin-next-title×mute');
  assert.equal(good.length, 12);
  assert.ok(good.every((r) => r.outcome === 'success' && r.prediction?.form === 'next-title'));
  const invalid = mute.filter((r) => r.outcome === 'invalid');
  assert.ok(invalid.length > 0 && invalid.length < 12, `${invalid.length} invalid answers of "mute"`);

  // The report: the form's own metric is the headline; its value is the share of right answers.
  const report = buildReport(run.manifest, run.results);
  assert.equal(report.run.form, 'next-title');
  assert.equal(report.headline.key, 'hitRate');
  const right = (rs: typeof good) =>
    rs.filter((r) => r.outcome === 'success' && r.prediction!.title === r.target!.title).length;
  const goodRow = report.variants.find((v) => v.variant === 'builtin-next-title×good')!;
  assert.equal(goodRow.metrics[0]!.all.value, right(good) / 12);
  assert.ok(right(good) >= 1 && right(good) < 12);
  const muteRow = report.variants.find((v) => v.variant === 'builtin-next-title×mute')!;
  assert.equal(muteRow.metrics[0]!.all.value, right(mute) / 12);
  assert.equal(muteRow.invalidShare.value, invalid.length / 12);
  assert.match(renderReportText(report), /next-title · mini-ml · 12 cases/);
  assert.match(renderReportMarkdown(report), /Hit rate/);

  // Paired comparison of the two models (McNemar applies: the form's hits are right/wrong) and the export.
  const ctx = scoringContext(run.manifest);
  const cmp = compareRuns({ label: 'a', results: run.results }, { label: 'b', results: run.results }, ctx, {
    pair: { a: 'builtin-next-title×good', b: 'builtin-next-title×mute' },
  });
  assert.equal(cmp.variants[0]!.shared.cases, 12);
  assert.ok(cmp.variants[0]!.mcnemar);
  const exported = exportRows(run.manifest.id, run.results, ctx);
  const row = exported.rows.find((r) => r.variant === 'builtin-next-title×good')!;
  assert.equal(typeof row.expected, 'string');
  assert.ok(exported.columns.includes('metric.hit'));

  // After unregistering, a config naming the form is a clear error listing the known forms.
  unregisterForm('next-title');
  assert.throws(
    () =>
      parseConfig(JSON.stringify({ name: 'x', dataset: { path: 'd' }, task: { form: 'next-title' } }), 'x'),
    /task\.form: expected one of "rating", "binary", "choice", "ranking", "recall", "completion", got "next-title"/,
  );
  registerForm(nextTitleForm);
});
