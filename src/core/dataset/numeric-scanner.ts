// The hot path: a hand-written byte scanner for the big numeric interaction files (MovieLens ratings.csv,
// ratings.dat, u.data, Last.fm user_artists.dat): `user SEP item SEP value [SEP time]`, all numbers.
//
// Design (see docs/datasets.md): the file arrives in 8 MiB blocks of whole lines (read-blocks.ts). A tight
// loop parses lines that are exactly as expected (digits, one '.', the separator, LF or CRLF) straight into
// typed arrays, interning ids through flat Int32Array tables. Any other byte sends that one line to a careful
// slow path, which accepts what is merely unusual (blank line, spaces around fields, quoted numbers) and
// reports what is wrong as file:line:column. csv-parse is 17x slower on such files; this is within 2x of the
// reference scanner (bench/dataset.bench.ts).
import { isUtf8 } from 'node:buffer';
import type { ValueScale } from '../types';
import { DatasetError, type IssueLog } from './errors';
import { readLineBlocks, statDataFile, type ReadBlocksOptions } from './read-blocks';
import { IdTable, RowColumns } from './rows';
import { firstInvalidUtf8 } from './text-lines';

export interface NumericScanSpec extends ReadBlocksOptions {
  /** The field separator: ',', '\t' or '::'. */
  sep: string;
  /** Four fields (with a unix-seconds timestamp) or three. */
  hasTime: boolean;
  /** Column names of the header line; `headerRequired` false means the header line may be absent. */
  header: string[] | null;
  headerRequired: boolean;
  /** The explicit rating scale (values off it are errors), or null for implicit counts (any value >= 0). */
  scale: ValueScale | null;
  users: IdTable;
  items: IdTable;
  /** Decides on an item id seen for the first time; a reason string means "unknown item: skip the row". */
  checkNewItem?: (id: number) => string | null;
  log: IssueLog;
}

const MAX_ID = 2 ** 31 - 1;
const FIELD_NAMES = ['user id', 'item id', 'value', 'timestamp'];
/** What the value column is called in messages. */
const valueName = (spec: NumericScanSpec) => (spec.scale ? 'rating' : 'count');

/** Scans a numeric interaction file into columns. Throws DatasetError for whole-file problems. */
export async function scanNumericFile(file: string, spec: NumericScanSpec): Promise<RowColumns> {
  const size = await statDataFile(file, spec.display);
  const scanner = new NumericScanner(spec, size);
  for await (const block of readLineBlocks(file, { ...spec, nextLine: () => scanner.line })) {
    scanner.scanBlock(block.buf, block.start, block.end);
  }
  scanner.finishChecks();
  return scanner.cols;
}

class NumericScanner {
  line = 1;
  cols: RowColumns;
  private sawHeader = false;
  private readonly size: number;
  private sized = false;
  private bytesSeen = 0;
  private sawData = false;
  private readonly s0: number;
  private readonly s1: number;
  private readonly sepLen: number;
  private readonly min: number;
  private readonly max: number;
  /** 1/step of the scale, or 0 when any value on the range is allowed. */
  private readonly invStep: number;

  constructor(
    private readonly spec: NumericScanSpec,
    size: number,
  ) {
    this.s0 = spec.sep.charCodeAt(0);
    this.s1 = spec.sep.length > 1 ? spec.sep.charCodeAt(1) : -1;
    this.sepLen = spec.sep.length;
    this.min = spec.scale ? spec.scale.min : 0;
    this.max = spec.scale ? spec.scale.max : Number.MAX_SAFE_INTEGER;
    this.invStep = spec.scale && spec.scale.step > 0 ? 1 / spec.scale.step : 0;
    // Room for the first chunk's rows; after it, the capacity is set from the bytes a row took there.
    this.size = size;
    this.cols = new RowColumns(Math.min(size, spec.chunkBytes ?? 8 << 20) / 16 + 1024, spec.hasTime);
  }

  scanBlock(buf: Buffer, start: number, end: number): void {
    const { s0, s1, sepLen, min, max, invStep, spec } = this;
    const hasTime = spec.hasTime;
    const users = spec.users;
    const items = spec.items;
    const cols = this.cols;
    let uTab = users.table;
    let mTab = items.table;
    let n = cols.n;
    let cap = cols.cap;
    let U = cols.user;
    let M = cols.item;
    let R = cols.value;
    let T = cols.time;
    let line = this.line;
    let i = start;
    if (!this.sawHeader && !this.sawData && i < end) {
      i = this.headerLine(buf, i, end);
      line = this.line;
    }
    while (i < end) {
      const lineStart = i;
      let b = buf[i];
      let d = b - 48;
      slow: {
        if (d >>> 0 > 9) break slow;
        let u = d;
        while ((d = (b = buf[++i]) - 48) >>> 0 <= 9) u = u * 10 + d;
        if (b !== s0 || (sepLen === 2 && buf[i + 1] !== s1)) break slow;
        i += sepLen;
        const itemAt = i;
        d = (b = buf[i]) - 48;
        if (d >>> 0 > 9) break slow;
        let m = d;
        while ((d = (b = buf[++i]) - 48) >>> 0 <= 9) m = m * 10 + d;
        if (b !== s0 || (sepLen === 2 && buf[i + 1] !== s1)) break slow;
        i += sepLen;
        d = (b = buf[i]) - 48;
        if (d >>> 0 > 9) break slow;
        let v = d;
        let div = 1;
        while ((d = (b = buf[++i]) - 48) >>> 0 <= 9) v = v * 10 + d;
        if (b === 46) {
          d = (b = buf[++i]) - 48;
          if (d >>> 0 > 9) break slow;
          do {
            v = v * 10 + d;
            div *= 10;
          } while ((d = (b = buf[++i]) - 48) >>> 0 <= 9);
        }
        let t = 0;
        if (hasTime) {
          if (b !== s0 || (sepLen === 2 && buf[i + 1] !== s1)) break slow;
          i += sepLen;
          d = (b = buf[i]) - 48;
          if (d >>> 0 > 9) break slow;
          t = d;
          while ((d = (b = buf[++i]) - 48) >>> 0 <= 9) t = t * 10 + d;
          if (t > Number.MAX_SAFE_INTEGER) break slow;
        }
        if (b === 13) b = buf[++i];
        if (b !== 10) break slow;
        const r = v / div;
        if (u > MAX_ID || m > MAX_ID || !(r >= min && r <= max)) break slow;
        if (invStep !== 0) {
          const k = (r - min) * invStep;
          if (k !== Math.round(k)) break slow;
        }
        i++;
        let mi = m < mTab.length ? mTab[m] - 1 : items.lookupNumber(m);
        if (mi < 0) {
          const unknown = spec.checkNewItem?.(m) ?? null;
          if (unknown !== null) {
            spec.log.skip(spec.display, line, itemAt - lineStart + 1, unknown, n);
            line++;
            continue;
          }
          mi = items.internNumber(m);
          mTab = items.table;
        }
        let ui = u < uTab.length ? uTab[u] - 1 : users.lookupNumber(u);
        if (ui < 0) {
          ui = users.internNumber(u);
          uTab = users.table;
        }
        if (n === cap) {
          cols.n = n;
          cols.grow();
          ({ cap, user: U, item: M, value: R, time: T } = cols);
        }
        U[n] = ui;
        M[n] = mi;
        R[n] = r;
        if (T !== null) T[n] = t;
        n++;
        line++;
        continue;
      }
      // Anything unexpected: the careful path handles this one line.
      cols.n = n;
      this.line = line;
      const lineEnd = buf.indexOf(10, lineStart);
      this.slowLine(buf, lineStart, lineEnd);
      i = lineEnd + 1;
      line++;
      ({ n, cap, user: U, item: M, value: R, time: T } = cols);
      uTab = users.table;
      mTab = items.table;
    }
    cols.n = n;
    this.line = line;
    if (n > 0) this.sawData = true;
    this.bytesSeen += end - start;
    if (!this.sized && n >= 1000) {
      // Final size estimate from the rows so far (+3%), so the columns rarely grow (a growth copy would
      // briefly hold both the old and the new arrays).
      this.sized = true;
      cols.resize(Math.min(2 ** 29, Math.ceil((this.size / this.bytesSeen) * n * 1.03)));
    }
  }

  /** The first line: a header (checked against the expected names) or, where allowed, already data. */
  private headerLine(buf: Buffer, i: number, end: number): number {
    const { spec } = this;
    while (i < end) {
      const nl = buf.indexOf(10, i);
      const text = buf.toString('latin1', i, nl).replace(/\r$/, '');
      if (text.trim() === '') {
        this.line++; // blank lines before the header
        i = nl + 1;
        continue;
      }
      this.sawHeader = true;
      const looksNumeric = /^\s*"?\d/.test(text);
      if (spec.header === null || (looksNumeric && !spec.headerRequired)) return i;
      const expected = spec.header.join(spec.sep);
      if (looksNumeric)
        throw new DatasetError(spec.display, this.line, 1, `no header line: expected "${expected}"`);
      const got = this.splitFields(text).map((f) => f.text.replace(/^"|"$/g, '').trim().toLowerCase());
      if (got.length !== spec.header.length || got.some((g, k) => g !== spec.header![k].toLowerCase())) {
        throw new DatasetError(
          spec.display,
          this.line,
          1,
          `unexpected header "${text}": expected "${expected}"`,
        );
      }
      this.line++;
      return nl + 1;
    }
    return i;
  }

  private splitFields(text: string): { text: string; column: number }[] {
    const out: { text: string; column: number }[] = [];
    let from = 0;
    for (;;) {
      const at = text.indexOf(this.spec.sep, from);
      out.push({ text: text.slice(from, at < 0 ? text.length : at), column: from + 1 });
      if (at < 0) return out;
      from = at + this.sepLen;
    }
  }

  /** One line the fast loop did not take: blank, unusual but fine, or bad (reported, skipped). */
  private slowLine(buf: Buffer, s: number, nl: number): void {
    const { spec, line } = this;
    const e = nl > s && buf[nl - 1] === 13 ? nl - 1 : nl;
    const bad = (column: number, reason: string) =>
      spec.log.skip(spec.display, line, column, reason, this.cols.n);
    if (!isUtf8(buf.subarray(s, e))) {
      const at = firstInvalidUtf8(buf, s, e);
      const hex = buf[at].toString(16).toUpperCase().padStart(2, '0');
      return bad(buf.toString('utf8', s, at).length + 1, `invalid UTF-8 (byte 0x${hex})`);
    }
    const text = buf.toString('utf8', s, e);
    if (text.trim() === '') return; // blank lines are fine
    const fields = this.splitFields(text);
    if (spec.header && fields.length === spec.header.length) {
      const names = fields.map((f) => f.text.replace(/^"|"$/g, '').trim().toLowerCase());
      if (names.every((x, k) => x === spec.header![k].toLowerCase())) return bad(1, 'duplicate header line');
    }
    const want = spec.hasTime ? 4 : 3;
    if (fields.length !== want) {
      const column = fields.length > want ? fields[want].column : text.length + 1;
      return bad(column, `expected ${want} fields separated by "${spec.sep}", found ${fields.length}`);
    }
    const nums: number[] = [];
    for (let k = 0; k < want; k++) {
      const f = fields[k];
      const lead = f.text.length - f.text.trimStart().length;
      let raw = f.text.trim();
      const column = f.column + lead;
      if (raw.startsWith('"')) {
        if (raw.length < 2 || !raw.endsWith('"')) return bad(column, 'unterminated quote');
        raw = raw.slice(1, -1).trim();
      }
      const what = k === 2 ? valueName(spec) : FIELD_NAMES[k];
      if (raw === '') return bad(column, `empty ${what}`);
      if (k === 2) {
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw))
          return bad(column, `non-numeric ${what} "${raw}"`);
      } else if (!/^\d+$/.test(raw)) {
        return bad(column, `${k === 3 ? 'non-numeric' : 'non-integer'} ${what} "${raw}"`);
      }
      const x = Number(raw);
      if (k < 2 && x > MAX_ID) return bad(column, `${what} ${raw} is too large`);
      if (k === 3 && x > Number.MAX_SAFE_INTEGER) return bad(column, `timestamp ${raw} is too large`);
      if (k === 2 && !this.onScale(x)) return bad(column, this.offScale(raw));
      nums.push(x);
    }
    const [u, m, r, t] = nums;
    let mi = spec.items.lookupNumber(m);
    if (mi < 0) {
      const unknown = spec.checkNewItem?.(m) ?? null;
      if (unknown !== null) return bad(fields[1].column, unknown);
      mi = spec.items.internNumber(m);
    }
    const ui = spec.users.internNumber(u);
    this.cols.push(ui, mi, r, t ?? 0);
  }

  private onScale(x: number): boolean {
    if (!(x >= this.min && x <= this.max)) return false;
    if (this.invStep === 0) return true;
    const k = (x - this.min) * this.invStep;
    return Math.abs(k - Math.round(k)) < 1e-9;
  }

  private offScale(raw: string): string {
    const s = this.spec.scale;
    if (!s) return `value ${raw} is negative: play counts must be >= 0`;
    return `rating ${raw} is off the scale ${s.min}..${s.max}${s.step ? ` in steps of ${s.step}` : ''}`;
  }

  finishChecks(): void {
    const { spec, cols } = this;
    if (cols.n > 0) return;
    if (spec.log.skippedRows > 0) {
      throw new DatasetError(
        spec.display,
        null,
        null,
        `no valid rows (${spec.log.skippedRows} malformed rows skipped)`,
      );
    }
    throw new DatasetError(
      spec.display,
      null,
      null,
      this.sawHeader && spec.header ? 'header only: the file has no data rows' : 'no data rows',
    );
  }
}
