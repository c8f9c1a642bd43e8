// Whole lines of text out of line blocks: decoded as UTF-8 (invalid bytes are a row error), Latin-1, or "auto"
// (UTF-8 where a line is valid UTF-8, else Latin-1, for releases that mixed the two). Line endings (LF or CRLF)
// are removed; lines are numbered from 1 like an editor does.
import { isUtf8 } from 'node:buffer';
import { readLineBlocks, type ReadBlocksOptions } from './read-blocks';
import type { IssueLog } from './errors';

export type TextEncoding = 'utf8' | 'latin1' | 'auto';

export interface TextLine {
  line: number;
  text: string;
}

/** Offset of the first byte of `buf[start..end)` that breaks UTF-8, or -1. */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= end) return i; // truncated sequence
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export interface ReadTextOptions extends ReadBlocksOptions {
  encoding: TextEncoding;
  log: IssueLog;
}

/** Yields the lines of each block, blank lines included (callers skip them), bad UTF-8 lines reported. */
export async function* readTextLines(file: string, options: ReadTextOptions): AsyncGenerator<TextLine[]> {
  let line = 1;
  const { encoding, log, display } = options;
  for await (const { buf, start, end } of readLineBlocks(file, { ...options, nextLine: () => line })) {
    const out: TextLine[] = [];
    const blockIsUtf8 = encoding !== 'latin1' && isUtf8(buf.subarray(start, end));
    for (let s = start; s < end; line++) {
      const nl = buf.indexOf(10, s);
      const e = nl > s && buf[nl - 1] === 13 ? nl - 1 : nl;
      let text: string;
      if (encoding === 'latin1') text = buf.toString('latin1', s, e);
      else if (blockIsUtf8 || isUtf8(buf.subarray(s, e))) text = buf.toString('utf8', s, e);
      else if (encoding === 'auto') text = buf.toString('latin1', s, e);
      else {
        const bad = firstInvalidUtf8(buf, s, e);
        const column = buf.toString('utf8', s, bad).length + 1;
        const hex = buf[bad].toString(16).toUpperCase().padStart(2, '0');
        log.skip(display, line, column, `invalid UTF-8 (byte 0x${hex}); is the file Latin-1?`);
        s = nl + 1;
        continue;
      }
      out.push({ line, text });
      s = nl + 1;
    }
    yield out;
  }
}
