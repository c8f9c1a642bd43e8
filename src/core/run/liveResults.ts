// The results panel's host-side model of a run's results.jsonl, with no per-line objects for big runs. Every unit
// (case, variant, sample) gets a slot in first-seen order; per slot it keeps the byte offset and length of the
// unit's latest line, its variant, sample, failure kind and error size, a hash of its user and (rating runs) the
// star buckets of truth and answer: about 60 bytes a unit, where a slim parsed line is about a kilobyte. Rows
// are read back from the file when asked for (a page of the failures table, a case opened by reference). While
// a run has at most `keepResults` units it also keeps the slim parsed lines (small runs: the panel computes its
// report in process). A live run's appended lines are read incrementally into the same state; a file shorter
// than what was read (rewritten, torn tail cut) restarts from zero.
import { open, type FileHandle } from 'node:fs/promises';
import { closeSync, openSync, readSync } from 'node:fs';
import { getForm } from '../forms';
import { scoreResult, type ScoringContext } from '../scoring/aggregate';
import type { CaseResult } from '../types';
import { grown, isBlank, parseWithoutMessages } from './results';
import { failureOf, type FailureKind } from './rerun';

/** Longest raw answer kept in memory per result (the case document re-reads the full line). */
export const RAW_KEEP = 400;

/** Drops what the panel never aggregates (the prompt messages) and cuts the raw answer: memory and GC time. */
export function slim(r: CaseResult): CaseResult {
  delete r.messages;
  if (r.raw && r.raw.length > RAW_KEEP) r.raw = r.raw.slice(0, RAW_KEEP);
  return r;
}

/**
 * Parses one results line without its prompt messages (cut out of the bytes before parsing: they are most of a
 * line and the panel never aggregates them; see parseWithoutMessages), slimmed.
 */
export function parseSlimLine(buf: Buffer, start: number, end: number): CaseResult {
  return slim(parseWithoutMessages(buf, start, end));
}

/** Above this many units the model keeps no parsed lines (the panel's compact mode). */
export const COMPACT_RESULTS = 50_000;

export type FailureSort = 'error-desc' | 'error-asc' | 'case' | 'variant';

/** Which failures, in which order (the failures table's filters). */
export interface FailureQuery {
  variant?: string;
  outcome?: FailureKind | '';
  user?: string;
  sort?: FailureSort;
  /** Rows whose line passes this test (a text search): the lines of the other filters' matches are read. */
  matches?: (r: CaseResult) => boolean;
}

/** What one poll read. */
export interface PollResult {
  /** Anything new (lines appended, or the file restarted). */
  changed: boolean;
  /** The file was shorter than what had been read: everything was read again. */
  restarted: boolean;
  /** Complete lines read by this poll (blank ones excluded). */
  lines: number;
  /** Some line superseded an earlier line of the same unit. */
  replaced: boolean;
  /** A superseded line (or a restart) touched a unit that was a failure: failure lists need a reset. */
  failuresReplaced: boolean;
  /** Slots this poll gave a line to, in file order (a slot appears once per line). */
  slots: number[];
  /** Lines that did not parse (skipped). */
  corrupt: number;
}

const KIND_NONE = 0;
const KIND_CODE: Record<FailureKind, number> = { wrong: 1, invalid: 2, error: 3 };
const KIND_OF: (FailureKind | undefined)[] = [undefined, 'wrong', 'invalid', 'error'];
/** invalid and error first, then wrong (the failures table's order). */
const KIND_RANK = [9, 2, 1, 0];

/** Two 32-bit FNV-1a style hashes of a string, with different seeds and a final mix. */
function hash2(s: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  out[0] = a >>> 0;
  out[1] = b >>> 0;
}

/** Nearest star of a sorted list (the confusion matrix's buckets). */
function nearest(stars: readonly number[], x: number): number {
  let best = 0;
  for (let i = 1; i < stars.length; i++) if (Math.abs(stars[i] - x) < Math.abs(stars[best] - x)) best = i;
  return best;
}

export interface LiveResultsOptions {
  /** Keep the slim parsed lines while the run has at most this many units (default COMPACT_RESULTS). */
  keepResults?: number;
  /** Rating runs: the star values whose true × predicted counts `confusion()` returns. */
  stars?: readonly number[];
  /**
   * Rank the units by case id during the first read (default true: the failures table sorts by it). Without,
   * a read keeps no case ids at all; the first sorted page ranks them with a pass over the file.
   */
  caseOrder?: boolean;
}

/** A run's results.jsonl as compact per-unit state, growing as the file grows. */
export class LiveResults {
  /** Bytes of the file read (up to the end of the last complete line). */
  private offset = 0;
  private n = 0;
  private cap = 0;
  private lineOffset = new Float64Array(0);
  private lineLength = new Uint32Array(0);
  private variantOf = new Uint16Array(0);
  private sampleOf = new Uint32Array(0);
  private kindOf = new Uint8Array(0);
  private errorOf = new Float64Array(0);
  private userHash = new Float64Array(0);
  private truthStar = new Uint8Array(0);
  private answerStar = new Uint8Array(0);
  /** Open addressing: unit hash (two words) → slot + 1. */
  private tableKeys = new Uint32Array(0);
  private tableSlots = new Uint32Array(0);
  private tableMask = 0;
  private readonly variantIds = new Map<string, number>();
  private readonly variantNames: string[] = [];
  private kept: CaseResult[] | undefined = [];
  private failureTotal = 0;
  /** Rank of each slot by (case id, variant, sample), when computed; stale after new lines. */
  private caseRank: Uint32Array | undefined;
  private rankStale = true;
  /** The slots in rank order, and the units added since (merged in by the next ranking). */
  private order: Uint32Array | undefined;
  private pending: { slot: number; caseId: string }[] = [];
  /** Case ids of the slots while a whole-file read runs (ranked at its end, then dropped). */
  private collecting: string[] | undefined;
  private cache: { key: string; slots: Uint32Array } | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly h = new Uint32Array(2);
  private readonly keepResults: number;
  private readonly stars: readonly number[] | undefined;
  private readonly caseOrder: boolean;
  /** Lines that did not parse, over the whole file. */
  corrupt = 0;

  constructor(
    readonly file: string,
    private readonly ctx: ScoringContext,
    options: LiveResultsOptions = {},
  ) {
    this.keepResults = options.keepResults ?? COMPACT_RESULTS;
    this.caseOrder = options.caseOrder ?? true;
    this.stars = options.stars?.length && options.stars.length < 255 ? options.stars : undefined;
    this.reset();
  }

  /** Units with a line. */
  get size(): number {
    return this.n;
  }

  /** Bytes of results.jsonl read so far. */
  get bytes(): number {
    return this.offset;
  }

  /** True once the run has more units than `keepResults`: no parsed lines are kept. */
  get compact(): boolean {
    return this.kept === undefined;
  }

  /** The latest slim line of every unit in first-seen order, or undefined in compact mode. */
  get results(): CaseResult[] | undefined {
    return this.kept;
  }

  /** Units whose latest line is a failure (wrong, invalid or error). */
  get failures(): number {
    return this.failureTotal;
  }

  /** Variant ids in first-seen order. */
  get variants(): readonly string[] {
    return this.variantNames;
  }

  /** Failures per kind of each variant. */
  failureCounts(): Map<string, Record<FailureKind, number>> {
    const out = new Map<string, Record<FailureKind, number>>();
    for (const v of this.variantNames) out.set(v, { wrong: 0, invalid: 0, error: 0 });
    for (let s = 0; s < this.n; s++) {
      const k = KIND_OF[this.kindOf[s]];
      if (k) out.get(this.variantNames[this.variantOf[s]])![k]++;
    }
    return out;
  }

  /** Distinct users (by a 52-bit hash of the id: a collision among a million users has odds of about 1e-4). */
  users(): number {
    const h = this.userHash.slice(0, this.n).sort();
    let count = 0;
    for (let i = 0; i < h.length; i++) if (i === 0 || h[i] !== h[i - 1]) count++;
    return count;
  }

  /** Rating runs: counts[true][predicted] of valid answers per variant, over `stars`. */
  confusion(): { stars: number[]; byVariant: { variant: string; counts: number[][] }[] } | undefined {
    const stars = this.stars;
    if (!stars) return undefined;
    const byVariant = this.variantNames.map((variant) => ({
      variant,
      counts: stars.map(() => stars.map(() => 0)),
    }));
    for (let s = 0; s < this.n; s++) {
      const t = this.truthStar[s];
      const p = this.answerStar[s];
      if (t !== 255 && p !== 255) byVariant[this.variantOf[s]].counts[t][p]++;
    }
    return { stars: [...stars], byVariant };
  }

  /** Reads what was appended since the last poll (the whole file the first time). One poll at a time. */
  poll(): Promise<PollResult> {
    const next = this.busy.then(() => this.pollNow());
    this.busy = next.catch(() => undefined);
    return next;
  }

  private reset(): void {
    this.offset = 0;
    this.n = 0;
    this.cap = 0;
    this.ensure(1024);
    this.tableMask = 2047;
    this.tableKeys = new Uint32Array(2 * 2048);
    this.tableSlots = new Uint32Array(2048);
    this.variantIds.clear();
    this.variantNames.length = 0;
    this.kept = [];
    this.failureTotal = 0;
    this.caseRank = undefined;
    this.rankStale = true;
    this.order = undefined;
    this.pending = [];
    this.cache = undefined;
    this.corrupt = 0;
  }

  private ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 1024);
    this.lineOffset = grown(this.lineOffset, cap);
    this.lineLength = grown(this.lineLength, cap);
    this.variantOf = grown(this.variantOf, cap);
    this.sampleOf = grown(this.sampleOf, cap);
    this.kindOf = grown(this.kindOf, cap);
    this.errorOf = grown(this.errorOf, cap);
    this.userHash = grown(this.userHash, cap);
    if (this.stars) {
      this.truthStar = grown(this.truthStar, cap);
      this.answerStar = grown(this.answerStar, cap);
    }
    this.cap = cap;
  }

  private async pollNow(): Promise<PollResult> {
    const result: PollResult = {
      changed: false,
      restarted: false,
      lines: 0,
      replaced: false,
      failuresReplaced: false,
      slots: [],
      corrupt: 0,
    };
    let fh: FileHandle;
    try {
      fh = await open(this.file, 'r');
    } catch {
      return result; // no file yet
    }
    try {
      let size = (await fh.stat()).size;
      if (size < this.offset) {
        const hadFailures = this.failureTotal > 0;
        this.reset();
        result.restarted = result.changed = true;
        result.failuresReplaced = hadFailures;
      }
      const whole = this.offset === 0;
      if (whole && this.caseOrder) this.collecting = [];
      const chunk = Buffer.allocUnsafe(1 << 22);
      let carry = Buffer.alloc(0);
      let pos = this.offset;
      while (pos < size) {
        const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, size - pos), pos);
        if (bytesRead <= 0) break;
        const buf = carry.length
          ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
        const base = pos - carry.length; // file offset of buf[0]
        pos += bytesRead;
        let start = 0;
        for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
          let end = nl;
          if (end > start && buf[end - 1] === 13) end--;
          if (end > start && !isBlank(buf, start, end)) this.take(buf, start, end, base + start, result);
          start = nl + 1;
        }
        this.offset = base + start;
        // Copy the partial tail: `chunk` is reused by the next read.
        carry = Buffer.from(buf.subarray(start));
        if (pos >= size) size = Math.max(size, (await fh.stat()).size); // follow a file still growing
      }
      if (whole && this.collecting) this.rankFrom(this.collecting);
      if (result.lines || result.corrupt) result.changed = true;
      if (result.changed) this.cache = undefined;
      return result;
    } finally {
      this.collecting = undefined;
      await fh.close();
    }
  }

  /** One complete line at file offset `at`. */
  private take(buf: Buffer, start: number, end: number, at: number, result: PollResult): void {
    let r: CaseResult;
    try {
      r = parseSlimLine(buf, start, end);
    } catch {
      result.corrupt++;
      this.corrupt++;
      return;
    }
    if (typeof r?.caseId !== 'string' || typeof r.variant !== 'string') {
      result.corrupt++;
      this.corrupt++;
      return;
    }
    result.lines++;
    const sample = r.sample ?? 0;
    let slot = this.find(r.caseId, r.variant, sample);
    if (slot >= 0) {
      result.replaced = true;
      if (this.kindOf[slot] !== KIND_NONE) {
        result.failuresReplaced = true;
        this.failureTotal--;
      }
    } else {
      slot = this.n++;
      this.ensure(this.n);
      this.insert(slot);
      let v = this.variantIds.get(r.variant);
      if (v === undefined) {
        v = this.variantNames.push(r.variant) - 1;
        this.variantIds.set(r.variant, v);
      }
      this.variantOf[slot] = v;
      this.sampleOf[slot] = sample;
      this.rankStale = true;
      if (this.collecting) this.collecting[slot] = r.caseId;
      else if (this.order) this.pending.push({ slot, caseId: r.caseId });
    }
    this.lineOffset[slot] = at;
    this.lineLength[slot] = end - start;
    hash2(String(r.user), this.h);
    this.userHash[slot] = (this.h[0] & 0xfffff) * 4294967296 + this.h[1];
    const kind = failureOf(r, this.ctx);
    this.kindOf[slot] = kind ? KIND_CODE[kind] : KIND_NONE;
    if (kind) this.failureTotal++;
    this.errorOf[slot] =
      kind === 'wrong' ? getForm(this.ctx.form).caseOutcome(scoreResult(r, this.ctx), this.ctx.k).error : 1e9;
    if (this.stars) {
      const e = r.expected;
      const p = r.prediction;
      const ok = r.outcome === 'success' && p?.form === 'rating' && e.form === 'rating';
      this.truthStar[slot] = ok ? nearest(this.stars, e.value) : 255;
      this.answerStar[slot] = ok ? nearest(this.stars, p.value) : 255;
    }
    if (this.kept) {
      this.kept[slot] = r;
      if (this.n > this.keepResults) this.kept = undefined; // compact from here on
    }
    result.slots.push(slot);
  }

  // ---- unit identity: a hash table of (case, variant, sample) → slot; equal hashes are checked on the line ----

  private unitHash(caseId: string, variant: string, sample: number): void {
    hash2(`${caseId}\u0000${variant}\u0000${sample}`, this.h);
  }

  /** The slot of a unit, or -1. */
  private find(caseId: string, variant: string, sample: number): number {
    this.unitHash(caseId, variant, sample);
    const [a, b] = this.h;
    for (let i = (a ^ b) & this.tableMask; ; i = (i + 1) & this.tableMask) {
      const s = this.tableSlots[i];
      if (s === 0) return -1;
      if (this.tableKeys[2 * i] === a && this.tableKeys[2 * i + 1] === b) {
        const slot = s - 1;
        if (this.variantNames[this.variantOf[slot]] === variant && this.sampleOf[slot] === sample) {
          const id = this.kept ? this.kept[slot]?.caseId : this.unitAt(slot).caseId;
          if (id === caseId) return slot;
        }
      }
    }
  }

  /** Adds `slot` under the hash left in `this.h` by find(). */
  private insert(slot: number): void {
    if (2 * (this.n + 1) > this.tableMask + 1) this.rehash();
    const [a, b] = this.h;
    let i = (a ^ b) & this.tableMask;
    while (this.tableSlots[i] !== 0) i = (i + 1) & this.tableMask;
    this.tableKeys[2 * i] = a;
    this.tableKeys[2 * i + 1] = b;
    this.tableSlots[i] = slot + 1;
  }

  private rehash(): void {
    const keys = this.tableKeys;
    const slots = this.tableSlots;
    const size = (this.tableMask + 1) * 2;
    this.tableMask = size - 1;
    this.tableKeys = new Uint32Array(2 * size);
    this.tableSlots = new Uint32Array(size);
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === 0) continue;
      const a = keys[2 * j];
      const b = keys[2 * j + 1];
      let i = (a ^ b) & this.tableMask;
      while (this.tableSlots[i] !== 0) i = (i + 1) & this.tableMask;
      this.tableKeys[2 * i] = a;
      this.tableKeys[2 * i + 1] = b;
      this.tableSlots[i] = slots[j];
    }
  }

  // ---- reading lines back ----------------------------------------------------------------------------------

  /** The latest slim line of a slot, read from the file (or kept). */
  lineAt(slot: number): CaseResult {
    return this.linesAt([slot])[0];
  }

  /** The latest slim lines of some slots, read from the file (or kept), in the order given. */
  linesAt(slots: ArrayLike<number>): CaseResult[] {
    const out: CaseResult[] = [];
    if (this.kept) {
      for (let i = 0; i < slots.length; i++) out.push(this.kept[slots[i]]);
      return out;
    }
    const fd = openSync(this.file, 'r');
    try {
      for (let i = 0; i < slots.length; i++) out.push(this.lineFrom(fd, slots[i]));
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private readBuf = Buffer.alloc(1 << 16);

  /** The latest line of a slot, read through an open file. */
  private lineFrom(fd: number, s: number): CaseResult {
    if (!(s >= 0 && s < this.n)) throw new RangeError(`no result slot ${s}`);
    const len = this.lineLength[s];
    if (len > this.readBuf.length) this.readBuf = Buffer.alloc(len);
    const got = readSync(fd, this.readBuf, 0, len, this.lineOffset[s]);
    if (got !== len) throw new Error('results.jsonl changed while it was read');
    return parseSlimLine(this.readBuf, 0, len);
  }

  /** The unit of a slot. */
  unitAt(slot: number): { caseId: string; variant: string; sample: number } {
    const r = this.lineAt(slot);
    return { caseId: r.caseId, variant: r.variant, sample: r.sample ?? 0 };
  }

  // ---- ordering and filtering failures ---------------------------------------------------------------------

  /** Ranks the slots by (case id, variant, sample) from their case ids (indexed by slot). */
  private rankFrom(caseIds: string[]): void {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    const names = this.variantNames;
    order.sort((x, y) => {
      const a = caseIds[x];
      const b = caseIds[y];
      if (a !== b) return a < b ? -1 : 1;
      const va = names[this.variantOf[x]];
      const vb = names[this.variantOf[y]];
      if (va !== vb) return va < vb ? -1 : 1;
      return this.sampleOf[x] - this.sampleOf[y];
    });
    this.setOrder(order);
  }

  private setOrder(order: Uint32Array): void {
    const rank = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) rank[order[i]] = i;
    this.order = order;
    this.caseRank = rank;
    this.rankStale = false;
    this.pending = [];
  }

  /** (case id, variant, sample) order of two units. */
  private compareUnits(aId: string, a: number, bId: string, b: number): number {
    if (aId !== bId) return aId < bId ? -1 : 1;
    const va = this.variantNames[this.variantOf[a]];
    const vb = this.variantNames[this.variantOf[b]];
    if (va !== vb) return va < vb ? -1 : 1;
    return this.sampleOf[a] - this.sampleOf[b];
  }

  /**
   * Merges the units appended since the last ranking into it (a live run): each finds its place by a binary
   * search that reads about log2(n) lines, instead of a pass over the whole file.
   */
  private mergePending(): void {
    const old = this.order!;
    const fresh = this.pending.sort((a, b) => this.compareUnits(a.caseId, a.slot, b.caseId, b.slot));
    const ids = new Map<number, string>();
    const fd = this.kept ? -1 : openSync(this.file, 'r');
    try {
      const idOf = (slot: number): string => {
        let id = ids.get(slot);
        if (id === undefined) {
          id = this.kept ? this.kept[slot].caseId : this.lineFrom(fd, slot).caseId;
          ids.set(slot, id);
        }
        return id;
      };
      const order = new Uint32Array(this.n);
      let i = 0;
      let o = 0;
      for (const p of fresh) {
        let lo = i;
        let hi = old.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (this.compareUnits(idOf(old[mid]), old[mid], p.caseId, p.slot) < 0) lo = mid + 1;
          else hi = mid;
        }
        while (i < lo) order[o++] = old[i++];
        order[o++] = p.slot;
      }
      while (i < old.length) order[o++] = old[i++];
      this.setOrder(order);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** Ranks by case id after appended units: merged in when few, else one pass over the file reading every id. */
  private async ensureRank(): Promise<Uint32Array> {
    if (this.caseRank && !this.rankStale) return this.caseRank;
    if (
      this.order &&
      this.order.length + this.pending.length === this.n &&
      this.pending.length <= this.n / 4
    ) {
      this.mergePending();
      return this.caseRank!;
    }
    const ids: string[] = new Array<string>(this.n);
    await this.scanSlots(
      Uint32Array.from({ length: this.n }, (_, i) => i),
      (slot, r) => (ids[slot] = r.caseId),
    );
    this.rankFrom(ids);
    return this.caseRank!;
  }

  /**
   * Calls `each` with the latest line of every given slot, in file order, reading the file once from the first
   * such line to the last (sequential reads beat a million random ones).
   */
  async scanSlots(slots: Uint32Array, each: (slot: number, r: CaseResult) => void): Promise<void> {
    if (!slots.length) return;
    if (this.kept) {
      for (const s of slots) each(s, this.kept[s]);
      return;
    }
    const offsets = this.lineOffset;
    const byOffset = Uint32Array.from(slots).sort((a, b) => offsets[a] - offsets[b]);
    const fh = await open(this.file, 'r');
    try {
      const chunk = Buffer.allocUnsafe(1 << 22);
      let j = 0;
      while (j < byOffset.length) {
        // Read a window from the next wanted line to the end of the last wanted line that fits in a chunk (only
        // the line itself when the next is far away); take every wanted line inside it.
        const from = offsets[byOffset[j]];
        let until = from + this.lineLength[byOffset[j]];
        for (let k = j + 1; k < byOffset.length; k++) {
          const end = offsets[byOffset[k]] + this.lineLength[byOffset[k]];
          if (end - from > chunk.length) break;
          until = Math.max(until, end);
        }
        const want = until - from;
        const buf = want > chunk.length ? Buffer.allocUnsafe(want) : chunk;
        const { bytesRead } = await fh.read(buf, 0, want, from);
        if (bytesRead < want) throw new Error('results.jsonl changed while it was read');
        while (j < byOffset.length) {
          const s = byOffset[j];
          const rel = offsets[s] - from;
          const len = this.lineLength[s];
          if (rel + len > want) break;
          each(s, parseSlimLine(buf, rel, rel + len));
          j++;
        }
      }
    } finally {
      await fh.close();
    }
  }

  /** The failure slots a query picks, in its order (cached for paging until the data or the query changes). */
  async failureSlots(q: FailureQuery = {}, matchesKey = ''): Promise<Uint32Array> {
    const key = JSON.stringify([
      q.variant ?? '',
      q.outcome ?? '',
      q.user ?? '',
      q.sort ?? 'error-desc',
      matchesKey,
    ]);
    if (this.cache?.key === key && (!q.matches || matchesKey)) return this.cache.slots;
    const v = q.variant ? this.variantIds.get(q.variant) : undefined;
    if (q.variant && v === undefined) return new Uint32Array(0);
    const kind = q.outcome ? KIND_CODE[q.outcome] : undefined;
    let userH: number | undefined;
    if (q.user) {
      hash2(q.user, this.h);
      userH = (this.h[0] & 0xfffff) * 4294967296 + this.h[1];
    }
    let count = 0;
    let picked = new Uint32Array(Math.min(this.failureTotal, this.n));
    for (let s = 0; s < this.n; s++) {
      const k = this.kindOf[s];
      if (k === KIND_NONE) continue;
      if (v !== undefined && this.variantOf[s] !== v) continue;
      if (kind !== undefined && k !== kind) continue;
      if (userH !== undefined && this.userHash[s] !== userH) continue;
      picked[count++] = s;
    }
    picked = picked.subarray(0, count);
    if (q.matches) {
      const keep = new Uint8Array(this.n);
      const test = q.matches;
      await this.scanSlots(picked, (s, r) => {
        if (test(r)) keep[s] = 1;
      });
      picked = picked.filter((s) => keep[s] === 1);
    }
    const sorted = await this.sortSlots(picked, q.sort ?? 'error-desc');
    if (!q.matches || matchesKey) this.cache = { key, slots: sorted };
    return sorted;
  }

  private async sortSlots(slots: Uint32Array, sort: FailureSort): Promise<Uint32Array> {
    const rank = await this.ensureRank();
    const kinds = this.kindOf;
    const errors = this.errorOf;
    const byError = (a: number, b: number) =>
      KIND_RANK[kinds[a]] - KIND_RANK[kinds[b]] || errors[b] - errors[a] || rank[a] - rank[b];
    const out = Uint32Array.from(slots);
    switch (sort) {
      case 'error-desc':
        return out.sort(byError);
      case 'error-asc':
        return out.sort(
          (a, b) => KIND_RANK[kinds[b]] - KIND_RANK[kinds[a]] || errors[a] - errors[b] || rank[a] - rank[b],
        );
      case 'case':
        return out.sort((a, b) => rank[a] - rank[b]);
      case 'variant': {
        const names = this.variantNames;
        const vs = this.variantOf;
        return out.sort((a, b) => {
          const x = names[vs[a]];
          const y = names[vs[b]];
          return x < y ? -1 : x > y ? 1 : byError(a, b);
        });
      }
    }
  }

  /** One page of failures: the total the query picks and the lines of slots [offset, offset + limit). */
  async failurePage(
    q: FailureQuery,
    offset: number,
    limit: number,
    matchesKey = '',
  ): Promise<{ total: number; slots: number[]; results: CaseResult[] }> {
    const all = await this.failureSlots(q, matchesKey);
    const slots = [...all.subarray(Math.max(0, offset), Math.max(0, offset + limit))];
    return { total: all.length, slots, results: this.linesAt(slots) };
  }
}
