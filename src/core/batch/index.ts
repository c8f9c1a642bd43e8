// Batch mode: a run's requests sent through a provider's batch API (OpenAI Batch, Anthropic Message Batches) or
// exported for a self-hosted engine (`vllm run-batch`), and the results imported as if the run were interactive.
// See docs/batch.md.
export * from './formats';
export * from './ids';
export * from './state';
export * from './clients';
export * from './requests';
export * from './importer';
export * from './submit';
