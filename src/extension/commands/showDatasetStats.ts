// "UBP: Show Dataset Statistics": loads a dataset through the engine and shows its statistics in a panel.
// Accepts the dataset folder as an argument (from the tree, a keybinding or a test); asks otherwise.
import * as vscode from 'vscode';
import { HostChannel } from '../webviews/hostChannel';
import { webviewHtml, webviewOptions } from '../webviews/html';
import type { DatasetService } from '../services/datasetService';
import type { DatasetStats } from '../../core';
import type { StatsPanelProtocol, StatsView } from '../../protocol/statsPanel';

export interface ShowStatsResult {
  panel: vscode.WebviewPanel;
  /** Resolves when the webview reports it has rendered the statistics. */
  rendered: Promise<{ at: number; rows: number }>;
}

export async function showDatasetStats(
  context: vscode.ExtensionContext,
  datasets: DatasetService,
  log: vscode.LogOutputChannel,
  arg?: string | { ref?: { path: string } },
): Promise<ShowStatsResult | undefined> {
  const folder = typeof arg === 'string' ? arg : (arg?.ref?.path ?? (await pickDataset(datasets)));
  if (!folder) return undefined;
  const panel = vscode.window.createWebviewPanel(
    'ubp.datasetStats',
    'Dataset statistics',
    vscode.ViewColumn.Active,
    webviewOptions(context.extensionUri),
  );
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
}

async function pickDataset(datasets: DatasetService): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    (await datasets.list()).map((d) => ({ label: d.label, description: d.path, path: d.path })),
    { title: 'Show statistics of which dataset?' },
  );
  return picked?.path;
}

/** A day in the user's locale (the dataset's time span has no meaningful time of day). */
function day(iso: string): string {
  return new Date(iso).toLocaleDateString(vscode.env.language, { dateStyle: 'medium' });
}

function toView(
  folder: string,
  name: string,
  format: string,
  stats: DatasetStats,
  loadMs: number,
): StatsView {
  const num = (n: number) => n.toLocaleString('en-US');
  const h = stats.historyLength;
  const rows = [
    { label: 'Users', value: num(stats.users) },
    { label: 'Items', value: num(stats.items) },
    { label: 'Interactions', value: num(stats.interactions) },
    { label: 'Density', value: `${(stats.density * 100).toFixed(3)}%` },
    {
      label: 'Feedback',
      value:
        stats.kind === 'explicit' && stats.scale
          ? `ratings ${stats.scale.min}–${stats.scale.max} by ${stats.scale.step}`
          : 'implicit (play counts)',
    },
    { label: 'Mean value', value: stats.values.mean.toFixed(2) },
    { label: 'History length (median, p10–p90)', value: `${h.median} (${h.p10}–${h.p90})` },
  ];
  if (stats.timeSpan)
    rows.push({
      label: 'Time span',
      value: `${day(stats.timeSpan.firstIso)} – ${day(stats.timeSpan.lastIso)}`,
    });
  return {
    title: name,
    path: folder,
    format,
    loadMs,
    rows,
    histogram: stats.values.histogram.map((b) => ({ label: b.label, count: b.count })),
    popular: stats.popular.slice(0, 15).map((p) => ({ title: p.title, count: p.count })),
  };
}
