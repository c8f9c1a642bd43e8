// The recall form end to end against the local test server: a model that "memorised" the popular items of
// ml-latest-small runs a recall eval and a choice eval; the recall report breaks the rate down by popularity,
// and the choice report shows the model's recall rate beside its behaviour scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { loadDataset } from '../../../src/core/dataset';
import { listRuns, readRun } from '../../../src/core/run/store';
import { defaultAnswer, startTestServer } from '../../server/server';
import { bufferIO } from '../run/helpers';

const io = bufferIO;

test('recall end to end: rates by popularity, and the rate beside the same model’s choice scores', async (t) => {
  const { data } = await loadDataset('bundled:ml-latest-small');
  const counts = new Map<string, number>();
  for (let r = 0; r < data.n; r++) {
    const id = data.itemIds[data.item[r]!]!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const titles = new Map(data.itemIds.map((id, i) => [id, data.items[i]!.title]));
  // Knows the title of every item with 20 or more ratings, and nothing else.
  const server = await startTestServer({
    answer: (messages) => {
      const text = messages.map((m) => m.content).join('\n');
      const asked = /Which item has the id (\S+) in/.exec(text);
      if (!asked) return defaultAnswer(messages);
      const id = asked[1]!;
      return JSON.stringify({ title: (counts.get(id) ?? 0) >= 20 ? titles.get(id) : 'A Film I Do Not Know' });
    },
  });
  t.after(() => server.close());
  const cwd = mkdtempSync(path.join(tmpdir(), 'ubp-recall-e2e-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const model = { id: 'mem', baseUrl: server.url, model: 'test-model' };
  const write = (name: string, task: object) => {
    const file = path.join(cwd, `${name}.ubp.json`);
    writeFileSync(
      file,
      JSON.stringify({ name, dataset: { path: 'bundled:ml-latest-small' }, task, models: [model] }),
    );
    return file;
  };
  const recall = io(cwd);
  assert.equal(
    await main(['run', write('recall', { form: 'recall', items: 30, seed: 3 }), '--json'], recall),
    0,
    recall.stderr(),
  );
  const choice = io(cwd);
  assert.equal(
    await main(
      ['run', write('choice', { form: 'choice', users: 30, candidates: 5 }), '--models', 'mem', '--json'],
      choice,
    ),
    0,
    choice.stderr(),
  );
  const runs = listRuns(path.join(cwd, '.ubp'));
  const recallRun = runs.find((r) => r.manifest.dataset.form === 'recall')!;
  const choiceRun = runs.find((r) => r.manifest.dataset.form === 'choice')!;

  const rep = io(cwd);
  assert.equal(await main(['report', recallRun.id, '--json'], rep), 0, rep.stderr());
  const recallReport = JSON.parse(rep.stdout());
  const v = recallReport.variants[0];
  assert.equal(recallReport.headline.key, 'exact');
  assert.equal(v.counts.cases, 30);
  const exact = v.metrics.find((m: { key: string }) => m.key === 'exact').all.value;
  // Exactly the sampled items with 20+ ratings are named (targetPopularity is the item's rating count).
  const asked = (await readRun(recallRun.dir)).results;
  assert.equal(exact, asked.filter((r) => r.targetPopularity >= 20).length / 30);
  const pop = v.breakdowns.popularity as { key: string; value: { value: number } }[];
  const head = pop.find((b) => b.key === 'popularity:head')!.value.value;
  const tail = pop.find((b) => b.key === 'popularity:tail')!.value.value;
  assert.ok(head > 0.2, `head recall ${head}`);
  assert.equal(tail, 0);
  assert.ok(exact > 0 && exact < 1);

  const beside = io(cwd);
  assert.equal(await main(['report', choiceRun.id], beside), 0, beside.stderr());
  assert.match(beside.stdout(), /recalls titles \[95% CI\]/);
  assert.match(
    beside.stdout(),
    new RegExp(`mem recalls ${Math.round(100 * exact)}% .* of 30 ml-latest-small item titles`),
  );
});
