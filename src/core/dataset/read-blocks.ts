// Reads a file as bytes in big chunks and hands out blocks of whole lines. A data file can be larger than a
// JavaScript string can hold (about 512 M characters), so nothing here ever makes one string of a file.
import { open, stat } from 'node:fs/promises';
import { DatasetError } from './errors';
import type { FileHasher } from './hasher';

/** `buf[start..end)` holds whole lines, each ending in '\n' (one is added after a last line that lacks it). */
export interface LineBlock {
  buf: Buffer;
  start: number;
  end: number;
}

export interface ReadBlocksOptions {
  /** The name used in messages (usually the path as the user gave it). */
  display: string;
  signal?: AbortSignal;
  /** Bytes read at a time. */
  chunkBytes?: number;
  /** Receives every byte of the file (the fingerprint), BOM included. */
  hash?: FileHasher | null;
  /** A line longer than this is an error: it is not a text data file (or one with no line breaks). */
  maxLineBytes?: number;
  /** The 1-based number of the line that starts the unread part, for the messages of the errors found here. */
  nextLine?: () => number;
}

const DEFAULT_CHUNK = 8 << 20;
const DEFAULT_MAX_LINE = 16 << 20;
/** NUL bytes in the first this-many bytes mean a binary file. */
const BINARY_SNIFF = 64 << 10;

/** Checks that `file` exists, is a file and is not empty; returns its size. */
export async function statDataFile(file: string, display: string): Promise<number> {
  let size: number;
  try {
    const s = await stat(file);
    if (s.isDirectory()) throw new DatasetError(display, null, null, 'is a directory, not a data file');
    size = s.size;
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError(display, null, null, 'file not found');
    throw new DatasetError(display, null, null, `cannot read: ${(e as Error).message}`);
  }
  if (size === 0) throw new DatasetError(display, null, null, 'empty file (0 bytes)');
  return size;
}

/** Position of `at` as 1-based line and column, counted from `from` (which starts line `firstLine`). */
export function lineColumnAt(buf: Buffer, from: number, at: number, firstLine: number): [number, number] {
  let line = firstLine;
  let lineStart = from;
  for (let i = buf.indexOf(10, from); i >= 0 && i < at; i = buf.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return [line, at - lineStart + 1];
}

/**
 * Yields blocks of whole lines. Skips a UTF-8 BOM, refuses binary files (NUL bytes near the start) and lines
 * longer than `maxLineBytes`, and checks the abort signal between chunks. Two buffers take turns: the next
 * chunk is being read while the consumer parses the current block, which must be done with it before asking
 * for the next.
 */
export async function* readLineBlocks(file: string, options: ReadBlocksOptions): AsyncGenerator<LineBlock> {
  const { display, signal, hash } = options;
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  const size = await statDataFile(file, display);
  // a small file gets small buffers: two 8 MiB ones per file would make the garbage collector work for nothing
  const chunk = Math.min(options.chunkBytes ?? DEFAULT_CHUNK, Math.max(64, size + 1));
  const fh = await open(file, 'r');
  let pending: Promise<{ bytesRead: number }> | null = null;
  try {
    let buf = Buffer.allocUnsafe(chunk);
    let spare = Buffer.allocUnsafe(chunk);
    let carry = 0; // bytes of an unfinished line kept at the front of buf
    let first = true;
    pending = fh.read(buf, 0, buf.length, null);
    for (;;) {
      const { bytesRead }: { bytesRead: number } = await pending!;
      pending = null;
      signal?.throwIfAborted();
      if (bytesRead > 0) await hash?.update(buf.subarray(carry, carry + bytesRead));
      let end: number = carry + bytesRead;
      let start = 0;
      if (first && end > 0) {
        first = false;
        if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
          throw new DatasetError(display, 1, 1, 'UTF-16 text is not supported: save the file as UTF-8');
        }
        const nul = buf.subarray(0, Math.min(end, BINARY_SNIFF)).indexOf(0);
        if (nul >= 0) {
          const [line, column] = lineColumnAt(buf, 0, nul, 1);
          throw new DatasetError(display, line, column, 'binary data (a NUL byte): not a text data file');
        }
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      }
      if (bytesRead === 0) {
        if (end === start) return;
        if (end === buf.length) {
          // no room for the final '\n': grow first
          const bigger = Buffer.allocUnsafe(buf.length + 1);
          buf.copy(bigger, 0, 0, end);
          buf = bigger;
        }
        buf[end++] = 10; // a last line without its line break
      }
      const last = buf.lastIndexOf(10, end - 1);
      if (last < start) {
        // no line break yet: keep the bytes and read on, in a bigger buffer when this one is full
        if (start > 0) {
          buf.copy(buf, 0, start, end);
          end -= start;
        }
        if (end === buf.length) {
          if (end >= maxLine) {
            const line = options.nextLine?.() ?? 0;
            throw new DatasetError(
              display,
              line || null,
              1,
              `line longer than ${Math.round(maxLine / 2 ** 20)} MiB: not a line-based text file?`,
            );
          }
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxLine + 1));
          buf.copy(bigger, 0, 0, end);
          buf = bigger;
        }
        carry = end;
        pending = fh.read(buf, carry, buf.length - carry, null);
        continue;
      }
      // the unfinished line goes to the front of the other buffer, which starts filling while this block is used
      const next: number = end - (last + 1);
      if (spare.length < Math.max(chunk, next * 2)) spare = Buffer.allocUnsafe(Math.max(chunk, next * 2));
      buf.copy(spare, 0, last + 1, end);
      if (bytesRead > 0) pending = fh.read(spare, next, spare.length - next, null);
      yield { buf, start, end: last + 1 };
      if (bytesRead === 0) return;
      [buf, spare] = [spare, buf];
      carry = next;
    }
  } finally {
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
}
