// Writes a run folder (manifest.json + results.jsonl) the way the run store lays it out.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emptyTotals, type RunManifest } from '../../../src/core/run/store';
import type { CaseResult, TaskForm, ValueScale } from '../../../src/core/types';

export function manifestFor(
  id: string,
  form: TaskForm,
  variants: string[],
  opts: {
    cases: number;
    k?: number;
    candidates?: number;
    probe?: boolean;
    scale?: ValueScale | null;
    status?: RunManifest['status'];
  },
): RunManifest {
  return {
    format: 1,
    id,
    name: `test ${id}`,
    config: {
      task: { form, k: opts.k ?? 10, candidates: opts.candidates, probe: opts.probe ?? false, seed: 0 },
    },
    configHash: 'x',
    runKeyHash: 'y',
    engineVersion: '0.0.0',
    openaiVersion: '6.49.0',
    node: process.version,
    dataset: { name: 'fixture', path: 'fixture', fingerprint: 'f', form, scale: opts.scale ?? null },
    variants: variants.map((v) => ({
      id: v,
      kind: v.startsWith('baseline:') ? 'baseline' : 'llm',
      model: v,
      template: v.startsWith('baseline:') ? null : 'builtin',
      samples: 1,
    })),
    cases: opts.cases,
    status: opts.status ?? 'done',
    startedAt: '2026-11-30T00:00:00.000Z',
    sessionStartedAt: '2026-11-30T00:00:00.000Z',
    finishedAt: '2026-11-30T00:01:30.000Z',
    resumes: 0,
    totals: emptyTotals(opts.cases * variants.length),
  };
}

/** Writes `<root>/runs/<id>/`; `tail` is appended raw (e.g. a torn line). Returns the folder. */
export function writeRun(root: string, manifest: RunManifest, results: CaseResult[], tail = ''): string {
  const dir = path.join(root, 'runs', manifest.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    path.join(dir, 'results.jsonl'),
    results.map((r) => JSON.stringify(r) + '\n').join('') + tail,
  );
  return dir;
}
