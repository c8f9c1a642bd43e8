// Text written to a file a line at a time through one reused byte buffer. Joining a megabyte of lines into one
// string before writing it puts that string in V8's large-object space, which only a full collection frees: an
// export of a million request lines left ~290 MB of such strings behind at 100,000 (bench/scale.bench.ts). Here
// each line is encoded straight into the buffer, and the buffer is handed to a synchronous sink when full.
import { writeSync } from 'node:fs';

/** Writes bytes synchronously, all of them (the sink a LineBuffer hands its bytes to). */
export type ByteSink = (bytes: Buffer) => void;

/** A sink that writes to an open file descriptor (all bytes, however many calls it takes). */
export function fdSink(fd: number): ByteSink {
  return (bytes) => {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  };
}

export class LineBuffer {
  /** Allocated on the first write: a reader that never writes costs nothing. */
  private buf: Buffer | undefined;
  private used = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly size = 1 << 20,
  ) {}

  /** Bytes waiting for the next flush. */
  get buffered(): number {
    return this.used;
  }

  /** Queues `text` (flushing first when it might not fit; a text larger than the buffer goes out on its own). */
  write(text: string): void {
    // One UTF-16 code unit is at most 3 bytes of UTF-8: the bound that needs no measuring.
    if (text.length * 3 > this.size - this.used) {
      this.flush();
      if (text.length * 3 > this.size) {
        this.sink(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.buf ??= Buffer.allocUnsafe(this.size);
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  /** Hands the queued bytes to the sink. */
  flush(): void {
    if (!this.used || !this.buf) return;
    const n = this.used;
    this.used = 0;
    this.sink(this.buf.subarray(0, n));
  }
}
