// The engine's public API: what the CLI and the extension may use. Front ends import from here, never from
// the engine's inner files, so the engine can be reorganised freely behind it.
export * from './types';
export { ENGINE_VERSION } from './version';
export * from './config';
export { closestName, editDistance } from './closestName';
export * from './forms';
export * from './tasks';
export * from './scoring';
export * from './prompt';
export * from './models/baselines';
export * from './models';
export * from './dataset';
export * from './run';
// Batch mode brings the provider clients (openai) with it: front ends load it when they need it, so the engine's
// entry point stays light (a unit test checks that no provider loads with it).
export type { BatchRecord } from './batch';
export const loadBatch = (): Promise<typeof import('./batch')> => import('./batch');
export * from './shard';
