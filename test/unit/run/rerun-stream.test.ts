// readRerunUnits (prepareRerun's streaming pass) picks exactly what selectRerunUnits picks from the run as the
// store reads it, in the same order, with each unit's latest model: on the golden runs of every form (repeated
// units whose later line replaces a failure, corrupt lines, a torn tail), for each selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readRun } from '../../../src/core/run/store';
import { readRerunUnits, selectRerunUnits, type RerunSelection } from '../../../src/core/run/rerun';

const runs = path.resolve(__dirname, '../../fixtures/report-golden/runs');

test('readRerunUnits equals selectRerunUnits on every golden run and selection', async () => {
  for (const id of ['rating', 'binary', 'choice', 'ranking']) {
    const run = await readRun(path.join(runs, id));
    const some = run.results.filter((_, i) => i % 17 === 3);
    const selections: RerunSelection[] = [
      {},
      { outcomes: ['error'] },
      { outcomes: ['wrong'] },
      { outcomes: ['invalid', 'error', 'wrong'], models: ['gpt'] },
      { models: [run.results.at(-1)!.variant] },
      { units: some.map(({ caseId, variant, sample }) => ({ caseId, variant, sample })) },
    ];
    for (const sel of selections) {
      const want = selectRerunUnits(run.manifest, run.results, sel).map((r) => ({
        caseId: r.caseId,
        variant: r.variant,
        sample: r.sample,
        model: r.model,
      }));
      const got = await readRerunUnits(run.dir, run.manifest, sel);
      assert.deepEqual(got, want, `${id} ${JSON.stringify(sel).slice(0, 80)}`);
      if (!sel.models && !sel.units) assert.ok(want.length > 0, `${id}: something to pick`);
    }
  }
});
