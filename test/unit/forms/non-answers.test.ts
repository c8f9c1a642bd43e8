// Non-answers never score: an always-invalid model, run through the real pipeline beside the random baseline,
// must not beat it on any metric that has a better direction, in any form (issue 12). A ranking with K = 10 and
// k = 5 reports NDCG@5 and nothing at 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildReport,
  formIds,
  prepareEval,
  readRun,
  renderReportJson,
  renderReportMarkdown,
  renderReportText,
  type LlmFactory,
  type Report,
} from '../../../src/core';
import { FakePredictor, tmpRoot } from '../run/helpers';

const dataset = path.resolve(__dirname, '../../fixtures/run/mini-ml');

/** A model that never answers: a refusal in prose for every case. */
const mute: LlmFactory = async ({ model }) => ({
  origin: 'http://fake.test',
  forTemplate: () => new FakePredictor(model.id, () => ({ raw: 'I cannot predict this.' })),
  countTokens: () => 50,
});

async function runForm(
  t: { after: (fn: () => void) => void },
  task: Record<string, unknown>,
): Promise<Report> {
  const root = tmpRoot(t);
  const file = path.join(root, 'e.ubp.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: `mute-${String(task.form)}`,
      dataset: { path: dataset, format: 'movielens-csv' },
      task: { users: 60, history: 8, ...task },
      models: [{ id: 'mute', baseUrl: 'http://fake.test/v1', model: 'mute' }],
      baselines: ['random'],
    }),
  );
  const p = await prepareEval(file, {
    root: path.join(root, '.ubp'),
    getApiKey: () => undefined,
    createLlm: mute,
  });
  assert.equal((await (await p.start()).done).status, 'done');
  const run = await readRun(p.runId, path.join(root, '.ubp'));
  return buildReport(run.manifest, run.results, { bootstrap: { resamples: 200 } });
}

for (const form of ['rating', 'binary', 'choice', 'ranking']) {
  test(`${form}: an always-invalid model does not beat the random baseline on any metric with a direction`, async (t) => {
    assert.ok(formIds().includes(form));
    const report = await runForm(t, { form });
    const llm = report.variants.find((v) => v.kind === 'llm')!;
    const random = report.variants.find((v) => v.variant === 'baseline:random')!;
    assert.equal(llm.invalidShare.value, 1);
    assert.deepEqual(llm.reasonCodes, { refusal: llm.counts.invalid });
    let compared = 0;
    for (const m of llm.metrics) {
      const r = random.metrics.find((x) => x.key === m.key);
      if (!r || m.higherIsBetter === null) continue;
      const a = m.all.value;
      const b = r.all.value;
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      compared++;
      assert.ok(
        m.higherIsBetter ? a <= b + 1e-12 : a >= b - 1e-12,
        `${form} ${m.key}: always-invalid ${a} beats random ${b}`,
      );
    }
    assert.ok(compared >= 1, `${form}: some metric was compared`);
    // The reason codes appear in every rendering.
    assert.match(renderReportText(report), /by reason code[\s\S]*refusal/);
    assert.match(renderReportMarkdown(report), /\| variant \| refusal \|/);
    assert.match(renderReportJson(report), /"reasonCodes": \{\s*"refusal": \d+/);
  });
}

test('rating: a non-answer is the farthest scale end, so Exact and Within ½ are 0', async (t) => {
  const report = await runForm(t, { form: 'rating' });
  const llm = report.variants.find((v) => v.kind === 'llm')!;
  for (const key of ['exact', 'within0.5'])
    assert.equal(llm.metrics.find((m) => m.key === key)!.all.value, 0);
  // Bias has no better direction and reads valid answers only: with none, it has no value.
  const bias = llm.metrics.find((m) => m.key === 'bias')!;
  assert.equal(bias.higherIsBetter, null);
  assert.ok(!Number.isFinite(bias.all.value));
});

test('ranking with K = 10 and k = 5: NDCG@5 is the headline, nothing is reported at 10, the full-list NDCG once', async (t) => {
  const report = await runForm(t, { form: 'ranking', candidates: 10, k: 5 });
  assert.equal(report.headline.key, 'ndcg@5');
  const keys = report.metrics.map((m) => m.key);
  assert.ok(keys.includes('ndcg@5') && keys.includes('hr@5') && keys.includes('ndcg'));
  assert.deepEqual(
    keys.filter((k) => /@10$/.test(k)),
    [],
  );
  assert.equal(keys.filter((k) => k === 'ndcg').length, 1);
  const llm = report.variants.find((v) => v.kind === 'llm')!;
  // The true item at rank K for every non-answer: MRR 1/K, mean rank K.
  assert.ok(Math.abs(llm.metrics.find((m) => m.key === 'mrr')!.all.value - 1 / 10) < 1e-12);
  assert.equal(llm.metrics.find((m) => m.key === 'meanRank')!.all.value, 10);
});
