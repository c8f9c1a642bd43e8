// Every command the extension contributes, by one name each: `package.json` contributes exactly these (a unit test
// checks it), the extension registers exactly these (registerCommands takes a handler for each, or it does not
// compile), and code that runs a command names it from here. No `vscode` import: the unit test loads this file.
export const Command = {
  showDatasetStats: 'ubp.showDatasetStats',
  openResults: 'ubp.openResults',
  compareRuns: 'ubp.compareRuns',
  refreshDatasets: 'ubp.refreshDatasets',
  runEval: 'ubp.runEval',
  newEval: 'ubp.newEval',
  newEvalFromDataset: 'ubp.newEvalFromDataset',
  setApiKey: 'ubp.setApiKey',
  clearApiKey: 'ubp.clearApiKey',
  cancelRun: 'ubp.cancelRun',
  resumeRun: 'ubp.resumeRun',
  rerunFailed: 'ubp.rerunFailed',
  revealRun: 'ubp.revealRun',
  deleteRun: 'ubp.deleteRun',
  exportRun: 'ubp.exportRun',
  downloadDataset: 'ubp.downloadDataset',
  refreshRuns: 'ubp.refreshRuns',
  refreshModels: 'ubp.refreshModels',
  testConnection: 'ubp.testConnection',
  listEndpointModels: 'ubp.listEndpointModels',
  openPromptPreview: 'ubp.openPromptPreview',
  openCase: 'ubp.openCase',
  rerunCase: 'ubp.rerunCase',
  previewCase: 'ubp.previewCase',
  showFailures: 'ubp.showFailures',
  refreshBatchStatus: 'ubp.refreshBatchStatus',
  cancelBatch: 'ubp.cancelBatch',
} as const;

export type CommandName = keyof typeof Command;
export type CommandId = (typeof Command)[CommandName];

/** One handler per command: a missing or extra one is a compile error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command takes its own arguments
export type CommandHandlers = { readonly [K in CommandName]: (...args: any[]) => unknown };
