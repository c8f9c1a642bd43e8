// The batch life cycle of a run: submit (write the pending requests, upload, create, record), refresh (poll
// every open batch; fetch and import the results of finished ones), cancel, and the offline export. Each step
// records what it did in batch/batches.json before the next, so a restart picks up where it stopped.
import path from 'node:path';
import type { ModelConfig } from '../config';
import type { RunSummary } from '../run/events';
import { originOf } from '../models/origin';
import { baseUrlOf } from '../models/providers';
import type { PrepareOptions, PreparedEval } from '../run/prepare';
import { runEval } from '../run/runner';
import { readRunManifest, type RunStore } from '../run/store';
import { batchFormatFor, createBatchClient, type BatchClient, type BatchInfo } from './clients';
import type { BatchFormatId, BatchLimits } from './formats';
import { importBatchResults, scoringOf, type ImportStats } from './importer';
import { writeBatchRequests } from './requests';
import {
  batchDir,
  isOpen,
  openBatchUnits,
  readBatchState,
  updateBatch,
  writeBatchState,
  type BatchRecord,
} from './state';

/** Provider batches are billed at half the interactive price (OpenAI and Anthropic alike). */
export const BATCH_PRICE_FACTOR = 0.5;

export type ClientFactory = (
  model: ModelConfig,
  apiKey: string | undefined,
) => BatchClient | Promise<BatchClient>;

export interface SubmitResult {
  runId: string;
  dir: string;
  /** The batches created (or that failed to be created: `error` set). */
  batches: BatchRecord[];
  requests: number;
  renderErrors: number;
  inOpenBatches: number;
  /** The run after baselines ran locally. */
  summary: RunSummary;
}

/** The key of a model entry, as the front end gives it (same rule as for interactive runs). */
export type KeyOf = PrepareOptions['getApiKey'];

/**
 * Writes the run's pending LLM requests as batches (one model per batch, split at the provider's limits),
 * uploads and creates them, and records them; the run's baselines are computed locally meanwhile. The run ends
 * with status "batch" while batches are open.
 */
export async function submitBatches(
  prepared: PreparedEval,
  o: {
    getApiKey: KeyOf;
    limits?: Partial<BatchLimits>;
    createClient?: ClientFactory;
    log?: (line: string) => void;
  },
): Promise<SubmitResult> {
  const store = await prepared.openStore();
  const log = o.log ?? (() => {});
  const batches: BatchRecord[] = [];
  let written;
  try {
    const exclude = openBatchUnits(store.dir);
    const state = readBatchState(store.dir);
    written = await writeBatchRequests(
      prepared,
      store.dir,
      store.previous,
      exclude,
      { kind: 'provider', limits: o.limits },
      state.batches.length + 1,
    );
    // Recorded before anything is sent: a crash mid-way leaves "written" parts, never sent twice by us.
    state.batches.push(...written.parts.map(({ file: _f, ...r }) => r));
    writeBatchState(store.dir, state);
    const make = o.createClient ?? createBatchClient;
    const clients = new Map<string, BatchClient>();
    for (const part of written.parts) {
      const model = prepared.config.models.find((m) => m.id === part.model)!;
      try {
        // Inside the try: a client that cannot be made leaves its parts not-created (with why), not "written".
        let client = clients.get(model.id);
        if (!client) {
          client = await make(model, await o.getApiKey(model, originOf(baseUrlOf(model)!)));
          clients.set(model.id, client);
        }
        const made = await client.create(part.file, { ubp_run: store.id, ubp_part: part.name });
        batches.push(
          updateBatch(store.dir, part.name, {
            batchId: made.batchId,
            ...(made.inputFileId ? { inputFileId: made.inputFileId } : {}),
            ...infoPatch(made.info),
          }),
        );
        log(`batch ${part.name}: ${part.requests} requests, ${made.batchId} (${made.info.status})`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        batches.push(updateBatch(store.dir, part.name, { status: 'not-created', terminal: true, error }));
        log(`batch ${part.name}: not created: ${error}`);
      }
    }
  } catch (e) {
    store.close({ status: 'failed', error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  const summary = await runLocalOnly(prepared, store);
  return {
    runId: store.id,
    dir: store.dir,
    batches,
    requests: written.requests,
    renderErrors: written.renderErrors,
    inOpenBatches: written.inOpenBatches,
    summary,
  };
}

/** Runs the baselines (local, no request) and leaves every LLM unit to its batch. */
async function runLocalOnly(prepared: PreparedEval, store: RunStore): Promise<RunSummary> {
  const skipVariants = new Set(prepared.variants.filter((v) => v.kind === 'llm').map((v) => v.id));
  const open = readBatchState(store.dir).batches.some(isOpen);
  return runEval({
    store,
    cases: prepared.cases,
    variants: prepared.variants,
    scoring: scoringOf(prepared),
    skipVariants,
    skippedStatus: open ? 'batch' : 'cancelled',
  }).done;
}

function infoPatch(i: BatchInfo): Partial<BatchRecord> {
  const p: Partial<BatchRecord> = { status: i.status, terminal: i.terminal, counts: i.counts };
  if (i.outputFileId) p.outputFileId = i.outputFileId;
  if (i.errorFileId) p.errorFileId = i.errorFileId;
  if (i.resultsUrl) p.resultsUrl = i.resultsUrl;
  if (i.expiresAt) p.expiresAt = i.expiresAt;
  return p;
}

export interface RefreshResult {
  batches: BatchRecord[];
  /** Import figures per batch imported in this call. */
  imported: { name: string; stats: ImportStats }[];
  /** The run's status after the imports (unchanged when nothing was imported). */
  status: string;
}

/** Builds a client per model of a run's manifest. */
async function clientsFor(
  runDir: string,
  o: { getApiKey: KeyOf; createClient?: ClientFactory },
): Promise<(modelId: string) => Promise<BatchClient>> {
  const manifest = readRunManifest(runDir);
  const models = (manifest.config as { models?: ModelConfig[] }).models ?? [];
  const make = o.createClient ?? createBatchClient;
  const cache = new Map<string, BatchClient>();
  return async (id) => {
    let c = cache.get(id);
    if (c) return c;
    const model = models.find((m) => m.id === id);
    if (!model) throw new Error(`run ${manifest.id} has no model "${id}"`);
    c = await make(model, await o.getApiKey(model, originOf(baseUrlOf(model)!)));
    cache.set(id, c);
    return c;
  };
}

/**
 * Polls every open batch of a run once; a batch that has ended is downloaded (batch/<name>.output.jsonl,
 * .errors.jsonl) and imported into results.jsonl. Safe to call again at any time, from any process.
 */
export async function refreshBatches(
  runDir: string,
  o: { getApiKey: KeyOf; createClient?: ClientFactory; packageRoot?: string; log?: (line: string) => void },
): Promise<RefreshResult> {
  const clientOf = await clientsFor(runDir, o);
  const result: RefreshResult = { batches: [], imported: [], status: readRunManifest(runDir).status };
  for (const b of readBatchState(runDir).batches) {
    if (!isOpen(b)) continue;
    const client = await clientOf(b.model);
    let rec = updateBatch(runDir, b.name, infoPatch(await client.retrieve(b.batchId!)));
    if (rec.terminal) {
      const dest = {
        output: path.join(batchDir(runDir), `${b.name}.output.jsonl`),
        errors: path.join(batchDir(runDir), `${b.name}.errors.jsonl`),
      };
      const files = await client.download(toInfo(rec), dest);
      const others = readBatchState(runDir).batches.some((x) => x.name !== b.name && isOpen(x));
      const { stats, summary } = await importBatchResults(runDir, {
        files: [files.output, files.errors].filter((f): f is string => f !== undefined),
        getApiKey: o.getApiKey,
        costFactor: BATCH_PRICE_FACTOR,
        pendingStatus: others ? 'batch' : 'cancelled',
        tool: 'ubp batch status',
        ...(o.packageRoot ? { packageRoot: o.packageRoot } : {}),
      });
      // An ended batch's requests with no line in its files never ran too: a cancel (OpenAI's, the test server's)
      // lists only what ran, so a batch cancelled early has no "not run" lines at all.
      const notRun = Math.max(stats.notRun, b.requests - stats.answered);
      rec = updateBatch(runDir, b.name, {
        importedAt: new Date().toISOString(),
        imported: { lines: stats.answered, notRun },
      });
      result.imported.push({ name: b.name, stats });
      result.status = summary.status;
      o.log?.(
        `batch ${b.name}: ${rec.status}; imported ${stats.answered} answers${notRun ? `, ${notRun} never ran` : ''}`,
      );
    }
    result.batches.push(rec);
  }
  return result;
}

function toInfo(r: BatchRecord): BatchInfo {
  const i: BatchInfo = {
    status: r.status,
    terminal: r.terminal ?? false,
    counts: r.counts ?? { total: r.requests, completed: 0, failed: 0 },
  };
  if (r.outputFileId) i.outputFileId = r.outputFileId;
  if (r.errorFileId) i.errorFileId = r.errorFileId;
  if (r.resultsUrl) i.resultsUrl = r.resultsUrl;
  return i;
}

/** Asks the provider to cancel every open batch of a run (their finished answers are still imported by refresh). */
export async function cancelBatches(
  runDir: string,
  o: { getApiKey: KeyOf; createClient?: ClientFactory },
): Promise<BatchRecord[]> {
  const clientOf = await clientsFor(runDir, o);
  const out: BatchRecord[] = [];
  for (const b of readBatchState(runDir).batches) {
    if (!isOpen(b) || b.terminal) continue;
    const client = await clientOf(b.model);
    out.push(updateBatch(runDir, b.name, infoPatch(await client.cancel(b.batchId!))));
  }
  return out;
}

export interface ExportResult {
  runId: string;
  dir: string;
  file: string;
  requests: number;
  renderErrors: number;
  summary: RunSummary;
}

/**
 * The offline path: creates (or resumes) the run folder, writes every pending LLM request to `out` in OpenAI's
 * batch format (what `vllm run-batch` reads), and computes the baselines. `importBatchResults` reads the answers.
 */
export async function exportBatchFile(prepared: PreparedEval, out: string): Promise<ExportResult> {
  const models = [...new Set(prepared.variants.filter((v) => v.kind === 'llm').map((v) => v.model))];
  // vLLM serves one model per process and refuses bodies naming another.
  if (models.length !== 1)
    throw new Error(
      models.length
        ? `the run has ${models.length} models (${models.join(', ')}): export one at a time with --models (vLLM serves one model per process)`
        : 'the run has no model to export (only baselines)',
    );
  const store = await prepared.openStore();
  let written;
  try {
    const state = readBatchState(store.dir);
    written = await writeBatchRequests(
      prepared,
      store.dir,
      store.previous,
      openBatchUnits(store.dir),
      { kind: 'offline', out },
      state.batches.length + 1,
    );
    state.batches.push(...written.parts.map(({ file, ...r }) => ({ ...r, file })));
    writeBatchState(store.dir, state);
  } catch (e) {
    store.close({ status: 'failed', error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  const summary = await runLocalOnly(prepared, store);
  return {
    runId: store.id,
    dir: store.dir,
    file: out,
    requests: written.requests,
    renderErrors: written.renderErrors,
    summary,
  };
}

export interface BatchOffer {
  /** Model entries whose provider batches (their requests can go in a batch). */
  models: { id: string; format: BatchFormatId; priceFactor: number }[];
  /** Model entries that cannot, and why (a local server, a provider without a batch API…). */
  refused: { id: string; reason: string }[];
  /** The estimate's cost at batch prices (null when some model has no price or cannot batch). */
  costUsd: number | null;
}

/**
 * What batch mode would do for a prepared eval, for a front end to offer it (e.g. "Run UBP Eval": interactive at
 * $x, or as a batch at $y within 24 hours): which of its models can batch, and the estimated cost at batch prices.
 */
export async function batchOffer(prepared: PreparedEval): Promise<BatchOffer> {
  const ids = [...new Set(prepared.variants.filter((v) => v.kind === 'llm').map((v) => v.model))];
  const offer: BatchOffer = { models: [], refused: [], costUsd: prepared.estimate.costUsd };
  for (const id of ids) {
    const model = prepared.config.models.find((m) => m.id === id)!;
    const f = await batchFormatFor(model);
    if ('refused' in f) offer.refused.push({ id, reason: f.refused });
    else offer.models.push({ id, format: f.format, priceFactor: f.priceFactor });
  }
  // A submit takes every model of the run or none: with a refused model there is no batch price to show.
  if (offer.refused.length || !offer.models.length) offer.costUsd = null;
  // Every batching provider bills at one factor today (0.5); the largest is the safe side.
  else if (offer.costUsd !== null) offer.costUsd *= Math.max(...offer.models.map((m) => m.priceFactor));
  return offer;
}
