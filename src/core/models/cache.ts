// The response cache: answers of LLM endpoints, content-addressed by a sha256 of everything that can change the
// answer (endpoint origin, model, messages, request parameters, sample index). Errors are never cached.
//
// Layout: `<runs root>/cache/v1/seg-<time>-<pid>-<rand>.jsonl`, append-only segments, one JSON line per entry
// ({"k": key, "raw": …, "usage": …, "t": …}). Each process appends to a segment of its own, so two writers (the
// CLI and the extension) never interleave; a line is written whole in one write, and a torn last line (a crash
// mid-write) is skipped on load. Opening reads every segment into a Map: a get is a Map lookup and a put is a
// Map set plus a line queued for a batched asynchronous append, which keeps the cache off the per-case hot path
// (one file per entry cost ~0.15 ms of synchronous I/O per case; see docs/models.md).
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync, readdirSync, mkdirSync, type Stats } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../canonicalJson';
import type { ChatMessage, TokenUsage } from '../types';

export const CACHE_FORMAT = 'v1';

/** What the cache keeps of one answer. */
export interface CachedAnswer {
  raw: string;
  usage?: TokenUsage;
  /** The model name the endpoint reported, when it differs from the one asked for. */
  model?: string;
  /** The normalised finish reason, when not 'stop' (a cut or refused answer stays one when served again). */
  finish?: string;
  /** The reply held only reasoning. */
  reasoningOnly?: boolean;
}

/** Everything that can change an answer. Two requests with equal parts get the same key. */
export interface CacheKeyParts {
  /** Endpoint origin plus path, e.g. "https://api.openai.com/v1" (never the key). */
  endpoint: string;
  model: string;
  messages: readonly ChatMessage[];
  /** The request parameters as sent (temperature, response_format, …), query and non-secret headers. */
  params: Record<string, unknown>;
  sample: number;
}

/** The content address of an answer: sha256 hex of the canonical parts. */
export function cacheKey(parts: CacheKeyParts): string {
  const h = createHash('sha256');
  h.update(`${CACHE_FORMAT}\n${parts.endpoint}\n${parts.model}\n${parts.sample}\n`);
  for (const m of parts.messages) h.update(`${m.role}\u0000${m.content}\u0001`);
  h.update(canonicalJson(parts.params));
  return h.digest('hex');
}

interface Line extends CachedAnswer {
  k: string;
  t?: string;
}

/**
 * One process's view of a cache folder. Entries written by other processes after it was opened are not seen
 * until it is reopened (the run lock keeps two processes off one run; sharing the cache only costs requests).
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private queue: string[] = [];
  private queuedBytes = 0;
  private fd: number | undefined;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private writeError: Error | undefined;
  /** Lines skipped on load (torn or foreign). */
  readonly skippedLines: number;
  hits = 0;
  misses = 0;
  writes = 0;

  private constructor(
    /** The segment folder, <cache dir>/v1. */
    readonly dir: string,
    skipped: number,
  ) {
    this.skippedLines = skipped;
  }

  /** Opens (creating when needed) the cache in `cacheDir` and loads every segment. */
  static open(cacheDir: string): ResponseCache {
    const dir = path.join(cacheDir, CACHE_FORMAT);
    mkdirSync(dir, { recursive: true });
    let skipped = 0;
    const loaded: [string, CachedAnswer][] = [];
    const names = readdirSync(dir)
      .filter((f) => f.startsWith('seg-') && f.endsWith('.jsonl'))
      .sort();
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(path.join(dir, name), 'utf8');
      } catch {
        continue; // removed by a concurrent clear
      }
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        if (end > start) {
          const line = text.slice(start, end);
          try {
            const e = JSON.parse(line) as Line;
            if (typeof e.k === 'string' && typeof e.raw === 'string') {
              const answer: CachedAnswer = { raw: e.raw };
              if (e.usage) answer.usage = e.usage;
              if (e.model) answer.model = e.model;
              if (typeof e.finish === 'string') answer.finish = e.finish;
              if (e.reasoningOnly === true) answer.reasoningOnly = true;
              loaded.push([e.k, answer]);
            } else skipped++;
          } catch {
            skipped++;
          }
        }
        start = end + 1;
      }
    }
    const cache = new ResponseCache(dir, skipped);
    for (const [k, v] of loaded) cache.entries.set(k, v);
    return cache;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): CachedAnswer | undefined {
    const v = this.entries.get(key);
    if (v) this.hits++;
    else this.misses++;
    return v;
  }

  /** Stores a successful answer. Never call it with an error: errors are not answers. */
  put(key: string, answer: CachedAnswer): void {
    if (this.closed) throw new Error('response cache is closed');
    if (typeof answer.raw !== 'string') throw new TypeError('only answers (raw text) are cached');
    this.entries.set(key, answer);
    const line: Line = { k: key, raw: answer.raw };
    if (answer.usage) line.usage = answer.usage;
    if (answer.model) line.model = answer.model;
    if (answer.finish) line.finish = answer.finish;
    if (answer.reasoningOnly) line.reasoningOnly = true;
    line.t = new Date().toISOString();
    const text = JSON.stringify(line) + '\n';
    this.queue.push(text);
    this.queuedBytes += text.length;
    this.writes++;
    if (this.queuedBytes >= 1 << 16) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /**
   * Writes every queued line; resolves when they are on disk (in the OS's hands). Behind a write in flight it
   * waits, then flushes again: another waiter may have started the next write with the rest of the queue, and
   * that one must end too (before, this resolved as soon as the queue was empty, with lines still in flight).
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.queue.length === 0) return this.writeError ? Promise.reject(this.writeError) : Promise.resolve();
    const data = this.queue.join('');
    this.queue = [];
    this.queuedBytes = 0;
    this.flushing = this.append(data).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async append(data: string): Promise<void> {
    try {
      if (this.fd === undefined) {
        const name = `seg-${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${randomBytes(3).toString('hex')}.jsonl`;
        this.fd = fs.openSync(path.join(this.dir, name), 'a');
      }
      const buf = Buffer.from(data, 'utf8');
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await writeAsync(this.fd, buf, off);
        off += bytesWritten;
      }
    } catch (e) {
      // A cache that cannot write is a slower run, not a failed one: keep serving from memory, report on close.
      this.writeError = e as Error;
    }
  }

  /** Flushes and closes the segment. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    const root = path.dirname(this.dir);
    if (shared.get(root) === this) shared.delete(root);
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    }
    if (this.writeError)
      throw new Error(`response cache: could not write to ${this.dir}: ${this.writeError.message}`);
  }

  /** Removes every entry and segment (e.g. `ubp cache clear`). Only safe when no other process writes. */
  async clear(): Promise<void> {
    await this.flush().catch(() => undefined);
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
    this.entries.clear();
    for (const f of readdirSync(this.dir))
      if (f.startsWith('seg-')) await fsp.rm(path.join(this.dir, f), { force: true });
  }

  /** Total bytes of the segments on disk. */
  diskBytes(): number {
    let total = 0;
    for (const f of readdirSync(this.dir)) {
      let st: Stats | undefined;
      try {
        st = fs.statSync(path.join(this.dir, f));
      } catch {
        st = undefined;
      }
      total += st?.size ?? 0;
    }
    return total;
  }
}

function writeAsync(fd: number, buf: Buffer, off: number): Promise<{ bytesWritten: number }> {
  return new Promise((resolve, reject) =>
    fs.write(fd, buf, off, buf.length - off, null, (err, bytesWritten) =>
      err ? reject(err) : resolve({ bytesWritten }),
    ),
  );
}

const shared = new Map<string, ResponseCache>();

/**
 * The cache of a runs root's `cache/` folder, opened once per process and shared by every predictor that
 * uses it (so one segment is written per process).
 */
export function sharedResponseCache(cacheDir: string): ResponseCache {
  const dir = path.resolve(cacheDir);
  let cache = shared.get(dir);
  if (!cache) {
    cache = ResponseCache.open(dir);
    shared.set(dir, cache);
  }
  return cache;
}

/** Flushes every shared cache (call before the process exits; the runner does at the end of a run). */
export async function flushResponseCaches(): Promise<void> {
  await Promise.all([...shared.values()].map((c) => c.flush().catch(() => undefined)));
}
