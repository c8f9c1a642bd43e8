// Shared fixtures of the run tests: synthetic choice cases, a manifest, fake predictors.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PredictRequest, PredictResponse, Predictor, TestCase } from '../../../src/core/types';
import type { OpenRunStoreOptions } from '../../../src/core/run/store';
import type { CliIO } from '../../../src/cli/command';

export const LABELS = ['A', 'B', 'C', 'D', 'E'];

/** n choice cases; the true label of case i is LABELS[i % 5]. */
export function makeCases(n: number): TestCase[] {
  return Array.from({ length: n }, (_, i) => {
    const truth = LABELS[i % LABELS.length]!;
    return {
      id: `u${i}:m${i}`,
      form: 'choice' as const,
      user: `u${i}`,
      historyLength: 5 + (i % 7),
      history: [{ item: 'm0', title: 'Heat (1995)', genres: ['Crime'], value: 4, time: 1000 + i }],
      target: { item: `m${i}`, title: `Movie ${i}`, genres: ['Drama'] },
      candidates: LABELS.map((label, j) => ({
        label,
        item: `m${i}-${j}`,
        title: `Movie ${i}-${j}`,
        genres: [],
      })),
      expected: { form: 'choice' as const, label: truth },
      targetPopularity: i % 13,
    };
  });
}

export function manifestFor(name = 'test'): OpenRunStoreOptions['manifest'] {
  return {
    format: 1,
    id: name,
    name,
    config: { name },
    configHash: 'c'.repeat(64),
    runKeyHash: 'r'.repeat(64),
    engineVersion: 'test',
    openaiVersion: 'test',
    node: process.version,
    dataset: { name: 'synthetic', path: 'mem:', fingerprint: 'f'.repeat(64), form: 'choice', scale: null },
    variants: [],
    cases: 0,
  };
}

export function tmpRoot(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ubp-run-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A predictor answering from a function of the case; records every call. */
export class FakePredictor implements Predictor {
  readonly kind = 'llm' as const;
  calls: { caseId: string; sample: number }[] = [];
  constructor(
    readonly id: string,
    private readonly answer: (
      req: PredictRequest,
      call: number,
    ) => Promise<PredictResponse> | PredictResponse,
  ) {}
  predict(req: PredictRequest): Promise<PredictResponse> {
    this.calls.push({ caseId: req.testCase.id, sample: req.sample });
    try {
      return Promise.resolve(this.answer(req, this.calls.length - 1));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  callsFor(caseId: string): number {
    return this.calls.filter((c) => c.caseId === caseId).length;
  }
}

/** Resolves when `fn` is called for the nth time. */
export function counter(n: number): { hit: () => void; reached: Promise<void> } {
  let count = 0;
  let resolve!: () => void;
  const reached = new Promise<void>((r) => (resolve = r));
  return {
    hit: () => {
      if (++count === n) resolve();
    },
    reached,
  };
}

/** A CLI io that keeps what a command prints (for `main(argv, io)`). */
export function bufferIO(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
    cwd,
    env,
    stdout: () => out,
    stderr: () => err,
  };
}
