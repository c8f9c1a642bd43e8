// Shards of a run (`ubp run --shard i/n`) and merging them back (`ubp merge`).
export * from './shard';
export * from './merge';
