// Runs synthetic choice cases against the local test server through the real OpenAI-compatible client: shared
// by the reliability tests (in process) and by child-run.ts (in a child process that the tests kill).
import { parseConfig } from '../../../src/core/config';
import { llmFactory } from '../../../src/core/models/providers';
import { realSleep } from '../../../src/core/models/retry';
import { runEval, type RunHandle, type RunVariant } from '../../../src/core/run/runner';
import { openRunStore } from '../../../src/core/run/store';
import type { ChatMessage, TestCase } from '../../../src/core/types';
import { makeCases, manifestFor } from './helpers';

/** One distinct prompt per case, with labelled candidate lines so the server answers a choice. */
export function renderCase(tc: TestCase): ChatMessage[] {
  const lines = (tc.candidates ?? []).map((c) => `${c.label}. ${c.title}`).join('\n');
  return [
    { role: 'system', content: 'You predict what one user picks next.' },
    {
      role: 'user',
      content: `Case ${tc.id}. Which one does user ${tc.user} pick?\n${lines}\nAnswer with one label.`,
    },
  ];
}

export interface ServerRunOptions {
  url: string;
  root: string;
  runId: string;
  cases: number;
  concurrency?: number;
  maxRetries?: number;
  timeoutMs?: number;
  /** First backoff ceiling of the client's retries, ms (small keeps tests fast; Retry-After still wins). */
  baseDelayMs?: number;
}

export async function serverVariant(o: ServerRunOptions): Promise<RunVariant> {
  const config = parseConfig(
    JSON.stringify({
      name: 'reliability',
      dataset: { path: 'none' },
      task: { form: 'choice' },
      models: [{ id: 'test-model', baseUrl: o.url, model: 'test-model' }],
      run: { cache: false, maxRetries: o.maxRetries ?? 6, timeoutMs: o.timeoutMs ?? 10_000 },
    }),
    'reliability.ubp.json',
  );
  const model = config.models[0]!;
  // Short backoffs keep the test fast: the jitter draw is scaled down; Retry-After still sets the minimum wait.
  const scale = Math.min(1, (o.baseDelayMs ?? 20) / 500);
  const llm = await llmFactory({
    retryDeps: {
      now: Date.now,
      sleep: (ms, signal) => realSleep(ms, signal),
      random: () => Math.random() * scale,
    },
  })({ model, config, cacheDir: '', apiKey: undefined });
  return {
    id: 'test×test-model',
    kind: 'llm',
    predictor: llm.forTemplate({}),
    model: model.id,
    template: 'test',
    samples: 1,
    render: renderCase,
    pool: llm.origin,
  };
}

export async function startServerRun(o: ServerRunOptions): Promise<{ handle: RunHandle; cases: TestCase[] }> {
  const cases = makeCases(o.cases);
  const variant = await serverVariant(o);
  const store = await openRunStore({ root: o.root, runId: o.runId, manifest: manifestFor(o.runId) });
  const handle = runEval({
    store,
    cases,
    variants: [variant],
    scoring: { scale: null, k: 10 },
    concurrency: o.concurrency ?? 16,
  });
  return { handle, cases };
}
