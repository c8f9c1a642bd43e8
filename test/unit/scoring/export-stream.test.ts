// streamExport (ubp export's streamed path) writes the same bytes as toCsv / toJsonl of exportRows on the run as
// the store reads it, on a results file of several 1 MB read chunks (lines cut across chunks, the writer's
// back-pressure between them) with units written again later (their last line read back by offset), blank,
// corrupt and CRLF lines, and a torn tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  exportRows,
  exportToFile,
  readRun,
  scoringContext,
  streamExport,
  toCsv,
  toJsonl,
} from '../../../src/core';
import { seededRandom } from '../../../src/core/scoring/random';
import { emptyTotals, type RunManifest } from '../../../src/core/run/store';
import type { CaseResult } from '../../../src/core/types';

function line(i: number, sample: number, rand: () => number, variant: string): CaseResult {
  const ok = rand() < 0.8;
  return {
    caseId: `c${i}`,
    variant,
    model: variant.split('×')[1] ?? variant,
    template: variant.includes('×') ? variant.split('×')[0]! : null,
    sample,
    user: `u${i % 97}`,
    form: 'choice',
    outcome: ok ? 'success' : 'invalid',
    ...(ok
      ? { prediction: { form: 'choice', label: 'ABCDE'[(rand() * 5) | 0]! } }
      : { reason: 'no, "label"' }),
    messages: [{ role: 'user', content: `case ${i} `.repeat(40 + ((rand() * 40) | 0)) }],
    raw: `=cmd ${i}, "quoted"`,
    expected: { form: 'choice', label: 'B' },
    historyLength: (rand() * 50) | 0,
    targetPopularity: (rand() * 9) | 0,
    latencyMs: 1.5,
    finishedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  } as CaseResult;
}

test('streamExport equals exportRows + toCsv / toJsonl over many chunks, repeats read back by offset', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-export-stream-'));
  try {
    const rand = seededRandom(3);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(JSON.stringify(line(i, 0, rand, 'builtin×gpt')));
      if (i % 3 === 0) lines.push(JSON.stringify(line(i, 1, rand, 'builtin×gpt')));
      if (i % 5 === 0) lines.push(JSON.stringify(line(i, 0, rand, 'baseline:random')));
      if (i % 400 === 7) lines.push('', '{"caseId": broken', '   ');
    }
    // Units written again at the end (a re-run), one with CRLF, then a torn tail.
    for (let i = 0; i < 3000; i += 37) lines.push(JSON.stringify(line(i, 0, rand, 'builtin×gpt')));
    lines.push(JSON.stringify(line(5, 0, rand, 'baseline:random')) + '\r');
    writeFileSync(path.join(dir, 'results.jsonl'), lines.join('\n') + '\n{"caseId":"torn');
    const manifest = {
      format: 1,
      id: 'r1',
      name: 'r1',
      config: { task: { form: 'choice', k: 1, candidates: 5 } },
      dataset: { name: 'd', path: 'd', fingerprint: 'f', form: 'choice', scale: null },
      variants: [],
      cases: 3000,
      status: 'done',
      startedAt: '2026-01-01T00:00:00.000Z',
      totals: emptyTotals(0),
    } as unknown as RunManifest;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const run = await readRun(dir);
    const ctx = scoringContext(run.manifest);
    const { columns, rows } = exportRows('r1', run.results, ctx);
    assert.ok(rows.length > 4000);
    for (const format of ['csv', 'jsonl'] as const) {
      const chunks: string[] = [];
      const n = await streamExport(path.join(dir, 'results.jsonl'), 'r1', ctx, format, async (t) => {
        chunks.push(t);
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      assert.equal(n, rows.length);
      assert.ok(chunks.length > 3, `written in ${chunks.length} chunk(s)`);
      const want = format === 'csv' ? toCsv(columns, rows) : toJsonl(columns, rows);
      assert.equal(chunks.join(''), want, format);
      // Into a file (ubp export --out and the extension's Export Run): the same bytes.
      const out = path.join(dir, `out.${format}`);
      assert.equal(await exportToFile(path.join(dir, 'results.jsonl'), 'r1', ctx, format, out), rows.length);
      assert.equal(readFileSync(out, 'utf8'), want, `${format} file`);
    }
    // A file that cannot be written rejects (no silent empty export).
    await assert.rejects(
      exportToFile(path.join(dir, 'results.jsonl'), 'r1', ctx, 'csv', path.join(dir, 'no', 'such', 'x.csv')),
      /ENOENT/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streamExport of a run with no results file writes the header only (CSV) or nothing (JSONL)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-export-empty-'));
  try {
    const ctx = { form: 'choice' as const, k: 1, scale: null, candidates: 5 };
    for (const format of ['csv', 'jsonl'] as const) {
      let out = '';
      const n = await streamExport(path.join(dir, 'results.jsonl'), 'r', ctx, format, (t) => {
        out += t;
      });
      assert.equal(n, 0);
      const { columns, rows } = exportRows('r', [], ctx);
      assert.equal(out, format === 'csv' ? toCsv(columns, rows) : toJsonl(columns, rows));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
