// "UBP: Show Dataset Statistics": loads a dataset through the engine and shows its statistics in a panel.
// Accepts the dataset folder as an argument (from the tree, a keybinding or a test); asks otherwise.
import * as vscode from 'vscode';
import { HostChannel } from '../webviews/hostChannel';
import { webviewHtml, webviewOptions } from '../webviews/html';
import type { DatasetService } from '../services/datasetService';
import type { StatsPanelProtocol, StatsView } from '../../protocol/statsPanel';

export interface ShowStatsResult {
  panel: vscode.WebviewPanel;
  /** Resolves when the webview reports it has rendered the statistics. */
  rendered: Promise<{ at: number; rows: number }>;
}

export function registerShowDatasetStats(
  context: vscode.ExtensionContext,
  datasets: DatasetService,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  return vscode.commands.registerCommand(
    'ubp.showDatasetStats',
    async (arg?: string | { ref?: { path: string } }): Promise<ShowStatsResult | undefined> => {
      const folder = typeof arg === 'string' ? arg : (arg?.ref?.path ?? (await pickDataset(datasets)));
      if (!folder) return undefined;
      const panel = vscode.window.createWebviewPanel('ubp.datasetStats', 'Dataset statistics', vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
      let onRendered!: (v: { at: number; rows: number }) => void;
      const rendered = new Promise<{ at: number; rows: number }>((r) => (onRendered = r));
      const channel = new HostChannel<StatsPanelProtocol>(panel.webview, {}, { rendered: (v) => onRendered(v) });
      panel.onDidDispose(() => channel.dispose());
      panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'stats', 'Dataset statistics');
      try {
        const { loaded, stats, loadMs } = await datasets.load(folder);
        panel.title = `Statistics: ${loaded.data.name}`;
        channel.notify('show', toView(folder, loaded.data.name, loaded.data.format, stats, loadMs));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.error(`statistics of ${folder}: ${message}`);
        channel.notify('error', { message });
      }
      return { panel, rendered };
    },
  );
}

async function pickDataset(datasets: DatasetService): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    datasets.list().map((d) => ({ label: d.label, description: d.path, path: d.path })),
    { title: 'Show statistics of which dataset?' },
  );
  return picked?.path;
}

function toView(
  folder: string,
  name: string,
  format: string,
  stats: import('../../core').DatasetStats,
  loadMs: number,
): StatsView {
  const num = (n: number) => n.toLocaleString('en-US');
  return {
    title: name,
    path: folder,
    format,
    loadMs,
    rows: [
      { label: 'Users', value: num(stats.users) },
      { label: 'Items', value: num(stats.items) },
      { label: 'Interactions', value: num(stats.interactions) },
      { label: 'Density', value: `${(stats.density * 100).toFixed(3)}%` },
    ],
    histogram: [],
    popular: [],
  };
}
