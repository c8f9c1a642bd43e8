// Importing batch results into a run: every answered unit goes through the runner itself (render, parse, score,
// append) with a predictor that replays the batch's answer instead of calling the model, so an imported run is
// line for line what an interactive run of the same config writes (timings aside). Units without an answer are
// skipped (left pending); requests the batch never ran (expired, cancelled) get no line either.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { candidatesOf, loadConfig, type ModelConfig } from '../config';
import { prepareEval, type PrepareOptions, type PreparedEval } from '../run/prepare';
import { runEval, type RunEvalOptions, type RunVariant } from '../run/runner';
import { openRunStore, readRunManifest, unitKey, type RunManifest, type RunStatus } from '../run/store';
import type { RunSummary } from '../run/events';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { LlmPredictor } from '../models/providers';
import type { PredictResponse, Predictor } from '../types';
import { parseOutputLine, type BatchAnswer } from './formats';
import { IdTable } from './ids';
import { batchDir } from './state';

export interface ImportStats {
  /** Output lines read (blank lines aside). */
  lines: number;
  /** Units answered (an answer or a failed request): each becomes a results line unless already final. */
  answered: number;
  /** Requests the batch never ran (expired, cancelled): left pending. */
  notRun: number;
  /** Lines whose custom_id is not in the run's table (another run's file?). */
  unknown: number;
  /** Units named by more than one line (the last one wins). */
  duplicates: number;
  /** Lines that are not JSON objects. */
  corrupt: number;
}

/** What a batch said for one unit, ready to replay: the answer as the provider's reader made it, or the failure. */
export type Replay =
  { ok: true; response: PredictResponse } | { ok: false; status?: number; message: string };

/** Turns an answer's response body into what the interactive predictor would have returned. */
export type BatchAnswerReader = (
  answer: BatchAnswer & { kind: 'answer' },
  variant: string,
) => PredictResponse;

/**
 * Reads output files (any order of lines, OpenAI / vLLM / Anthropic) into replies by unit key. Bodies are read at
 * once (only the answer is kept), so a million-line output does not hold a million response objects.
 */
export async function readAnswers(
  files: readonly string[],
  table: IdTable,
  read: BatchAnswerReader,
): Promise<{ answers: Map<string, Replay>; stats: ImportStats }> {
  const answers = new Map<string, Replay>();
  const stats: ImportStats = { lines: 0, answered: 0, notRun: 0, unknown: 0, duplicates: 0, corrupt: 0 };
  const seen = new Set<string>();
  for (const file of files) {
    const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const text of rl) {
      if (!text.trim()) continue;
      stats.lines++;
      let line: unknown;
      try {
        line = JSON.parse(text);
      } catch {
        stats.corrupt++;
        continue;
      }
      if (!line || typeof line !== 'object' || Array.isArray(line)) {
        stats.corrupt++;
        continue;
      }
      const a = parseOutputLine(line as Record<string, unknown>);
      const unit = table.get(a.customId);
      if (!unit) {
        stats.unknown++;
        continue;
      }
      const key = unitKey(unit.caseId, unit.variant, unit.sample);
      if (seen.has(key)) stats.duplicates++;
      seen.add(key);
      if (a.kind === 'not-run') answers.delete(key);
      else if (a.kind === 'error')
        answers.set(key, { ok: false, message: a.message, ...(a.status ? { status: a.status } : {}) });
      else answers.set(key, { ok: true, response: { ...read(a, unit.variant), attempts: 1 } });
    }
  }
  stats.answered = answers.size;
  stats.notRun = seen.size - answers.size;
  return { answers, stats };
}

/** A predictor answering from imported batch results: what the model said when the batch ran the unit. */
function replayPredictor(id: string, variant: string, answers: ReadonlyMap<string, Replay>): Predictor {
  return {
    id,
    kind: 'llm',
    predict(req): Promise<PredictResponse> {
      const a = answers.get(unitKey(req.testCase.id, variant, req.sample));
      if (!a) return Promise.reject(new Error('no batch answer for this unit'));
      if (!a.ok)
        return Promise.reject(
          Object.assign(new Error(a.message), {
            status: a.status,
            attempts: 1,
            // A failed line the engine gave no HTTP status for: not a network fault of ours.
            ...(a.status === undefined ? { kind: 'batch-error' } : {}),
          }),
        );
      return Promise.resolve(a.response);
    },
  };
}

/**
 * The providers' own readers (the ones their interactive predictors use, loaded on first use), so text, usage
 * and finish reason match an interactive call. An Anthropic answer arrives in the answer tool its request forced.
 */
async function answerReader(prepared: PreparedEval): Promise<BatchAnswerReader> {
  const { readCompletion } = await import('../models/openai');
  const { readMessage } = await import('../models/providers/anthropic');
  const tools = new Map<string, string | undefined>();
  const toolOf = (variant: string): string | undefined => {
    if (tools.has(variant)) return tools.get(variant);
    const v = prepared.variants.find((x) => x.id === variant);
    const tc = prepared.cases[0];
    const live = v?.predictor as Partial<LlmPredictor> | undefined;
    const sent =
      v && tc && live?.requestBody
        ? (live.requestBody({ testCase: tc, messages: v.render?.(tc) ?? [], sample: 0 }) as {
            tool_choice?: { name?: string };
          })
        : undefined;
    tools.set(variant, sent?.tool_choice?.name);
    return sent?.tool_choice?.name;
  };
  return (a, variant) =>
    a.format === 'anthropic'
      ? readMessage(a.body as Parameters<typeof readMessage>[0], toolOf(variant))
      : readCompletion(a.body as unknown as ChatCompletion);
}

export interface ImportOptions {
  /** Output (and error) files to read. */
  files: readonly string[];
  /** The API key of a model (only needed to build the run's predictors; nothing is sent). Default: none. */
  getApiKey?: PrepareOptions['getApiKey'];
  /** Multiplies the cost of every imported answer (provider batches are billed at half price: 0.5). */
  costFactor?: number;
  /** The run's status if units remain unanswered after the import (default: "batch" when more batches are open, else "cancelled"). */
  pendingStatus?: RunStatus;
  tool?: string;
  /** The folder holding media/datasets (the extension's). */
  packageRoot?: string;
}

export interface ImportResult {
  stats: ImportStats;
  summary: RunSummary;
}

/**
 * Re-prepares a run from its config (which must still give the same run key: same data, templates and models)
 * and runs every answered unit through the runner with the answers replayed.
 */
export async function importBatchResults(runDir: string, o: ImportOptions): Promise<ImportResult> {
  for (const f of o.files) if (!existsSync(f)) throw new Error(`no such file: ${f}`);
  const manifest = readRunManifest(runDir);
  const table = new IdTable(batchDir(runDir));
  if (!table.size)
    throw new Error(
      `run ${manifest.id} has no batch requests (${path.join(batchDir(runDir), 'ids.jsonl')} is missing)`,
    );
  const prepared = await prepareRun(runDir, manifest, o);
  const { answers, stats } = await readAnswers(o.files, table, await answerReader(prepared));
  const root = path.dirname(path.dirname(runDir));
  const store = await openRunStore({
    root,
    runId: manifest.id,
    manifest: { ...prepared.manifest, id: manifest.id },
    tool: o.tool ?? 'ubp batch import',
  });
  const factor = o.costFactor ?? 1;
  const variants: RunVariant[] = prepared.variants.map((v) => {
    if (v.kind !== 'llm') return v;
    const base = v.cost;
    return {
      ...v,
      predictor: replayPredictor(v.predictor.id, v.id, answers),
      ...(base && factor !== 1 ? { cost: (u) => (base(u) ?? 0) * factor } : {}),
    };
  });
  // Everything without an answer waits: its batch is still running, or it was never sent.
  const skip = new Set<string>();
  for (const v of variants) {
    const samples = v.kind === 'baseline' ? 1 : Math.max(1, v.samples);
    for (const tc of prepared.cases)
      for (let s = 0; s < samples; s++) {
        const key = unitKey(tc.id, v.id, s);
        if (!answers.has(key)) skip.add(key);
      }
  }
  const handle = runEval({
    store,
    cases: prepared.cases,
    variants,
    scoring: prepared.scoring,
    concurrency: 64,
    skip,
    skippedStatus: o.pendingStatus ?? 'cancelled',
  });
  return { stats, summary: await handle.done };
}

/** prepareEval on the run's config file, with the models the run added on the command line, checked against the run. */
export async function prepareRun(
  runDir: string,
  manifest: RunManifest,
  o: Pick<ImportOptions, 'getApiKey' | 'packageRoot'> & { only?: string[] },
): Promise<PreparedEval & { scoring: RunEvalOptions['scoring'] }> {
  if (!manifest.configFile || !existsSync(manifest.configFile))
    throw new Error(`run ${manifest.id}: its config file ${manifest.configFile ?? '(none)'} is gone`);
  const fileModels = new Set((await loadConfig(manifest.configFile)).config.models.map((m) => m.id));
  const runModels = (manifest.config as { models?: ModelConfig[] }).models ?? [];
  const prepared = await prepareEval(manifest.configFile, {
    root: path.dirname(path.dirname(runDir)),
    addModels: runModels.filter((m) => !fileModels.has(m.id)),
    getApiKey: o.getApiKey ?? (() => undefined),
    ...(o.only ? { only: o.only } : {}),
    ...(o.packageRoot ? { packageRoot: o.packageRoot } : {}),
    ...(manifest.shard ? { shard: { index: manifest.shard.index, count: manifest.shard.count } } : {}),
  });
  if (prepared.runKeyHash !== manifest.runKeyHash)
    throw new Error(
      `run ${manifest.id}: ${manifest.configFile} no longer gives this run (its data, templates or models changed since); restore it to import`,
    );
  return { ...prepared, scoring: scoringOf(prepared) };
}

/** The scoring settings of a prepared eval, as its start() passes them to the runner. */
export function scoringOf(prepared: PreparedEval): RunEvalOptions['scoring'] {
  const task = prepared.config.task;
  const candidates = candidatesOf(task);
  return { scale: prepared.data.scale, k: task.k, candidates };
}
