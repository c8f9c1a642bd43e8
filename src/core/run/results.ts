// The one reader of a run's results.jsonl, streaming (a million lines never become one string): complete lines
// only (a torn last line, mid-write or from a crash, is left for the next read), unreadable lines counted and
// skipped. Two ways in: a full read (`readResults`, async) and an incremental one for live views
// (`readAppendedResults`, sync: the complete lines appended after a byte offset, and the offset to continue from).
// Callers may pass their own line parser (the results panel keeps slim copies of big lines).
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { CaseResult } from '../types';

/** Turns bytes [start, end) of `buf` (one line without its newline) into a value; throws when unreadable. */
export type LineParser<T> = (buf: Buffer, start: number, end: number) => T;

export const parseResultLine: LineParser<CaseResult> = (buf, start, end) =>
  JSON.parse(buf.toString('utf8', start, end)) as CaseResult;

/**
 * A parser for reports: each line without what aggregation never reads (the prompt `messages`, the `raw` answer,
 * the `target` item; `finishedAt` is emptied), its repeated strings (variant, model, template, form, reasons) shared across lines. A
 * million results then take a few hundred bytes each instead of kilobytes.
 */
export function slimResultParser(): LineParser<CaseResult> {
  const strings = new Map<string, string>();
  const intern = (s: string): string => {
    const had = strings.get(s);
    if (had !== undefined) return had;
    if (strings.size < 10_000) strings.set(s, s);
    return s;
  };
  return (buf, start, end) => {
    // A rest spread makes a fresh object with fast properties (`delete` would not).
    const {
      messages: _m,
      raw: _r,
      target: _t,
      finishedAt: _f,
      ...rest
    } = JSON.parse(buf.toString('utf8', start, end)) as CaseResult;
    // Reports never read a line's time: an empty string keeps the type without a string per line.
    const r: CaseResult = Object.assign(rest, { finishedAt: '' });
    r.variant = intern(r.variant);
    r.model = intern(r.model);
    if (r.template) r.template = intern(r.template);
    r.form = intern(r.form);
    if (r.reason) r.reason = intern(r.reason);
    if (r.finishReason) r.finishReason = intern(r.finishReason);
    if (r.expected?.form) r.expected.form = intern(r.expected.form);
    if (r.prediction?.form) r.prediction.form = intern(r.prediction.form);
    return r;
  };
}

const MESSAGES_KEY = Buffer.from('"messages":[');
const MESSAGE_LIST_END = Buffer.from('"}]');

/** Whether the byte at `i` follows an odd number of backslashes (an escaped quote inside a string). */
function escapedAt(buf: Buffer, i: number, start: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= start && buf[j] === 92; j--) n++;
  return n % 2 === 1;
}

/**
 * A results line parsed without its prompt: the `messages` array (most of a line's bytes) is cut out of the
 * bytes before they are decoded and parsed, which halves the cost of reading a run for a report. The cut ends at
 * the first unescaped `"}]` after the key (each message ends with its content string); if what is left does
 * not parse, the whole line is parsed instead.
 */
export function parseWithoutMessages(buf: Buffer, start: number, end: number): CaseResult {
  // Searches stay inside the line: a line without the key (a baseline's) must not scan the rest of the buffer.
  const line = buf.subarray(start, end);
  const at = line.indexOf(MESSAGES_KEY);
  if (at >= 0) {
    const open = at + MESSAGES_KEY.length;
    let close = -1;
    if (line[open] === 93) close = open;
    else {
      let q = line.indexOf(MESSAGE_LIST_END, open);
      while (q >= 0 && escapedAt(line, q, open)) q = line.indexOf(MESSAGE_LIST_END, q + 1);
      if (q >= 0) close = q + 2;
    }
    if (close >= 0) {
      // The key, its value and one comma beside them.
      let from = at;
      let to = close + 1;
      if (line[from - 1] === 44) from--;
      else if (line[to] === 44) to++;
      try {
        return JSON.parse(line.toString('utf8', 0, from) + line.toString('utf8', to)) as CaseResult;
      } catch {
        // not the shape expected: the whole line below
      }
    }
  }
  return JSON.parse(line.toString('utf8')) as CaseResult;
}

/** A typed array of the same kind holding `a`'s values at a larger `capacity` (the streaming readers' columns). */
export function grown<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(
  a: T,
  capacity: number,
): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a);
  return b;
}

/**
 * The per-case row table of `key` in `tables` (a row index per case index, -1 where a case has none yet), grown
 * so that `caseIndex` is in it: how the streaming readers place a unit (case, variant, sample) in their columns.
 */
export function caseRows<K>(tables: Map<K, Int32Array>, key: K, caseIndex: number): Int32Array {
  let rows = tables.get(key);
  if (!rows || rows.length <= caseIndex) {
    const grown = new Int32Array(Math.max(1024, (caseIndex + 1) * 2)).fill(-1);
    if (rows) grown.set(rows);
    tables.set(key, (rows = grown));
  }
  return rows;
}

/**
 * The units (case, variant, sample) of a results file, numbered in the order of their first line: how a streaming
 * reader gives each unit a row of its columns. After `rowOf`, `added` says whether the line was the unit's first
 * and `caseIndex` is its case's number (cases numbered as first seen).
 */
export class UnitRows {
  private readonly cases = new Map<string, number>();
  private readonly slots = new Map<string, Int32Array>();
  /** Units so far: the row the next new unit gets. */
  count = 0;
  added = false;
  caseIndex = -1;

  rowOf(caseId: string, variant: string, sample: number): number {
    let c = this.cases.get(caseId);
    if (c === undefined) this.cases.set(caseId, (c = this.cases.size));
    this.caseIndex = c;
    const rows = caseRows(this.slots, `${variant}\u0000${sample}`, c);
    let u = rows[c]!;
    this.added = u < 0;
    if (u < 0) u = rows[c] = this.count++;
    return u;
  }

  /** Case ids by case number. */
  caseIds(): string[] {
    const out = new Array<string>(this.cases.size);
    for (const [id, i] of this.cases) out[i] = id;
    return out;
  }

  /** Drops the lookup tables once reading is done (rows and count stay). */
  clear(): void {
    this.cases.clear();
    this.slots.clear();
  }
}

export interface ResultsScan {
  /** Byte offset just past the last complete line read: where the next incremental read starts. */
  validBytes: number;
  /** Complete lines read (blank ones included). */
  lines: number;
  /** Complete lines that did not parse (skipped). */
  corrupt: number;
  /** True when the file ends in a partial line (not read). */
  tornTail: boolean;
}

export interface AppendedScan extends ResultsScan {
  /** The file is shorter than the offset asked for (a torn tail was cut, or it was replaced): read it again from 0. */
  truncated: boolean;
}

/** Splits `buf` into complete lines, feeding each; returns the index just past the last newline. */
function eachLine<T>(buf: Buffer, parse: LineParser<T>, onResult: (r: T) => void, scan: ResultsScan): number {
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
    scan.lines++;
    let end = nl;
    if (end > start && buf[end - 1] === 13) end--; // tolerate CRLF written by hand
    if (end > start && !isBlank(buf, start, end)) {
      let value: T;
      try {
        value = parse(buf, start, end);
      } catch {
        scan.corrupt++;
        start = nl + 1;
        continue;
      }
      onResult(value);
    }
    start = nl + 1;
  }
  return start;
}

export function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Streams every complete line of `file` (from byte `from`, default 0) to `onResult`. A missing file reads as empty. */
export async function readResults<T = CaseResult>(
  file: string,
  onResult: (r: T) => void,
  options: { from?: number; parse?: LineParser<T> } = {},
): Promise<ResultsScan> {
  const from = options.from ?? 0;
  const parse = (options.parse ?? parseResultLine) as LineParser<T>;
  const scan: ResultsScan = { validBytes: from, lines: 0, corrupt: 0, tornTail: false };
  if (!existsSync(file)) return scan;
  let carry: Buffer = Buffer.alloc(0);
  let offset = from;
  for await (const chunk of createReadStream(file, { start: from, highWaterMark: 1 << 20 })) {
    const buf: Buffer = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const used = eachLine(buf, parse, onResult, scan);
    offset += used;
    carry = buf.subarray(used);
  }
  scan.validBytes = offset;
  scan.tornTail = carry.length > 0;
  return scan;
}

/**
 * The complete lines appended to `file` after byte `offset` (a live view's poll), read in chunks. Returns the
 * offset to continue from; `truncated` when the file is now shorter than `offset` (nothing is read then).
 */
export function readAppendedResults<T = CaseResult>(
  file: string,
  offset: number,
  onResult: (r: T) => void,
  parse: LineParser<T> = parseResultLine as unknown as LineParser<T>,
): AppendedScan {
  const scan: AppendedScan = { validBytes: offset, lines: 0, corrupt: 0, tornTail: false, truncated: false };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return scan;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < offset) {
      scan.truncated = true;
      return scan;
    }
    const chunkSize = 1 << 22;
    let carry: Buffer = Buffer.alloc(0);
    let pos = offset;
    while (pos < size) {
      const chunk = Buffer.alloc(Math.min(chunkSize, size - pos));
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      pos += n;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      const used = eachLine(buf, parse, onResult, scan);
      scan.validBytes += used;
      carry = buf.subarray(used);
    }
    scan.tornTail = carry.length > 0;
    return scan;
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the lines of any text file: each as bytes [start, end) of `buf` (no newline, no CR) with its byte
 * offset in the file. Lines are complete ones only, unless `lastLine` (a file not being written, such as a batch
 * output whose last line may lack its newline).
 */
export async function scanLines(
  file: string,
  onLine: (buf: Buffer, start: number, end: number, offset: number) => void,
  options: { lastLine?: boolean; afterChunk?: () => Promise<void> } = {},
): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  let base = 0; // file offset of buf[0]
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    if (options.afterChunk && base > 0) await options.afterChunk();
    const buf: Buffer = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      onLine(buf, start, end, base + start);
      start = nl + 1;
    }
    carry = buf.subarray(start);
    base += start;
  }
  if (options.lastLine && carry.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    onLine(carry, 0, end, base);
  }
}
