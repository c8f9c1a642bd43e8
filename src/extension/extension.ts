// Activation: wires the commands, views and services. Kept light: nothing is loaded from disk here; datasets
// and runs are read when a view or command first needs them.
import * as vscode from 'vscode';
import { DatasetService } from './services/datasetService';
import { DatasetsView } from './views/datasetsView';
import { registerShowDatasetStats } from './commands/showDatasetStats';

/** What the extension exports to other extensions and to its own integration tests. */
export interface UbpExtensionApi {
  /** Milliseconds from the start of activate() to its end. */
  activationMs: number;
  datasets: DatasetService;
}

export function activate(context: vscode.ExtensionContext): UbpExtensionApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('UBP Eval', { log: true });
  const datasets = new DatasetService(context.extensionUri, log);
  const datasetsView = new DatasetsView(datasets);
  context.subscriptions.push(
    log,
    vscode.window.registerTreeDataProvider('ubp.datasets', datasetsView),
    vscode.commands.registerCommand('ubp.refreshDatasets', () => datasetsView.refresh()),
    registerShowDatasetStats(context, datasets, log),
  );
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, datasets };
}

export function deactivate(): void {}
