// Shards: `ubp run --shard i/n` runs a deterministic slice of a run's cases, chosen by a hash of the case id, so
// several machines or CI jobs share one eval and `ubp merge` puts the slices back together. The shard is part of
// the run's identity: shard 2 of 4 has its own run id and never resumes shard 1.
import { createHash } from 'node:crypto';

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

/** "2/4" → { index: 2, count: 4 }. Throws a readable error on anything else. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new Error(`a shard is i/n with 1 <= i <= n, e.g. 2/4; got "${text}"`);
  return { index, count };
}

/** The shard (1-based) a case belongs to among `count`: a hash of its id, the same on every machine. */
export function shardOfCase(caseId: string, count: number): number {
  if (count <= 1) return 1;
  const h = createHash('sha256').update(caseId).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/** The cases of one shard, in their original order. */
export function casesOfShard<T extends { id: string }>(cases: readonly T[], shard: ShardSpec): T[] {
  return cases.filter((c) => shardOfCase(c.id, shard.count) === shard.index);
}

/** "shard2of4": the suffix of a shard's run id. */
export function shardLabel(shard: ShardSpec): string {
  return `shard${shard.index}of${shard.count}`;
}
