// The contract between bench/run.mts and each bench/<name>.bench.ts.
export interface BenchContext {
  /** Progress lines for the person watching. */
  log: (line: string) => void;
  /** A scratch folder: benchmarks clean up after themselves. */
  tmpDir: string;
}
export type Bench = (ctx: BenchContext) => Promise<Record<string, unknown>>;
