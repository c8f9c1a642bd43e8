// The test server's batch APIs: OpenAI's `/v1/files` + `/v1/batches` and Anthropic's `/v1/messages/batches`,
// in memory. A batch moves one step per status poll (validating → in_progress → finalizing → completed; Anthropic:
// in_progress → ended), answering `requestsPerPoll` requests per poll while in progress with the same answer the
// chat endpoint gives; failed requests go to the error file; `expire(id)` and the cancel endpoints end a batch
// early with the answers made so far. Deterministic: state changes only on requests (`setStatusDelay` only holds
// a status answer back, to show whether a client ever has two status requests in flight).
import type http from 'node:http';

export interface BatchEmulatorOptions {
  /** The model's text for messages, as the chat endpoint answers them. */
  answer: (messages: { role: string; content: string }[], body: Record<string, unknown>) => string;
  /** Model named in answers when a body has none. */
  defaultModel: string;
  reasoningTokens?: number;
}

/** A request a batch should fail (HTTP status and message), or undefined to answer it. */
export type BatchFailure = (
  customId: string,
  body: Record<string, unknown>,
) => { status: number; message: string } | undefined;

export interface BatchEmulator {
  /** Serves the request when it is a batch route (true), else leaves it (false). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string, path: string): boolean;
  /** Requests answered per status poll while in progress (default: all at once). */
  setRequestsPerPoll(n: number): void;
  setFailures(fail: BatchFailure | undefined): void;
  /** Milliseconds before a status request (OpenAI or Anthropic) is answered; its state step happens on arrival. */
  setStatusDelay(ms: number): void;
  /** Ends a batch as its completion window would: answered requests kept, the rest expired. */
  expire(batchId: string): void;
  stats(): {
    files: number;
    batches: number;
    created: number;
    answered: number;
    polls: number;
    /** The most status requests in flight at once (see `setStatusDelay`). */
    maxStatusInFlight: number;
  };
}

const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));
const CUSTOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const nowSec = (): number => Math.floor(Date.now() / 1000);
/** Both APIs give a batch 24 hours. */
const DAY_SEC = 24 * 3600;

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
  created_at: number;
}

interface Job {
  customId: string;
  body: Record<string, unknown>;
}

interface OpenAIBatch {
  kind: 'openai';
  id: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: string;
  metadata: Record<string, string> | null;
  created_at: number;
  jobs: Job[];
  next: number;
  output: string[];
  errors: string[];
  failed: number;
  validation?: { code: string; message: string; line?: number }[];
  output_file_id: string | null;
  error_file_id: string | null;
}

interface AnthropicBatch {
  kind: 'anthropic';
  id: string;
  status: 'in_progress' | 'canceling' | 'ended';
  created_at: string;
  jobs: Job[];
  next: number;
  results: string[];
  counts: { succeeded: number; errored: number; canceled: number; expired: number };
  resultsUrl: string | null;
}

export function createBatchEmulator(o: BatchEmulatorOptions): BatchEmulator {
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, OpenAIBatch | AnthropicBatch>();
  let perPoll = Infinity;
  let statusDelayMs = 0;
  let statusInFlight = 0;
  let maxStatusInFlight = 0;
  /** Answers a status request, after the status delay, counting the ones in flight meanwhile. */
  const sendStatus = (res: http.ServerResponse, body: unknown): void => {
    maxStatusInFlight = Math.max(maxStatusInFlight, ++statusInFlight);
    const done = (): void => {
      statusInFlight--;
      send(res, 200, body);
    };
    // Unref'd: a held-back answer whose client gave up must not keep the test process alive after close.
    if (statusDelayMs) setTimeout(done, statusDelayMs).unref();
    else done();
  };
  let failure: BatchFailure | undefined;
  let seq = 0;
  let created = 0;
  let answered = 0;
  let polls = 0;

  const send = (res: http.ServerResponse, status: number, payload: unknown): void => {
    const body = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const fail = (res: http.ServerResponse, status: number, message: string): void =>
    send(res, status, { error: { message, type: 'invalid_request_error' } });

  const chatMessages = (body: Record<string, unknown>): { role: string; content: string }[] =>
    (Array.isArray(body.messages) ? (body.messages as { role: string; content: unknown }[]) : []).map(
      (m) => ({
        role: m.role,
        content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
      }),
    );

  /** What /chat/completions answers for this body (same text and usage). */
  const chatCompletion = (customId: string, body: Record<string, unknown>): Record<string, unknown> => {
    const messages = chatMessages(body);
    const content = o.answer(messages, body);
    const text = messages.map((m) => m.content).join('\n');
    const reasoning = o.reasoningTokens ?? 0;
    const usage: Record<string, unknown> = {
      prompt_tokens: tokens(text),
      completion_tokens: tokens(content) + reasoning,
      total_tokens: tokens(text) + tokens(content) + reasoning,
    };
    if (reasoning) usage.completion_tokens_details = { reasoning_tokens: reasoning };
    return {
      id: `chatcmpl-batch-${customId}`,
      object: 'chat.completion',
      created: nowSec(),
      model: typeof body.model === 'string' ? body.model : o.defaultModel,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
      usage,
    };
  };

  const storeFile = (filename: string, purpose: string, content: string): StoredFile => {
    const f = { id: `file-${++seq}`, filename, purpose, content, created_at: nowSec() };
    files.set(f.id, f);
    return f;
  };
  const fileObject = (f: StoredFile) => ({
    id: f.id,
    object: 'file',
    bytes: Buffer.byteLength(f.content),
    created_at: f.created_at,
    filename: f.filename,
    purpose: f.purpose,
  });

  // ── OpenAI ────────────────────────────────────────────────────────────────────────────────────────────────
  const validate = (b: OpenAIBatch, content: string): void => {
    const errs: { code: string; message: string; line?: number }[] = [];
    const ids = new Set<string>();
    let model: unknown;
    const lines = content.split('\n').filter((l) => l.trim());
    if (lines.length > 50_000) errs.push({ code: 'too_many_requests', message: 'more than 50,000 requests' });
    if (Buffer.byteLength(content) > 200 * 1024 * 1024)
      errs.push({ code: 'file_too_large', message: 'over 200 MB' });
    lines.forEach((text, i) => {
      let l: { custom_id?: unknown; method?: unknown; url?: unknown; body?: Record<string, unknown> };
      try {
        l = JSON.parse(text) as typeof l;
      } catch {
        errs.push({ code: 'invalid_json_line', message: 'not JSON', line: i + 1 });
        return;
      }
      const id = String(l.custom_id ?? '');
      if (!CUSTOM_ID.test(id))
        errs.push({ code: 'invalid_custom_id', message: `bad custom_id "${id}"`, line: i + 1 });
      if (ids.has(id))
        errs.push({ code: 'duplicate_custom_id', message: `duplicate custom_id ${id}`, line: i + 1 });
      ids.add(id);
      if (l.method !== 'POST' || l.url !== b.endpoint)
        errs.push({ code: 'invalid_url', message: `expected POST ${b.endpoint}`, line: i + 1 });
      if (i === 0) model = l.body?.model;
      else if (l.body?.model !== model)
        errs.push({ code: 'mismatched_model', message: 'one model per batch', line: i + 1 });
      b.jobs.push({ customId: id, body: l.body ?? {} });
    });
    if (errs.length) b.validation = errs;
  };

  const runJobs = (jobs: Job[], from: number, n: number, onAnswer: (j: Job) => void): number => {
    const end = Math.min(jobs.length, from + n);
    for (let i = from; i < end; i++) onAnswer(jobs[i]!);
    return end;
  };

  const openaiStep = (b: OpenAIBatch): void => {
    const finishFiles = (): void => {
      if (b.output.length)
        b.output_file_id = storeFile(`${b.id}_output.jsonl`, 'batch_output', b.output.join('')).id;
      if (b.errors.length)
        b.error_file_id = storeFile(`${b.id}_error.jsonl`, 'batch_output', b.errors.join('')).id;
    };
    switch (b.status) {
      case 'validating':
        b.status = b.validation ? 'failed' : 'in_progress';
        return;
      case 'in_progress':
        b.next = runJobs(b.jobs, b.next, perPoll, (j) => {
          answered++;
          const f = failure?.(j.customId, j.body);
          const line = {
            id: `batch_req_${++seq}`,
            custom_id: j.customId,
            response: f
              ? {
                  status_code: f.status,
                  request_id: `req_${seq}`,
                  body: { error: { message: f.message, type: 'server_error' } },
                }
              : { status_code: 200, request_id: `req_${seq}`, body: chatCompletion(j.customId, j.body) },
            error: null,
          };
          if (f) {
            b.failed++;
            b.errors.push(JSON.stringify(line) + '\n');
          } else b.output.push(JSON.stringify(line) + '\n');
        });
        if (b.next >= b.jobs.length) b.status = 'finalizing';
        return;
      case 'finalizing':
        finishFiles();
        b.status = 'completed';
        return;
      case 'cancelling':
        finishFiles();
        b.status = 'cancelled';
        return;
    }
  };

  const openaiObject = (b: OpenAIBatch) => ({
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    input_file_id: b.input_file_id,
    completion_window: b.completion_window,
    status: b.status,
    output_file_id: b.output_file_id,
    error_file_id: b.error_file_id,
    created_at: b.created_at,
    expires_at: b.created_at + DAY_SEC,
    metadata: b.metadata,
    errors: b.validation ? { object: 'list', data: b.validation } : null,
    request_counts: { total: b.jobs.length, completed: b.next - b.failed, failed: b.failed },
  });

  const expireOpenAI = (b: OpenAIBatch): void => {
    for (const j of b.jobs.slice(b.next))
      b.errors.push(
        JSON.stringify({
          id: `batch_req_${++seq}`,
          custom_id: j.customId,
          response: null,
          error: {
            code: 'batch_expired',
            message: 'This request could not be executed before the completion window expired.',
          },
        }) + '\n',
      );
    if (b.output.length)
      b.output_file_id = storeFile(`${b.id}_output.jsonl`, 'batch_output', b.output.join('')).id;
    if (b.errors.length)
      b.error_file_id = storeFile(`${b.id}_error.jsonl`, 'batch_output', b.errors.join('')).id;
    b.status = 'expired';
  };

  // ── Anthropic ─────────────────────────────────────────────────────────────────────────────────────────────
  const anthropicMessage = (j: Job): Record<string, unknown> => {
    const p = j.body;
    const messages = [
      ...(typeof p.system === 'string' ? [{ role: 'system', content: p.system }] : []),
      ...chatMessages(p),
    ];
    const content = o.answer(messages, p);
    return {
      id: `msg_batch_${j.customId}`,
      type: 'message',
      role: 'assistant',
      model: typeof p.model === 'string' ? p.model : o.defaultModel,
      content: [{ type: 'text', text: content }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: tokens(messages.map((m) => m.content).join('\n')),
        output_tokens: tokens(content),
      },
    };
  };

  const anthropicEnd = (b: AnthropicBatch, rest: 'canceled' | 'expired', host: string): void => {
    for (const j of b.jobs.slice(b.next)) {
      b.counts[rest]++;
      b.results.push(JSON.stringify({ custom_id: j.customId, result: { type: rest } }) + '\n');
    }
    b.next = b.jobs.length;
    b.status = 'ended';
    b.resultsUrl = `http://${host}/v1/messages/batches/${b.id}/results`;
  };

  const anthropicStep = (b: AnthropicBatch, host: string): void => {
    if (b.status === 'canceling') return anthropicEnd(b, 'canceled', host);
    if (b.status !== 'in_progress') return;
    b.next = runJobs(b.jobs, b.next, perPoll, (j) => {
      answered++;
      const f = failure?.(j.customId, j.body);
      if (f) b.counts.errored++;
      else b.counts.succeeded++;
      const result = f
        ? { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: f.message } } }
        : { type: 'succeeded', message: anthropicMessage(j) };
      b.results.push(JSON.stringify({ custom_id: j.customId, result }) + '\n');
    });
    if (b.next >= b.jobs.length) anthropicEnd(b, 'expired', host);
  };

  const anthropicObject = (b: AnthropicBatch) => ({
    id: b.id,
    type: 'message_batch',
    processing_status: b.status,
    request_counts: { processing: b.jobs.length - b.next, ...b.counts },
    created_at: b.created_at,
    expires_at: new Date(Date.parse(b.created_at) + DAY_SEC * 1000).toISOString(),
    ended_at: b.status === 'ended' ? new Date().toISOString() : null,
    results_url: b.resultsUrl,
  });

  let lastHost = '127.0.0.1';

  return {
    handle(req, res, raw, path) {
      const method = req.method ?? 'GET';
      lastHost = req.headers.host ?? lastHost;
      // Anthropic Message Batches.
      let m = /^\/v1\/messages\/batches(?:\/([^/]+))?(?:\/(cancel|results))?$/.exec(path);
      if (m) {
        const [, id, action] = m;
        if (!id && method === 'POST') {
          let body: { requests?: { custom_id?: unknown; params?: Record<string, unknown> }[] };
          try {
            body = JSON.parse(raw) as typeof body;
          } catch {
            fail(res, 400, 'body is not JSON');
            return true;
          }
          const reqs = body.requests ?? [];
          const ids = new Set<string>();
          for (const r of reqs) {
            const cid = String(r.custom_id ?? '');
            if (!CUSTOM_ID.test(cid) || ids.has(cid) || !r.params) {
              fail(res, 400, `bad or duplicate custom_id "${cid}"`);
              return true;
            }
            if (typeof r.params.max_tokens !== 'number') {
              fail(res, 400, `${cid}: params.max_tokens: Field required`);
              return true;
            }
            ids.add(cid);
          }
          if (!reqs.length || reqs.length > 100_000) {
            fail(res, 400, 'a batch holds 1 to 100,000 requests');
            return true;
          }
          const b: AnthropicBatch = {
            kind: 'anthropic',
            id: `msgbatch_${++seq}`,
            status: 'in_progress',
            created_at: new Date().toISOString(),
            jobs: reqs.map((r) => ({ customId: String(r.custom_id), body: r.params! })),
            next: 0,
            results: [],
            counts: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
            resultsUrl: null,
          };
          batches.set(b.id, b);
          created++;
          send(res, 200, anthropicObject(b));
          return true;
        }
        const b = id ? batches.get(id) : undefined;
        if (!b || b.kind !== 'anthropic') {
          fail(res, 404, `no message batch ${id}`);
          return true;
        }
        if (action === 'cancel' && method === 'POST') {
          if (b.status === 'in_progress') b.status = 'canceling';
          send(res, 200, anthropicObject(b));
        } else if (action === 'results' && method === 'GET') {
          if (b.status !== 'ended') fail(res, 400, 'results are available once the batch has ended');
          else {
            const body = b.results.join('');
            res.writeHead(200, {
              'content-type': 'application/binary',
              'content-length': Buffer.byteLength(body),
            });
            res.end(body);
          }
        } else if (!action && method === 'GET') {
          polls++;
          anthropicStep(b, req.headers.host ?? '127.0.0.1');
          sendStatus(res, anthropicObject(b));
        } else fail(res, 405, `${method} not allowed`);
        return true;
      }
      // OpenAI files.
      m = /^\/v1\/files(?:\/([^/]+))?(\/content)?$/.exec(path);
      if (m) {
        const [, id, content] = m;
        if (!id && method === 'POST') {
          void new Response(raw, { headers: { 'content-type': String(req.headers['content-type'] ?? '') } })
            .formData()
            .then(async (form) => {
              const file = form.get('file');
              const purpose = form.get('purpose');
              if (!file || typeof file === 'string' || purpose !== 'batch') {
                fail(res, 400, "expected a file and purpose 'batch'");
                return;
              }
              send(res, 200, fileObject(storeFile(file.name, purpose, await file.text())));
            })
            .catch((e: unknown) => fail(res, 400, `bad multipart body: ${String(e)}`));
          return true;
        }
        const f = id ? files.get(id) : undefined;
        if (!f) fail(res, 404, `no file ${id}`);
        else if (content) {
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': Buffer.byteLength(f.content),
          });
          res.end(f.content);
        } else send(res, 200, fileObject(f));
        return true;
      }
      // OpenAI batches.
      m = /^\/v1\/batches(?:\/([^/]+))?(\/cancel)?$/.exec(path);
      if (m) {
        const [, id, cancel] = m;
        if (!id && method === 'POST') {
          let body: {
            input_file_id?: string;
            endpoint?: string;
            completion_window?: string;
            metadata?: Record<string, string>;
          };
          try {
            body = JSON.parse(raw) as typeof body;
          } catch {
            fail(res, 400, 'body is not JSON');
            return true;
          }
          const input = body.input_file_id ? files.get(body.input_file_id) : undefined;
          if (!input || input.purpose !== 'batch') {
            fail(res, 400, `no batch input file ${body.input_file_id}`);
            return true;
          }
          if (body.endpoint !== '/v1/chat/completions' || body.completion_window !== '24h') {
            fail(res, 400, 'endpoint must be /v1/chat/completions and completion_window 24h');
            return true;
          }
          const b: OpenAIBatch = {
            kind: 'openai',
            id: `batch_${++seq}`,
            endpoint: body.endpoint,
            input_file_id: input.id,
            completion_window: body.completion_window,
            status: 'validating',
            metadata: body.metadata ?? null,
            created_at: nowSec(),
            jobs: [],
            next: 0,
            output: [],
            errors: [],
            failed: 0,
            output_file_id: null,
            error_file_id: null,
          };
          validate(b, input.content);
          batches.set(b.id, b);
          created++;
          send(res, 200, openaiObject(b));
          return true;
        }
        const b = id ? batches.get(id) : undefined;
        if (!b || b.kind !== 'openai') {
          fail(res, 404, `no batch ${id}`);
          return true;
        }
        if (cancel && method === 'POST') {
          if (['validating', 'in_progress', 'finalizing'].includes(b.status)) b.status = 'cancelling';
          send(res, 200, openaiObject(b));
        } else if (!cancel && method === 'GET') {
          polls++;
          openaiStep(b);
          sendStatus(res, openaiObject(b));
        } else fail(res, 405, `${method} not allowed`);
        return true;
      }
      return false;
    },
    setRequestsPerPoll(n) {
      perPoll = n;
    },
    setFailures(f) {
      failure = f;
    },
    setStatusDelay(ms) {
      statusDelayMs = ms;
    },
    expire(batchId) {
      const b = batches.get(batchId);
      if (!b) throw new Error(`no batch ${batchId}`);
      if (b.kind === 'openai') expireOpenAI(b);
      else if (b.status !== 'ended') anthropicEnd(b, 'expired', lastHost);
    },
    stats: () => ({
      files: files.size,
      batches: batches.size,
      created,
      answered,
      polls,
      maxStatusInFlight,
    }),
  };
}
