import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { prepareEval } from '../../../src/core/run/prepare';
import { exportBatchFile } from '../../../src/core/batch/submit';
import { tmpRoot } from '../run/helpers';

const config = path.resolve(__dirname, '../../fixtures/run/mini-choice.ubp.json');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

// Captured from the exporter that held every case and unit in arrays (main at 803d2b4), before it streamed.
const GOLDEN = {
  requests: 30,
  requestsSha256: '4b083733ed9225f547c36644cc3abaf5c5bc350b116241be8a82e87b8a2c44f1',
  idsSha256: '5cd56a2d9804525869bf0d78e1bd584faf82e4bbf9112cd4a4459dac657c2354',
};

test('the streamed batch export writes the bytes the array-based one wrote (requests and id table)', async (t) => {
  const root = tmpRoot(t);
  const p = await prepareEval(config, {
    root,
    getApiKey: () => undefined,
    only: ['m'],
    addModels: [{ id: 'm', baseUrl: 'http://127.0.0.1:9/v1', model: 'gold-model' }],
  });
  const out = path.join(root, 'req.jsonl');
  const r = await exportBatchFile(p, out);
  const idLines = readFileSync(path.join(r.dir, 'batch', 'ids.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  assert.deepEqual(
    {
      requests: r.requests,
      requestsSha256: sha(readFileSync(out, 'utf8')),
      idsSha256: sha([...idLines].sort().join('\n')),
    },
    GOLDEN,
  );
  // The part's own id list names the request lines in order.
  const partIds = readFileSync(path.join(r.dir, 'batch', 'export-001.ids'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const lineIds = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
  assert.deepEqual(partIds, lineIds);
});
