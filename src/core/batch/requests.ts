// Writing a run's pending LLM requests as batch input: one request line per unit (case, variant, sample) that
// has no final line and is in no open batch, with exactly the body an interactive request would send. Parts are
// per model entry (OpenAI requires one model per batch) and split at the provider's limits; an offline export is
// one file in OpenAI's format (what `vllm run-batch` reads).
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { ModelConfig } from '../config';
import type { PreparedEval } from '../run/prepare';
import type { RunVariant } from '../run/runner';
import { fdSink, LineBuffer } from '../run/lineBuffer';
import { unitKey } from '../run/store';
import type { LlmPredictor } from '../models/providers';
import type { Outcome } from '../types';
import { batchFormatFor } from './clients';
import {
  BATCH_LIMITS,
  anthropicRequestLine,
  lineBytes,
  openaiRequestLine,
  type BatchFormatId,
  type BatchLimits,
} from './formats';
import { IdTable, type BatchUnit } from './ids';
import { batchDir, type BatchRecord } from './state';

/** What a provider's predictor would send for a request (LlmPredictor.requestBody). */
export function bodyOf(v: RunVariant): LlmPredictor['requestBody'] {
  const p = v.predictor as Partial<LlmPredictor>;
  if (typeof p.requestBody !== 'function')
    throw new Error(`model "${v.model}" cannot be batched: its provider does not expose its request body`);
  return p.requestBody.bind(p);
}

export interface WriteTarget {
  /** `provider`: parts in the run's batch/ folder, in each model's format; `offline`: one OpenAI-format file. */
  kind: 'provider' | 'offline';
  /** The offline file. */
  out?: string;
  /** Lower limits than the provider's (tests, or smaller batches by choice). */
  limits?: Partial<BatchLimits>;
}

export interface WrittenRequests {
  /** New batch records (status "written" or "exported"), not yet in the state file. */
  parts: (BatchRecord & { file: string })[];
  requests: number;
  /** Units whose template failed to render (left pending: `ubp run` records the error). */
  renderErrors: number;
  /** Units skipped because an open batch holds them. */
  inOpenBatches: number;
}

/** Every LLM unit of the run that still needs an answer, as request lines, written to part files. */
export async function writeBatchRequests(
  prepared: PreparedEval,
  runDir: string,
  previous: ReadonlyMap<string, Outcome>,
  exclude: ReadonlySet<string>,
  target: WriteTarget,
  firstPart: number,
): Promise<WrittenRequests> {
  const dir = batchDir(runDir);
  mkdirSync(dir, { recursive: true });
  const table = new IdTable(dir);
  const now = new Date().toISOString();
  const out: WrittenRequests = { parts: [], requests: 0, renderErrors: 0, inOpenBatches: 0 };
  const models = new Map<string, ModelConfig>(prepared.config.models.map((m) => [m.id, m]));
  let seq = firstPart;

  // One writer per file: lines rendered one unit at a time and encoded into a reused buffer that synchronous
  // writes empty (the disk paces the loop: no array of every request line, no unbounded queue, no megabyte
  // strings left for the collector). The part's custom ids (`<name>.ids`) and the run's id table likewise.
  interface Part {
    record: BatchRecord & { file: string };
    fd: number;
    lines: LineBuffer;
    idsFd: number;
    ids: LineBuffer;
  }
  const open = (name: string, file: string, format: BatchRecord['format'], model: ModelConfig): Part => {
    const fd = openSync(file, 'w');
    const idsFd = openSync(path.join(dir, `${name}.ids`), 'w');
    return {
      record: {
        name,
        file,
        format,
        model: model.id,
        ...(format !== 'offline' && model.baseUrl ? { baseUrl: model.baseUrl } : {}),
        requests: 0,
        bytes: 0,
        status: format === 'offline' ? 'exported' : 'written',
        createdAt: now,
        updatedAt: now,
      },
      fd,
      lines: new LineBuffer(fdSink(fd)),
      idsFd,
      ids: new LineBuffer(fdSink(idsFd), 1 << 16),
    };
  };
  const close = (p: Part): void => {
    p.lines.flush();
    p.ids.flush();
    closeSync(p.fd);
    closeSync(p.idsFd);
    table.flush();
    out.parts.push(p.record);
  };

  let offline: Part | null = null;
  const current = new Map<string, Part>();
  for (const v of prepared.variants) {
    if (v.kind !== 'llm' || !v.render) continue;
    const model = models.get(v.model);
    if (!model) throw new Error(`variant ${v.id}: no model entry "${v.model}"`);
    let format: BatchFormatId = 'openai';
    if (target.kind === 'provider') {
      const f = await batchFormatFor(model);
      if ('refused' in f) throw new Error(f.refused);
      format = f.format;
    }
    const limits: BatchLimits = { ...BATCH_LIMITS[format], ...target.limits };
    const requestBody = bodyOf(v);
    const samples = Math.max(1, v.samples);
    for (const tc of prepared.cases) {
      for (let s = 0; s < samples; s++) {
        const key = unitKey(tc.id, v.id, s);
        const prev = previous.get(key);
        if (prev === 'success' || prev === 'invalid') continue;
        if (exclude.has(key)) {
          out.inOpenBatches++;
          continue;
        }
        let messages;
        try {
          messages = v.render(tc);
        } catch {
          out.renderErrors++;
          continue;
        }
        const unit: BatchUnit = { caseId: tc.id, variant: v.id, sample: s };
        const customId = table.addOne(unit);
        const body = requestBody({ testCase: tc, messages, sample: s });
        const line =
          format === 'anthropic' ? anthropicRequestLine(customId, body) : openaiRequestLine(customId, body);
        const bytes = lineBytes(line);
        let part: Part;
        if (target.kind === 'offline') {
          offline ??= open(`export-${String(seq++).padStart(3, '0')}`, target.out!, 'offline', model);
          part = offline;
        } else {
          let p = current.get(model.id);
          if (p && (p.record.requests + 1 > limits.maxRequests || p.record.bytes + bytes > limits.maxBytes)) {
            close(p);
            p = undefined;
          }
          if (!p) {
            const name = `${String(seq++).padStart(3, '0')}-${model.id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
            p = open(name, path.join(dir, `${name}.jsonl`), format, model);
            current.set(model.id, p);
          }
          part = p;
        }
        part.lines.write(line + '\n');
        part.ids.write(customId + '\n');
        part.record.requests++;
        part.record.bytes += bytes;
        out.requests++;
      }
    }
  }
  for (const p of current.values()) close(p);
  if (offline) close(offline);
  return out;
}
