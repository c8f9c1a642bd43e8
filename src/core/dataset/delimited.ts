// General delimited text (CSV, TSV, `|` or `;` separated) for the files that are not on the hot path:
// MovieLens movies.csv and tags.csv, and any CSV/TSV mapped by a generic column map.
//
// Lines come from text-lines.ts (chunked bytes, so any size). A small quote-aware pass finds where each record
// and each field starts, which gives exact line:column positions for errors and catches unterminated quotes;
// csv-parse then reads the fields of the good records, batch by batch.
import { parse } from 'csv-parse/sync';
import { readTextLines, type ReadTextOptions } from './text-lines';

export interface DelimitedOptions extends ReadTextOptions {
  /** The separator; undefined = detected from the first line (',', tab, ';' or '|'). */
  delimiter?: string;
  /** How many lines one quoted field may span (1 = never: MovieLens files have no line breaks in fields). */
  maxRecordLines?: number;
}

/** One record. Its field columns are worked out only when asked for (an error message): most never are. */
export class DelimitedRecord {
  constructor(
    /** 1-based line where the record starts. */
    readonly line: number,
    readonly fields: string[],
    private starts: number[] | null,
    private readonly delimiterLength: number,
  ) {}

  /** 1-based column where each field starts (on the record's first line). */
  get columns(): number[] {
    if (!this.starts) {
      let at = 1;
      this.starts = this.fields.map((f) => {
        const c = at;
        at += f.length + this.delimiterLength;
        return c;
      });
    }
    return this.starts;
  }
}

const CANDIDATES = [',', '\t', ';', '|'];
const BATCH = 2000;

/** The delimiter that splits a header line into the most fields (outside quotes). */
export function detectDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const count = fieldStarts(firstLine, d).starts.length;
    if (count > bestCount) [best, bestCount] = [d, count];
  }
  return best;
}

interface Scan {
  /** 0-based offsets where fields start. */
  starts: number[];
  /** Offset of an opening quote that is still open at the end of the text, or -1. */
  openQuote: number;
  /** Offset of a character that cannot follow a closing quote, or -1. */
  strayAfterQuote: number;
}

/** Finds field starts in (possibly multi-line) record text, RFC 4180 quoting with quotes only at field start. */
function fieldStarts(text: string, delimiter: string): Scan {
  const starts = [0];
  let i = 0;
  const n = text.length;
  const dl = delimiter.length;
  while (i <= n) {
    if (text[i] === '"') {
      const open = i;
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return { starts, openQuote: open, strayAfterQuote: -1 };
        if (text[q + 1] === '"') {
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // after the closing quote: spaces, then a delimiter or the end
      while (text[i] === ' ') i++;
      if (i >= n) break;
      if (!text.startsWith(delimiter, i)) return { starts, openQuote: -1, strayAfterQuote: i };
    } else {
      const at = text.indexOf(delimiter, i);
      if (at < 0) break;
      i = at;
    }
    i += dl;
    starts.push(i);
  }
  return { starts, openQuote: -1, strayAfterQuote: -1 };
}

/** Yields batches of records, bad ones reported to the log (strict mode throws there). */
export async function* readDelimited(
  file: string,
  options: DelimitedOptions,
): AsyncGenerator<DelimitedRecord[]> {
  const { log, display } = options;
  const maxLines = options.maxRecordLines ?? 1;
  let delimiter = options.delimiter;
  let batch: {
    line: number;
    text: string;
    lines: number;
    columns: number[] | null;
    fields?: string[];
    skipped?: boolean;
  }[] = [];
  // lines of a record whose quoted field is still open
  let pending: { line: number; text: string }[] = [];

  const flush = (): DelimitedRecord[] => {
    if (batch.length === 0) return [];
    const records = batch;
    batch = [];
    // Records without quotes are split where the scan found the fields; csv-parse reads the quoted ones.
    const quoted = records.filter((r) => r.fields === undefined);
    if (quoted.length) {
      // Every record handed over is whole and well-formed (the scan checked its quotes), so csv-parse returns
      // them one for one, in order; should it skip one, each record is parsed alone to know which.
      const rows = parseRecords(quoted.map((r) => r.text).join('\n'), delimiter!);
      if (rows.length === quoted.length) quoted.forEach((r, k) => (r.fields = rows[k]));
      else {
        for (const r of quoted) {
          const one = parseRecords(r.text, delimiter!, (message) => {
            r.skipped = true;
            log.skip(display, r.line, 1, `unreadable record: ${message}`);
          });
          if (one.length === 1) r.fields = one[0];
        }
      }
    }
    const out: DelimitedRecord[] = [];
    for (const r of records) {
      if (r.fields && !r.skipped)
        out.push(new DelimitedRecord(r.line, r.fields, r.columns, delimiter!.length));
    }
    return out;
  };

  const take = (line: number, text: string): void => {
    delimiter ??= detectDelimiter(text);
    if (pending.length === 0 && text.indexOf('"') < 0) {
      // the common case: no quotes, the fields are what the delimiter splits
      batch.push({ line, text, lines: 1, columns: null, fields: text.split(delimiter) });
      return;
    }
    const parts = pending.length ? [...pending.map((p) => p.text), text] : [text];
    const start = pending.length ? pending[0] : { line, text };
    const whole = parts.join('\n');
    const scan = fieldStarts(whole, delimiter);
    if (scan.openQuote >= 0) {
      pending.push({ line, text });
      if (pending.length >= maxLines) unterminated();
      return;
    }
    pending = [];
    if (scan.strayAfterQuote >= 0) {
      const [l, c] = position(start.line, whole, scan.strayAfterQuote);
      log.skip(display, l, c, `unexpected "${whole[scan.strayAfterQuote]}" after a closing quote`);
      return;
    }
    const columns = scan.starts.map((s) => s + 1);
    if (whole.includes('"')) batch.push({ line: start.line, text: whole, lines: parts.length, columns });
    else {
      const fields = scan.starts.map((s, k) =>
        whole.slice(s, k + 1 < scan.starts.length ? scan.starts[k + 1] - delimiter!.length : whole.length),
      );
      batch.push({ line: start.line, text: whole, lines: 1, columns, fields });
    }
  };

  // The first pending line opened a quote that never closed: report it, then re-read the lines after it.
  const unterminated = (): void => {
    const [first, ...rest] = pending;
    pending = [];
    const scan = fieldStarts(first.text, delimiter!);
    log.skip(display, first.line, (scan.openQuote >= 0 ? scan.openQuote : 0) + 1, 'unterminated quote');
    for (const r of rest) take(r.line, r.text);
  };

  for await (const lines of readTextLines(file, options)) {
    for (const { line, text } of lines) {
      if (pending.length === 0 && text.trim() === '') continue;
      take(line, text);
    }
    if (batch.length >= BATCH) yield flush();
  }
  while (pending.length) unterminated();
  yield flush();
}

function parseRecords(text: string, delimiter: string, onSkip?: (message: string) => void): string[][] {
  return parse(text, {
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: '\n',
    skip_records_with_error: true,
    on_skip: (err) => {
      onSkip?.(err?.message ?? 'unknown error');
      return undefined;
    },
  }) as string[][];
}

/** Line and column of offset `at` in a record that starts at `line` and may span lines. */
function position(line: number, text: string, at: number): [number, number] {
  const before = text.slice(0, at).split('\n');
  return [line + before.length - 1, before[before.length - 1].length + 1];
}
