// The batch APIs of the providers, behind one small interface: OpenAI's (`/files` + `/batches`, through the
// `openai` package) and Anthropic's Message Batches (`/messages/batches`, plain fetch). Which one a model entry
// uses, or why it cannot batch, is decided by `batchFormatFor`. The key is bound to the endpoint's origin, as for
// interactive requests, and redirects are refused.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type OpenAI from 'openai';
import type { ModelConfig } from '../config';
import { assertKeyOrigin, originOf } from '../models/origin';
import { endpointOf, loadProvider } from '../models/providers';
import { redactSecrets } from '../models/retry';
import { OPENAI_BATCH_ENDPOINT, type BatchFormatId } from './formats';
import type { BatchCounts } from './state';

/** What a provider says about one batch. */
export interface BatchInfo {
  status: string;
  /** True when the batch will not change any more (its results, if any, can be fetched). */
  terminal: boolean;
  counts: BatchCounts;
  outputFileId?: string;
  errorFileId?: string;
  resultsUrl?: string;
  /** When the provider gives up on the batch (ISO 8601), when it says. */
  expiresAt?: string;
}

export interface BatchClient {
  readonly format: BatchFormatId;
  /** Uploads a part's input file (JSONL of request lines) and creates the batch. */
  create(
    inputFile: string,
    metadata: Record<string, string>,
  ): Promise<{ batchId: string; inputFileId?: string; info: BatchInfo }>;
  retrieve(batchId: string): Promise<BatchInfo>;
  cancel(batchId: string): Promise<BatchInfo>;
  /** Streams the batch's results to files: output lines first, then error lines (absent ones are skipped). */
  download(
    info: BatchInfo,
    dest: { output: string; errors: string },
  ): Promise<{ output?: string; errors?: string }>;
}

/** The batch format of a model entry (its provider's batch API), or why it has none. */
export async function batchFormatFor(
  model: ModelConfig,
): Promise<{ format: BatchFormatId; priceFactor: number; baseUrl: string } | { refused: string }> {
  let endpoint;
  try {
    endpoint = endpointOf(model);
  } catch (e) {
    return { refused: e instanceof Error ? e.message : String(e) };
  }
  const provider = await loadProvider(endpoint.provider);
  const preset = endpoint.preset;
  if (!provider.batch)
    return { refused: `model "${model.id}": the ${provider.label} provider has no batch API` };
  if (preset?.local)
    return {
      refused: `model "${model.id}" is a local ${preset.label} server, which has no batch API: use \`ubp batch export\` and \`vllm run-batch\` (docs/batch.md)`,
    };
  if (preset && preset.id !== 'openai' && preset.id !== 'anthropic')
    return { refused: `model "${model.id}": ${preset.label} has no batch API of this kind` };
  return {
    format: provider.batch.format,
    priceFactor: provider.batch.priceFactor,
    baseUrl: endpoint.baseUrl,
  };
}

/** A fetch that never sends the key outside its origin and never follows a redirect. */
function guardedFetch(keyOrigin: string | undefined): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (keyOrigin) assertKeyOrigin(keyOrigin, url);
    return fetch(input, { ...init, redirect: 'error' });
  };
}

/**
 * How long a batch API call may take. A provider that stops answering must not hold `ubp batch status` or the
 * extension's poller forever (the openai client's own default is 10 minutes, plain fetch has none): status and
 * cancel calls get `controlMs`, uploads and downloads of up to 200–256 MB `transferMs`.
 */
export interface BatchTimeouts {
  controlMs: number;
  transferMs: number;
}
export const BATCH_TIMEOUTS: BatchTimeouts = { controlMs: 60_000, transferMs: 30 * 60_000 };

export async function createBatchClient(
  model: ModelConfig,
  apiKey: string | undefined,
  timeouts: BatchTimeouts = BATCH_TIMEOUTS,
): Promise<BatchClient> {
  const f = await batchFormatFor(model);
  if ('refused' in f) throw new Error(f.refused);
  const baseUrl = f.baseUrl;
  const keyOrigin = apiKey ? originOf(baseUrl) : undefined;
  const safe = (e: unknown): Error =>
    new Error(redactSecrets(e instanceof Error ? e.message : String(e), [apiKey]));
  // The provider modules (and the openai package) load on first use, as for interactive runs.
  const client =
    f.format === 'openai'
      ? openaiClient((await import('openai')).OpenAI, baseUrl, apiKey, keyOrigin, timeouts)
      : anthropicClient(
          (await import('../models/providers/anthropic')).ANTHROPIC_VERSION,
          baseUrl,
          apiKey,
          keyOrigin,
          timeouts,
        );
  // Every failure leaves here with the key scrubbed from its message.
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (e) {
        throw safe(e);
      }
    };
  return {
    format: client.format,
    create: wrap(client.create),
    retrieve: wrap(client.retrieve),
    cancel: wrap(client.cancel),
    download: wrap(client.download),
  };
}

async function saveBody(body: ReadableStream<Uint8Array> | null, file: string): Promise<void> {
  if (!body) throw new Error('empty response body');
  await pipeline(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), createWriteStream(file));
}

// ── OpenAI ─────────────────────────────────────────────────────────────────────────────────────────────────────

const OPENAI_TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

function openaiClient(
  OpenAIClient: typeof OpenAI,
  baseUrl: string,
  apiKey: string | undefined,
  keyOrigin: string | undefined,
  timeouts: BatchTimeouts,
): BatchClient {
  const client = new OpenAIClient({
    baseURL: baseUrl,
    apiKey: apiKey ?? 'no-key',
    organization: null,
    project: null,
    maxRetries: 2,
    timeout: timeouts.controlMs,
    fetch: guardedFetch(keyOrigin),
    defaultHeaders: apiKey ? {} : { Authorization: null },
    logLevel: 'off',
  });
  const info = (b: OpenAI.Batches.Batch): BatchInfo => {
    const c = b.request_counts;
    // OpenAI's `completed` counts successes only; ours counts every answered request (as Anthropic's does).
    const failed = c?.failed ?? 0;
    const i: BatchInfo = {
      status: b.status,
      terminal: OPENAI_TERMINAL.has(b.status),
      counts: { total: c?.total ?? 0, completed: (c?.completed ?? 0) + failed, failed },
    };
    if (b.output_file_id) i.outputFileId = b.output_file_id;
    if (b.error_file_id) i.errorFileId = b.error_file_id;
    if (typeof b.expires_at === 'number') i.expiresAt = new Date(b.expires_at * 1000).toISOString();
    return i;
  };
  return {
    format: 'openai',
    async create(inputFile, metadata) {
      const file = await client.files.create(
        { file: createReadStream(inputFile), purpose: 'batch' },
        { timeout: timeouts.transferMs },
      );
      const batch = await client.batches.create({
        input_file_id: file.id,
        endpoint: OPENAI_BATCH_ENDPOINT,
        completion_window: '24h',
        metadata,
      });
      return { batchId: batch.id, inputFileId: file.id, info: info(batch) };
    },
    retrieve: async (id) => info(await client.batches.retrieve(id)),
    cancel: async (id) => info(await client.batches.cancel(id)),
    async download(i, dest) {
      const out: { output?: string; errors?: string } = {};
      if (i.outputFileId) {
        await saveBody(
          (await client.files.content(i.outputFileId, { timeout: timeouts.transferMs })).body,
          dest.output,
        );
        out.output = dest.output;
      }
      if (i.errorFileId) {
        await saveBody(
          (await client.files.content(i.errorFileId, { timeout: timeouts.transferMs })).body,
          dest.errors,
        );
        out.errors = dest.errors;
      }
      return out;
    },
  };
}

// ── Anthropic Message Batches ─────────────────────────────────────────────────────────────────────────────────

function anthropicClient(
  version: string,
  baseUrl: string,
  apiKey: string | undefined,
  keyOrigin: string | undefined,
  timeouts: BatchTimeouts,
): BatchClient {
  const doFetch = guardedFetch(keyOrigin);
  // The provider's base URL is the API root (requests go to <root>/v1/…), as for interactive requests.
  const root = `${baseUrl.replace(/\/v1$/, '')}/v1`;
  const headers = (json: boolean): Record<string, string> => ({
    'anthropic-version': version,
    ...(apiKey ? { 'x-api-key': apiKey } : {}),
    ...(json ? { 'content-type': 'application/json' } : {}),
  });
  const call = async (
    method: string,
    url: string,
    body?: string,
    timeoutMs = timeouts.controlMs,
  ): Promise<Response> => {
    const res = await doFetch(url, {
      method,
      headers: headers(body !== undefined),
      body,
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((e: unknown) => {
      if ((e as Error)?.name === 'TimeoutError')
        throw new Error(`${method} ${new URL(url).pathname}: no answer within ${timeoutMs / 1000} s`);
      throw e;
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let message = text.slice(0, 300);
      try {
        const e = (JSON.parse(text) as { error?: { message?: string } }).error;
        if (e?.message) message = e.message;
      } catch {
        /* not JSON: keep the text */
      }
      throw new Error(`HTTP ${res.status} from ${method} ${new URL(url).pathname}: ${message}`);
    }
    return res;
  };
  interface MessageBatch {
    id: string;
    processing_status: string;
    request_counts?: {
      processing?: number;
      succeeded?: number;
      errored?: number;
      canceled?: number;
      expired?: number;
    };
    results_url?: string | null;
    expires_at?: string | null;
  }
  const info = (b: MessageBatch): BatchInfo => {
    const c = b.request_counts ?? {};
    const failed = (c.errored ?? 0) + (c.canceled ?? 0) + (c.expired ?? 0);
    const completed = (c.succeeded ?? 0) + failed;
    const i: BatchInfo = {
      status: b.processing_status,
      terminal: b.processing_status === 'ended',
      counts: { total: completed + (c.processing ?? 0), completed, failed },
    };
    if (b.results_url) i.resultsUrl = b.results_url;
    if (b.expires_at) i.expiresAt = b.expires_at;
    return i;
  };
  return {
    format: 'anthropic',
    async create(inputFile, _metadata) {
      // The input file holds one {custom_id, params} per line: the create body is them as one array.
      const lines = readFileSync(inputFile, 'utf8').split('\n').filter(Boolean);
      const res = await call(
        'POST',
        `${root}/messages/batches`,
        `{"requests":[${lines.join(',')}]}`,
        timeouts.transferMs,
      );
      const b = (await res.json()) as MessageBatch;
      return { batchId: b.id, info: info(b) };
    },
    retrieve: async (id) =>
      info((await (await call('GET', `${root}/messages/batches/${id}`)).json()) as MessageBatch),
    cancel: async (id) =>
      info((await (await call('POST', `${root}/messages/batches/${id}/cancel`)).json()) as MessageBatch),
    async download(i, dest) {
      if (!i.resultsUrl) return {};
      await saveBody((await call('GET', i.resultsUrl, undefined, timeouts.transferMs)).body, dest.output);
      return { output: dest.output };
    },
  };
}
