// The baselines through the real pipeline (loader, case builder, scoring) on the real small datasets: each one
// must clearly beat chance, which catches a baseline that is wired wrongly (ids, mask, sign of a score) even
// when the hand-computed tests on tiny data pass. Skips when ../shared/data is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type TaskConfig } from '../../../src/core/config';
import { loadDataset } from '../../../src/core/dataset';
import { baselinesForForm, fitBaselines } from '../../../src/core/models/baselines';
import { scoreCase } from '../../../src/core/scoring';
import { buildCases } from '../../../src/core/tasks';
import type { Interactions, TaskForm } from '../../../src/core/types';

const repoRoot = path.resolve(__dirname, '../../..');
const shared = path.resolve(repoRoot, '../shared/data');

function task(form: TaskForm): TaskConfig {
  const text = JSON.stringify({ name: 't', dataset: { path: '.' }, task: { form, users: 400, seed: 3 } });
  return parseConfig(text, 'test.ubp.json').task;
}

/** Mean of one per-case metric for each baseline that fits the form. */
async function evaluate(data: Interactions, form: TaskForm, metric: string): Promise<Record<string, number>> {
  const t = task(form);
  const { cases, trainMask } = buildCases(data, t);
  const out: Record<string, number> = {};
  const signal = new AbortController().signal;
  for (const p of fitBaselines(baselinesForForm(form), data, trainMask, t)) {
    let sum = 0;
    for (const tc of cases) {
      const r = await p.predict({ testCase: tc, messages: [], sample: 0, signal });
      sum += scoreCase(tc.expected, r.prediction, {
        scale: data.scale,
        k: 10,
        candidates: tc.candidates?.length,
      })[metric];
    }
    out[p.name] = sum / cases.length;
  }
  return out;
}

test('ml-latest-small: every baseline beats chance (rating RMSE, ranking NDCG@10)', async (t) => {
  const dir = path.join(shared, 'ml-latest-small');
  if (!existsSync(dir)) return t.skip(`${dir} absent: real-data check skipped`);
  const { data } = await loadDataset(dir);
  const mse = await evaluate(data, 'rating', 'sqError');
  const rmse = Object.fromEntries(Object.entries(mse).map(([k, v]) => [k, Math.sqrt(v)]));
  // Uniform random stars are about 1.9-2.0 off; any fitted baseline is within about 1.1.
  assert.ok(rmse.random > 1.6, JSON.stringify(rmse));
  for (const name of ['user-mean', 'item-mean', 'item-knn', 'mf'])
    assert.ok(rmse[name] < 1.15, `${name} ${rmse[name]}`);
  assert.ok(rmse.mf < rmse['item-mean'], JSON.stringify(rmse));
  const ndcg = await evaluate(data, 'ranking', 'ndcg10');
  // Random among 20 candidates: about 0.227.
  assert.ok(Math.abs(ndcg.random - 0.227) < 0.06, JSON.stringify(ndcg));
  for (const name of ['popularity', 'item-knn', 'mf'])
    assert.ok(ndcg[name] > ndcg.random + 0.15, `${name} ${ndcg[name]}`);
  assert.ok(ndcg['item-mean'] > ndcg.random + 0.05, JSON.stringify(ndcg));
});

test('Last.fm (implicit play counts): binary AUC-ready answers and rankings beat chance', async (t) => {
  const dir = path.join(shared, 'hetrec2011-lastfm-2k');
  if (!existsSync(dir)) return t.skip(`${dir} absent: real-data check skipped`);
  const { data } = await loadDataset(dir);
  assert.equal(data.kind, 'implicit');
  const ndcg = await evaluate(data, 'ranking', 'ndcg10');
  for (const name of ['popularity', 'item-knn', 'mf'])
    assert.ok(ndcg[name] > ndcg.random + 0.3, `${name} ${ndcg[name]}`);
  // Binary: every answer carries a probability (scored as prob), so AUC can be computed.
  const prob = await evaluate(data, 'binary', 'prob');
  for (const [name, p] of Object.entries(prob)) assert.ok(p > 0 && p < 1, `${name} mean probability ${p}`);
});
