// sha256 of a data file as it is read (the dataset fingerprint). Big files are hashed on a worker thread so the
// hash (about 0.3 s for 662 MB) overlaps the parsing instead of adding to it; small ones inline.
import { createHash } from 'node:crypto';
import type * as WorkerThreads from 'node:worker_threads';

export interface FileHasher {
  /** Takes the next bytes (copied when they go to the worker: the caller may reuse its buffer). */
  update(chunk: Uint8Array): Promise<void> | void;
  digest(): Promise<string>;
  /** Stops a worker early (after an error). */
  dispose(): void;
}

/** Files at least this big are hashed on a worker. */
const WORKER_MIN_BYTES = 64 << 20;
/** Bytes sent to the worker and not yet hashed, before update() waits. */
const MAX_IN_FLIGHT = 64 << 20;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (m === null) parentPort.postMessage({ digest: hash.digest('hex') });
  else { hash.update(new Uint8Array(m)); parentPort.postMessage({ done: m.byteLength }); }
});
`;

export function createFileHasher(size: number): FileHasher {
  if (size < WORKER_MIN_BYTES) {
    const h = createHash('sha256');
    return {
      update: (chunk) => void h.update(chunk),
      digest: async () => h.digest('hex'),
      dispose: () => undefined,
    };
  }
  // node:worker_threads only for a big file: loading it costs every run a few ms of start-up (issue 15).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy, synchronous load of a builtin
  const { Worker } = require('node:worker_threads') as typeof WorkerThreads;
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref(); // never keeps a process alive
  let inFlight = 0;
  let failure: Error | null = null;
  let waiting: (() => void) | null = null;
  let onDigest: ((hex: string) => void) | null = null;
  worker.on('message', (m: { done?: number; digest?: string }) => {
    if (m.done !== undefined) {
      inFlight -= m.done;
      if (waiting && inFlight <= MAX_IN_FLIGHT) {
        const w = waiting;
        waiting = null;
        w();
      }
    } else if (m.digest !== undefined) onDigest?.(m.digest);
  });
  worker.on('error', (e) => {
    failure = e;
    waiting?.();
  });
  return {
    async update(chunk) {
      if (failure) throw failure;
      const copy = new Uint8Array(chunk); // a copy with its own ArrayBuffer, moved to the worker
      inFlight += copy.byteLength;
      worker.postMessage(copy.buffer, [copy.buffer]);
      if (inFlight > MAX_IN_FLIGHT) await new Promise<void>((resolve) => (waiting = resolve));
      if (failure) throw failure;
    },
    digest() {
      return new Promise<string>((resolve, reject) => {
        if (failure) return reject(failure);
        worker.once('error', reject);
        onDigest = (hex) => {
          resolve(hex);
          void worker.terminate();
        };
        worker.postMessage(null);
      });
    },
    dispose() {
      void worker.terminate();
    },
  };
}
