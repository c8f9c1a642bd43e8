// V8 settings of the `ubp` process, applied before the CLI allocates anything (bin.ts imports this first). The
// CLI's heavy work is one dataset load followed by streams (cases rendered, request and result lines written and
// read), and V8's defaults, made for long-lived objects, let a stream's garbage pile up in old space: V8 sizes a
// 4 GB heap here and collects old space only when it has grown by up to 4x its live size. Measured with
// bench/scale.bench.ts (peak RSS, no heap cap):
// - Allocation-site pretenuring off: V8 moves the allocation sites whose objects lived long while the dataset
//   loaded to old space for good, so every later line they allocate is old-space garbage. 100,000 cases: the
//   export's work 565 → 383 MB, the import's 479 → 402 MB.
// - Old space grows by 25% of what survives a full collection, not up to 4x: the export of 1,000,000 requests
//   (dataset ~1.1 GB) peaked at 1,678 MB with the default growth and 1,489 MB with this; the live heap is ~170 MB,
//   so a full collection costs tens of milliseconds.
// Both are read by V8 at run time (a flag like --max-old-space-size is not: it must be given to node itself).
import v8 from 'node:v8';

export const CLI_V8_FLAGS = ['--no-allocation-site-pretenuring', '--heap-growing-percent=25'];

for (const flag of CLI_V8_FLAGS) v8.setFlagsFromString(flag);
