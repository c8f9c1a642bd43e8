// V8 settings of the `ubp` process, applied before the CLI allocates anything (bin.ts imports this first).
//
// Allocation-site pretenuring: V8 moves the allocation sites whose objects lived long (while a dataset loads and
// cases are built) to old space for good. Streaming a million request or result lines afterwards then leaves
// hundreds of megabytes of dead strings there until a full collection, which a 4 GB heap limit puts off:
// bench/scale.bench.ts at 100,000 cases, peak RSS of `ubp batch export`'s work 565 MB with it, 383 MB without;
// the import's 479 → 402 MB. The CLI's work is streams after one load, so the heuristic only costs it.
import v8 from 'node:v8';

export const CLI_V8_FLAGS = ['--no-allocation-site-pretenuring'];

for (const flag of CLI_V8_FLAGS) v8.setFlagsFromString(flag);
