// The run area: the runner (events, cancel, resume, limits, budget), the run store and the high-level prepare step.
export * from './events';
export * from './lock';
export * from './runner';
export * from './store';
export * from './results';
export * from './liveResults';
export * from './prepare';
export * from './cost';
export * from './rerun';
export type { LlmBinding, LlmFactory, LlmFactoryArgs, RetryListener } from './wiring';
export { apiKeyEnvOf, baseUrlOf } from './wiring';
