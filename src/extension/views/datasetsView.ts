// The Datasets tree: each dataset, and under it its files and key statistics (loaded on expand).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { DatasetRef, DatasetService } from '../services/datasetService';
import type { ConfigService } from '../services/configService';

type Node =
  | { kind: 'dataset'; ref: DatasetRef }
  | { kind: 'file'; path: string }
  | { kind: 'stat'; label: string; value: string }
  | { kind: 'error'; message: string };

export class DatasetsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly datasets: DatasetService,
    private readonly configs: ConfigService,
  ) {
    configs.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'dataset': {
        const item = new vscode.TreeItem(node.ref.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.contextValue = 'dataset';
        item.iconPath = new vscode.ThemeIcon('database');
        item.tooltip = node.ref.path;
        item.id = `dataset:${node.ref.path}`;
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(vscode.Uri.file(node.path), vscode.TreeItemCollapsibleState.None);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
        return item;
      }
      case 'stat': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.value;
        item.iconPath = new vscode.ThemeIcon('symbol-number');
        return item;
      }
      case 'error': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('error');
        return item;
      }
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return (await this.datasets.list(this.configs)).map((ref): Node => ({ kind: 'dataset', ref }));
    if (node.kind !== 'dataset') return [];
    try {
      const { loaded, stats } = await this.datasets.load(node.ref.path);
      const num = (n: number) => n.toLocaleString('en-US');
      return [
        { kind: 'stat', label: 'Users', value: num(stats.users) },
        { kind: 'stat', label: 'Items', value: num(stats.items) },
        { kind: 'stat', label: 'Interactions', value: num(stats.interactions) },
        { kind: 'stat', label: 'Density', value: `${(stats.density * 100).toFixed(2)}%` },
        ...loaded.files.map((f): Node => ({
          kind: 'file',
          path: path.isAbsolute(f) ? f : path.join(node.ref.path, f),
        })),
      ];
    } catch (e) {
      return [{ kind: 'error', message: e instanceof Error ? e.message : String(e) }];
    }
  }
}
