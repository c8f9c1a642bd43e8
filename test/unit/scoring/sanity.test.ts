// The framework's sanity check (issue 6): the shipped ranking config (K = 20, uniform negatives, 300 users of the
// bundled ml-latest-small) run end to end through prepareEval, the runner, the store and buildReport.
// Popularity and item-kNN must beat random on NDCG@10 with intervals that do not overlap, random must sit at its
// expected value, and with popularity-weighted negatives popularity must fall to chance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareEval, readRun } from '../../../src/core/run';
import { buildReport, type Report } from '../../../src/core/scoring/report';
import { comparePaired } from '../../../src/core/scoring/compare';
import { scoringContext } from '../../../src/core/scoring/report';

const repoRoot = path.resolve(__dirname, '../../..');
const config = path.join(repoRoot, 'configs/ranking-sanity.ubp.json');
const bundled = path.join(repoRoot, 'media/datasets/ml-latest-small/ratings.csv');

async function runWith(root: string, negatives: 'uniform' | 'popularity') {
  const cfg = JSON.parse(readFileSync(config, 'utf8'));
  cfg.task.negatives = negatives;
  const file = path.join(root, `sanity-${negatives}.ubp.json`);
  writeFileSync(file, JSON.stringify(cfg));
  const prep = await prepareEval(file, { root, getApiKey: () => undefined, packageRoot: repoRoot });
  const summary = await (await prep.start()).done;
  assert.equal(summary.status, 'done');
  const run = await readRun(prep.runId, root);
  return { run, report: buildReport(run.manifest, run.results, { bootstrap: { resamples: 2000, seed: 0 } }) };
}

const ndcg = (report: Report, variant: string) => {
  const v = report.variants.find((x) => x.variant === variant);
  assert.ok(v, `variant ${variant} in ${report.variants.map((x) => x.variant).join(', ')}`);
  return v.metrics.find((m) => m.key === 'ndcg@10')!.all;
};

test('sanity: popularity and item-kNN above random (uniform negatives); popularity at chance (popularity negatives)', async (t) => {
  if (!existsSync(config) || !existsSync(bundled)) {
    t.skip(`configs/ranking-sanity.ubp.json or the bundled ml-latest-small absent: ${config}`);
    return;
  }
  const root = mkdtempSync(path.join(tmpdir(), 'ubp-sanity-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));

  const uniform = await runWith(root, 'uniform');
  assert.equal(uniform.report.run.cases, 300);
  assert.equal(uniform.report.run.candidates, 20);
  const random = ndcg(uniform.report, 'baseline:random');
  const pop = ndcg(uniform.report, 'baseline:popularity');
  const knn = ndcg(uniform.report, 'baseline:item-knn');
  // Random sits at its expected value: mean over ranks 1..20 of 1/log2(r+1) for r <= 10.
  let chance = 0;
  for (let r = 1; r <= 10; r++) chance += 1 / Math.log2(r + 1) / 20;
  assert.ok(random.lo <= chance && chance <= random.hi, `random ${JSON.stringify(random)} vs ${chance}`);
  assert.ok(pop.lo > random.hi, `popularity ${JSON.stringify(pop)} vs random ${JSON.stringify(random)}`);
  assert.ok(knn.lo > random.hi, `item-kNN ${JSON.stringify(knn)} vs random ${JSON.stringify(random)}`);

  const weighted = await runWith(root, 'popularity');
  const random2 = ndcg(weighted.report, 'baseline:random');
  const pop2 = ndcg(weighted.report, 'baseline:popularity');
  // Popularity no longer beats random: overlapping intervals, and the paired test finds it not better.
  assert.ok(pop2.hi >= random2.lo, `popularity ${JSON.stringify(pop2)} vs random ${JSON.stringify(random2)}`);
  const ctx = scoringContext(weighted.run.manifest);
  const paired = comparePaired(
    { label: 'random', results: weighted.run.results.filter((r) => r.variant === 'baseline:random') },
    { label: 'popularity', results: weighted.run.results.filter((r) => r.variant === 'baseline:popularity') },
    ctx,
  );
  assert.notEqual(paired.metrics.find((m) => m.key === 'ndcg@10')!.verdict, 'better');
  // ...and it lost its edge: far below its uniform-negatives score.
  assert.ok(pop2.hi < pop.lo, `popularity ${JSON.stringify(pop2)} vs uniform ${JSON.stringify(pop)}`);
});
