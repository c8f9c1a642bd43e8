// Importing batch results into a run: every answered unit goes through the runner itself (render, parse, score,
// append) with a predictor that replays the batch's answer instead of calling the model, so an imported run is
// line for line what an interactive run of the same config writes (timings aside). Units without an answer are
// skipped (left pending); requests the batch never ran (expired, cancelled) get no line either.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { candidatesOf, loadConfig, type ModelConfig } from '../config';
import { prepareEval, type PrepareOptions, type PreparedEval } from '../run/prepare';
import { runEval, type RunEvalOptions, type RunVariant } from '../run/runner';
import { openRunStore, readRunManifest, unitKey, type RunManifest, type RunStatus } from '../run/store';
import type { RunSummary } from '../run/events';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { LlmPredictor } from '../models/providers';
import type { PredictResponse, Predictor } from '../types';
import { parseOutputLine, type BatchAnswer } from './formats';
import { customIdOf, IdTable } from './ids';
import { isBlank, scanLines } from '../run/results';
import { batchDir, readBatchState, writeBatchState } from './state';
import { caseIdAt } from '../tasks/caseList';

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
  /** Where the first unreadable lines are (`file:line`, at most 5), for the message. */
  corruptAt: string[];
}

/** A UTF-8 byte order mark (EF BB BF), which Windows tools put before the first line. */
function bomLength(buf: Buffer, start: number, end: number): number {
  return end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf
    ? 3
    : 0;
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
 * Where each unit's last output line is (file, byte offset, length), by id-table slot: a million-line output is
 * indexed in one streaming pass, and a unit's line is read again and parsed only when the runner replays it.
 */
export class BatchAnswers {
  private readonly fds: number[];

  constructor(
    private readonly files: readonly string[],
    private readonly table: IdTable,
    private readonly read: BatchAnswerReader,
    /** Per slot: the file index, or -1 (no line, or a request the batch never ran). */
    private readonly fileOf: Int16Array,
    private readonly offsetOf: Float64Array,
    private readonly lengthOf: Int32Array,
    /** Units with an answer or a failure. */
    readonly size: number,
  ) {
    this.fds = files.map(() => -1);
  }

  private slotOf(caseId: string, variant: string, sample: number): number | undefined {
    const slot = this.table.slot(customIdOf({ caseId, variant, sample }));
    return slot !== undefined && this.fileOf[slot] >= 0 ? slot : undefined;
  }

  has(caseId: string, variant: string, sample: number): boolean {
    return this.slotOf(caseId, variant, sample) !== undefined;
  }

  /** Whether a custom id got an answer or a failure in this import. */
  answersId(customId: string): boolean {
    const slot = this.table.slot(customId);
    return slot !== undefined && this.fileOf[slot] >= 0;
  }

  /** What the batch said for a unit, read from its output line; undefined when it has none. */
  get(caseId: string, variant: string, sample: number): Replay | undefined {
    const slot = this.slotOf(caseId, variant, sample);
    if (slot === undefined) return undefined;
    const f = this.fileOf[slot];
    if (this.fds[f] < 0) this.fds[f] = openSync(this.files[f], 'r');
    const buf = Buffer.allocUnsafe(this.lengthOf[slot]);
    readSync(this.fds[f], buf, 0, buf.length, this.offsetOf[slot]);
    const a = parseOutputLine(JSON.parse(buf.toString('utf8')) as Record<string, unknown>);
    if (a.kind === 'error')
      return { ok: false, message: a.message, ...(a.status ? { status: a.status } : {}) };
    if (a.kind === 'answer') return { ok: true, response: { ...this.read(a, variant), attempts: 1 } };
    return undefined;
  }

  close(): void {
    for (const fd of this.fds) if (fd >= 0) closeSync(fd);
    this.fds.fill(-1);
  }
}

/**
 * Reads output files (any order of lines, OpenAI / vLLM / Anthropic) in one streaming pass into an index of
 * answers by unit (the last line for a unit wins); bodies are read again only when replayed.
 */
export async function readAnswers(
  files: readonly string[],
  table: IdTable,
  read: BatchAnswerReader,
): Promise<{ answers: BatchAnswers; stats: ImportStats }> {
  if (files.length > 0x7fff) throw new Error('too many output files in one import');
  const stats: ImportStats = {
    lines: 0,
    answered: 0,
    notRun: 0,
    unknown: 0,
    duplicates: 0,
    corrupt: 0,
    corruptAt: [],
  };
  const fileOf = new Int16Array(table.size).fill(-1);
  const offsetOf = new Float64Array(table.size);
  const lengthOf = new Int32Array(table.size);
  const seen = new Uint8Array(table.size);
  let seenCount = 0;
  for (const [f, file] of files.entries()) {
    let lineNo = 0;
    const unreadable = (): void => {
      stats.corrupt++;
      if (stats.corruptAt.length < 5) stats.corruptAt.push(`${file}:${lineNo}`);
    };
    await scanLines(
      file,
      (buf, start, end, offset) => {
        lineNo++;
        if (offset === 0) {
          const bom = bomLength(buf, start, end);
          start += bom;
          offset += bom;
        }
        if (isBlank(buf, start, end)) return;
        stats.lines++;
        let line: unknown;
        try {
          line = JSON.parse(buf.toString('utf8', start, end));
        } catch {
          unreadable();
          return;
        }
        if (!line || typeof line !== 'object' || Array.isArray(line)) {
          unreadable();
          return;
        }
        const a = parseOutputLine(line as Record<string, unknown>);
        const slot = table.slot(a.customId);
        if (slot === undefined) {
          stats.unknown++;
          return;
        }
        if (seen[slot]) stats.duplicates++;
        else seenCount++;
        seen[slot] = 1;
        fileOf[slot] = a.kind === 'not-run' ? -1 : f;
        offsetOf[slot] = offset;
        lengthOf[slot] = end - start;
      },
      { lastLine: true },
    );
  }
  let answered = 0;
  for (let s = 0; s < fileOf.length; s++) if (fileOf[s] >= 0) answered++;
  stats.answered = answered;
  stats.notRun = seenCount - answered;
  return { answers: new BatchAnswers(files, table, read, fileOf, offsetOf, lengthOf, answered), stats };
}

/** A predictor answering from imported batch results: what the model said when the batch ran the unit. */
function replayPredictor(id: string, variant: string, answers: BatchAnswers): Predictor {
  return {
    id,
    kind: 'llm',
    predict(req): Promise<PredictResponse> {
      let a: Replay | undefined;
      try {
        a = answers.get(req.testCase.id, variant, req.sample);
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
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
    const tc = prepared.cases.at(0);
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
  // Ids and slots only: the answers are looked up by unit, never the other way round.
  const table = new IdTable(batchDir(runDir), { units: false });
  if (!table.size)
    throw new Error(
      `run ${manifest.id} has no batch requests (${path.join(batchDir(runDir), 'ids.jsonl')} is missing)`,
    );
  const prepared = await prepareRun(runDir, manifest, o);
  const { answers, stats } = await readAnswers(o.files, table, await answerReader(prepared));
  const root = path.dirname(path.dirname(runDir));
  const store = await openRunStore({
    root,
    dir: runDir,
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
  const skipVariants = new Set(variants.filter((v) => v.kind === 'baseline').map((v) => v.id));
  for (const v of variants) {
    if (v.kind === 'baseline') continue;
    const samples = Math.max(1, v.samples);
    for (let c = 0; c < prepared.cases.length; c++) {
      const id = caseIdAt(prepared.cases, c);
      for (let s = 0; s < samples; s++) if (!answers.has(id, v.id, s)) skip.add(unitKey(id, v.id, s));
    }
  }
  const handle = runEval({
    store,
    cases: prepared.cases,
    variants,
    scoring: prepared.scoring,
    concurrency: 64,
    skip,
    skipVariants,
    skippedStatus: o.pendingStatus ?? 'cancelled',
  });
  try {
    const summary = await handle.done;
    await markOfflineImported(runDir, answers);
    return { stats, summary };
  } finally {
    answers.close();
  }
}

/**
 * Marks the offline exports this import answered as imported (status `imported`, with what this import found for
 * their requests), so `ubp batch status` does not go on listing them as merely exported. An export none of whose
 * requests were in the files is left as it was.
 */
async function markOfflineImported(runDir: string, answers: BatchAnswers): Promise<void> {
  const state = readBatchState(runDir);
  let changed = false;
  const now = new Date().toISOString();
  for (const b of state.batches) {
    if (b.format !== 'offline') continue;
    const file = path.join(batchDir(runDir), `${b.name}.ids`);
    if (!existsSync(file)) continue;
    // Streamed: an export of a million requests has a million ids.
    let ids = 0;
    let lines = 0;
    await scanLines(file, (buf, start, end) => {
      if (isBlank(buf, start, end)) return;
      ids++;
      if (answers.answersId(buf.toString('utf8', start, end))) lines++;
    });
    if (!lines) continue;
    Object.assign(b, { status: 'imported', importedAt: now, updatedAt: now });
    b.imported = { lines, notRun: ids - lines };
    changed = true;
  }
  if (changed) writeBatchState(runDir, state);
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
    // Nothing is sent: no tokenizer (its tables are ~75 MB at a million units' scale).
    tokenizer: false,
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
