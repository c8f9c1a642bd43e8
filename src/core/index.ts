// The engine's public API: what the CLI and the extension may use. Front ends import from here, never from
// the engine's inner files, so the engine can be reorganised freely behind it.
export * from './types';
export { ENGINE_VERSION } from './version';
export * from './config';
export * from './forms';
export * from './tasks';
export * from './scoring';
export * from './prompt';
export * from './models/baselines';
export * from './models';
export * from './dataset';
export * from './run';
export * from './batch';
export * from './shard';
