import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { prepareEval } from '../../../src/core/run/prepare';
import { readRun } from '../../../src/core/run/store';
import { buildReport } from '../../../src/core/scoring/report';
import { renderReportText } from '../../../src/core/scoring/render';
import type { LlmFactory } from '../../../src/core/run/wiring';
import { FakePredictor, tmpRoot } from '../run/helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');

/** An LLM answering A for even users and a non-answer for some, so reasons and invalid lines exist. */
const fakeLlm: LlmFactory = async ({ model }) => ({
  origin: 'http://fake.test',
  forTemplate: () =>
    new FakePredictor(model.id, (req) => {
      const n = Number(req.testCase.user) % 3;
      return {
        raw: n === 0 ? 'no idea' : `{"choice": "${n === 1 ? 'A' : 'B'}"}`,
        usage: { prompt: 100, completion: 5 },
      };
    }),
  cost: (u) => (u.prompt + 2 * u.completion) / 1e6,
  countTokens: () => 100,
});

test('a report from slim results equals the report from full results (same JSON, same text)', async (t) => {
  const root = tmpRoot(t);
  const p = await prepareEval(config, {
    root,
    getApiKey: () => undefined,
    addModels: [{ id: 'm1', baseUrl: 'http://fake.test/v1', model: 'fake-1' }],
    createLlm: fakeLlm,
  });
  const summary = await (await p.start()).done;
  assert.equal(summary.status, 'done');
  const full = await readRun(summary.dir);
  const slim = await readRun(summary.dir, undefined, { slim: true });
  assert.equal(slim.results.length, full.results.length);
  assert.ok(full.results.some((r) => r.messages && r.raw !== undefined && r.target));
  assert.ok(
    slim.results.every((r) => r.messages === undefined && r.raw === undefined && r.target === undefined),
  );
  assert.ok(slim.results.some((r) => r.outcome === 'invalid' && r.reason));
  const a = buildReport(full.manifest, full.results, { dir: full.dir, scan: full.scan });
  const b = buildReport(slim.manifest, slim.results, { dir: slim.dir, scan: slim.scan });
  b.generatedAt = a.generatedAt;
  assert.deepEqual(b, a);
  assert.equal(renderReportText(b), renderReportText(a));
});
