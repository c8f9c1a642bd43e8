// The report's numbers are pinned: `ubp report --json` on the runs of test/fixtures/report-golden (every task
// form; samples > 1; invalid, error, repeated, corrupt and torn lines; several variants; breakdowns,
// calibration, position bias, agreement) must print the committed JSON byte for byte, apart from the time it
// was generated and the folder it was read from. The goldens were captured before the report moved to a
// columnar one-pass aggregation; any change of a number, an interval or an order fails here.
// UBP_GOLDEN_WRITE=1 rewrites them (only when a change is meant).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { buildReport, loadRun, renderReportJson } from '../../../src/core';
import { bufferIO } from '../run/helpers';
import { RUNS } from '../../fixtures/report-golden/make-runs';

const root = path.resolve(__dirname, '../../fixtures/report-golden');
const WRITE = process.env.UBP_GOLDEN_WRITE === '1';

/** The report JSON without what changes from one call to the next (time, folder). */
function stable(json: string, dir: string): string {
  const r = JSON.parse(json) as { generatedAt?: string; run: { dir?: string } };
  assert.equal(typeof r.generatedAt, 'string');
  assert.equal(r.run.dir, dir);
  r.generatedAt = '<time>';
  r.run.dir = '<dir>';
  return JSON.stringify(r, null, 2) + '\n';
}

const CASES: { run: string; args: string[]; golden: string }[] = [
  ...RUNS.map((s) => ({ run: s.id, args: [], golden: s.id })),
  { run: 'choice', args: ['--resamples', '1500', '--seed', '5'], golden: 'choice-seed5' },
  { run: 'ranking', args: ['--k', '2'], golden: 'ranking-k2' },
];

for (const c of CASES) {
  test(`ubp report --json ${c.run} ${c.args.join(' ')} equals its golden`, async () => {
    const dir = path.join(root, 'runs', c.run);
    const file = path.join(root, 'golden', `${c.golden}.json`);
    const io = bufferIO(root);
    assert.equal(await main(['report', dir, '--json', ...c.args], io), 0, io.stderr());
    const got = stable(io.stdout(), dir);
    if (WRITE) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, got);
    }
    assert.ok(existsSync(file), `no golden ${file}`);
    assert.equal(got, readFileSync(file, 'utf8'));
  });
}

test('buildReport on the results array equals the CLI report (the golden)', async () => {
  for (const spec of RUNS) {
    const dir = path.join(root, 'runs', spec.id);
    const run = await loadRun(dir, { cwd: root });
    const json = renderReportJson(buildReport(run.manifest, run.results, { dir: run.dir, scan: run.scan }));
    assert.equal(
      stable(json, dir),
      readFileSync(path.join(root, 'golden', `${spec.id}.json`), 'utf8'),
      spec.id,
    );
  }
});
