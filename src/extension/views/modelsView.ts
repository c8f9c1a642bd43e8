// The Models tree: every endpoint the workspace's eval configs use (by provider and origin), whether a key is set
// for its origin, and the models behind it. Actions: set or clear the key, test the connection, list the
// endpoint's models (both through the endpoint's provider, which knows its key header and query).
import * as vscode from 'vscode';
import { apiKeyEnvOf, endpointOf, PROVIDERS, type ModelConfig, type ProviderId } from '../../core';
import type { Services } from '../services';
import { connectionResults, endpointRow } from './endpointRow';

export interface Endpoint {
  origin: string;
  baseUrl: string;
  /** The API the endpoint speaks. */
  provider: ProviderId;
  models: ModelConfig[];
  /** Environment variables the configs (or their presets) name for this origin's key. */
  envVariables: string[];
  /** False when a preset says the server needs no key (local servers). */
  keyNeeded: boolean;
}

/** The endpoints of all workspace configs, grouped by provider and origin. */
export async function endpointsOf(services: Services): Promise<Endpoint[]> {
  const byKey = new Map<string, Endpoint>();
  for (const c of await services.configs.list()) {
    for (const m of c.config?.models ?? []) {
      let resolved;
      try {
        resolved = endpointOf(m);
      } catch {
        continue; // no base URL (an Azure preset without one): nothing to show or call
      }
      const key = `${resolved.provider} ${resolved.origin}`;
      const e = byKey.get(key) ?? {
        origin: resolved.origin,
        baseUrl: resolved.baseUrl,
        provider: resolved.provider,
        models: [],
        envVariables: [],
        keyNeeded: resolved.preset?.needsKey ?? true,
      };
      if (!e.models.some((x) => x.id === m.id)) e.models.push(m);
      const env = apiKeyEnvOf(m);
      if (env && !e.envVariables.includes(env)) e.envVariables.push(env);
      byKey.set(key, e);
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.origin.localeCompare(b.origin) || a.provider.localeCompare(b.provider),
  );
}

type Node = { kind: 'endpoint'; endpoint: Endpoint; hasKey: boolean } | { kind: 'model'; model: ModelConfig };

export class ModelsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly services: Services) {
    services.configs.onDidChange(() => this.refresh());
    services.keys.onDidChange(() => this.refresh());
    // Kept for the extension's lifetime, like the view itself.
    connectionResults.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'endpoint') {
      const e = node.endpoint;
      const item = new vscode.TreeItem(e.origin, vscode.TreeItemCollapsibleState.Expanded);
      const row = endpointRow({
        providerLabel: PROVIDERS[e.provider].label,
        keyNeeded: e.keyNeeded,
        hasStoredKey: node.hasKey,
        envKey: e.envVariables.find((v) => process.env[v]),
        lastTest: connectionResults.get(e.provider, e.origin),
      });
      item.description = row.description;
      item.iconPath = new vscode.ThemeIcon(row.icon);
      item.tooltip = [
        `${e.baseUrl} (${PROVIDERS[e.provider].label})`,
        e.keyNeeded
          ? `Keys are stored per origin and only sent to ${e.origin}.`
          : 'A local server: no key needed.',
        row.tooltip,
      ]
        .filter(Boolean)
        .join('\n');
      item.contextValue = node.hasKey ? 'endpoint.keyed' : 'endpoint';
      item.id = `endpoint:${e.provider}:${e.origin}`;
      return item;
    }
    const item = new vscode.TreeItem(node.model.id, vscode.TreeItemCollapsibleState.None);
    item.description = node.model.model;
    item.iconPath = new vscode.ThemeIcon('hubot');
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const endpoints = await endpointsOf(this.services);
      return Promise.all(
        endpoints.map(async (endpoint) => ({
          kind: 'endpoint' as const,
          endpoint,
          hasKey: await this.services.keys.hasStored(endpoint.origin),
        })),
      );
    }
    if (node.kind === 'endpoint')
      return node.endpoint.models.map((model) => ({ kind: 'model' as const, model }));
    return [];
  }
}
