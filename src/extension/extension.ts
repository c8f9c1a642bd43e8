// Activation: creates the services, views and commands. Kept light: nothing is read from disk here; datasets,
// configs and runs are loaded when a view or command first needs them.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from './services';
import { ConfigService } from './services/configService';
import { DatasetService } from './services/datasetService';
import { KeyService } from './services/keyService';
import { RunService } from './services/runService';
import { CaseService } from './services/caseService';
import { DatasetsView } from './views/datasetsView';
import { RunsView } from './views/runsView';
import { ModelsView } from './views/modelsView';
import { RunCodeLensProvider } from './codeLens';
import { showDatasetStats } from './commands/showDatasetStats';
import { openResults } from './commands/openResults';
import { compareRuns } from './commands/compareRuns';
import { registerCommands } from './commands/register';
import { openCase, previewCase, rerunCase, showFailures } from './commands/caseCommands';
import { CaseViews } from './webviews/caseView';
import { EvalTests } from './testing/evalTests';
import { runEvalCommand } from './commands/runEval';
import {
  cancelRun,
  deleteRun,
  rerunFailed,
  resumeRun,
  revealRun,
  type RerunArgs,
} from './commands/runManagement';
import { newEvalCommand } from './commands/newEval';
import { clearApiKey, setApiKey } from './commands/apiKeys';
import { downloadDatasetCommand } from './commands/downloadDataset';
import { showEndpointModels, testConnection } from './commands/endpointCommands';
import { cancelBatch, refreshBatchStatus, type CancelBatchOptions } from './commands/batchCommands';
import { BatchPoller } from './services/batchPoller';
import { exportRunCommand } from './commands/exportRun';
import { registerPromptLanguage } from './prompt/promptLanguage';
import { PromptPreviews } from './webviews/promptPreview';
import { registerResultsPanel } from './webviews/resultsPanel';

/** What the extension exports to other extensions and to its own integration tests. */
export interface UbpExtensionApi {
  /** Milliseconds from the start of activate() to its end. */
  activationMs: number;
  services: Services;
  datasets: DatasetService;
  views: { datasets: DatasetsView; runs: RunsView; models: ModelsView };
  /** Follows the runs' provider batches (polls, imports). */
  batches: BatchPoller;
  previews: PromptPreviews;
  caseViews: CaseViews;
  tests: EvalTests;
}

export function activate(context: vscode.ExtensionContext): UbpExtensionApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('UBP Eval', { log: true });
  const datasets = new DatasetService(context.extensionUri, log);
  const services: Services = {
    context,
    extensionUri: context.extensionUri,
    log,
    keys: new KeyService(context.secrets, context.globalState),
    configs: new ConfigService(),
    runs: new RunService(path.join(context.extensionUri.fsPath, 'dist', 'cli.js')),
    datasets,
    cases: new CaseService(datasets, context.extensionUri.fsPath),
  };
  const datasetsView = new DatasetsView(datasets, services.configs);
  const batches = new BatchPoller(services);
  const runsView = new RunsView(services.runs, batches);
  const modelsView = new ModelsView(services);
  const previews = new PromptPreviews(services);
  registerPromptLanguage(context, previews);
  const caseViews = new CaseViews(services);
  const codeLenses = new RunCodeLensProvider(services.runs);
  const tests = new EvalTests(services);
  const results = registerResultsPanel(context, {
    log,
    runsRoot: () => services.runs.root(),
    openCase: async (dir, caseId, variant, sample) =>
      void (await caseViews.show({ dir, caseId, variant, sample })),
  });
  const panels = results.panels;
  context.subscriptions.push(
    log,
    services.keys,
    services.configs,
    services.runs,
    batches,
    previews,
    caseViews,
    tests,
    vscode.window.registerTreeDataProvider('ubp.datasets', datasetsView),
    vscode.window.createTreeView('ubp.runs', {
      treeDataProvider: runsView,
      canSelectMany: true,
      showCollapseAll: true,
    }),
    vscode.window.registerTreeDataProvider('ubp.models', modelsView),
    codeLenses,
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.ubp.json' }, codeLenses),
    results.disposable,
    registerCommands({
      showDatasetStats: (arg?: string | { ref?: { path: string } }) =>
        showDatasetStats(context, datasets, log, arg),
      openResults: (arg?: unknown) => openResults(panels, arg),
      compareRuns: (first?: unknown, second?: unknown) => compareRuns(panels, first, second),
      openPromptPreview: (uri?: vscode.Uri) => previews.show(uri),
      refreshDatasets: () => datasetsView.refresh(),
      refreshRuns: () => runsView.refresh(),
      refreshModels: () => modelsView.refresh(),
      runEval: (config?: vscode.Uri | string, args?: object) => runEvalCommand(services, config, args),
      cancelRun: (run?: string) => cancelRun(services, run),
      resumeRun: (run?: string) => resumeRun(services, run),
      rerunFailed: (run?: string, args?: RerunArgs) => rerunFailed(services, run, args),
      revealRun: (run?: string) => revealRun(services, run),
      deleteRun: (run?: string, options?: { confirm?: boolean }) => deleteRun(services, run, options),
      exportRun: (run?: string, options?: { format?: 'csv' | 'jsonl'; out?: string }) =>
        exportRunCommand(services, run, options),
      newEval: (args?: object) => newEvalCommand(services, args),
      newEvalFromDataset: (node?: { ref?: { path: string; bundled: boolean } }) =>
        newEvalCommand(
          services,
          node?.ref ? { dataset: node.ref.bundled ? 'bundled:ml-latest-small' : node.ref.path } : {},
        ),
      setApiKey: (origin?: string, key?: string) => setApiKey(services, origin, key),
      clearApiKey: (origin?: string) => clearApiKey(services, origin),
      downloadDataset: (name?: string, folder?: string) => downloadDatasetCommand(services, name, folder),
      testConnection: (endpoint?: string) => testConnection(services, endpoint),
      listEndpointModels: (endpoint?: string) => showEndpointModels(services, endpoint),
      openCase: (arg?: unknown) => openCase(caseViews, tests, arg),
      rerunCase: (arg?: unknown) => rerunCase(services, caseViews, tests, arg),
      previewCase: (arg?: unknown) => previewCase(previews, tests, arg),
      showFailures: (dir?: string, variant?: string) => showFailures(panels, dir, variant),
      refreshBatchStatus: (run?: unknown) => refreshBatchStatus(services, batches, run),
      cancelBatch: (run?: unknown, options?: CancelBatchOptions) =>
        cancelBatch(services, batches, run, options),
    }),
  );
  void vscode.commands.executeCommand('setContext', 'ubp.workspaceTrusted', vscode.workspace.isTrusted);
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(
      () => void vscode.commands.executeCommand('setContext', 'ubp.workspaceTrusted', true),
    ),
  );
  // After activation, off its clock: the welcome views' context and the Test Explorer's latest results.
  setImmediate(() => void tests.load());
  // Open batches left by an earlier session (or the CLI) are looked at shortly after start-up.
  batches.start();
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs,
    services,
    datasets,
    views: { datasets: datasetsView, runs: runsView, models: modelsView },
    batches,
    previews,
    caseViews,
    tests,
  };
}

export function deactivate(): void {}
