// The workspace's eval configs (*.ubp.json): found once, parsed by the engine, kept fresh by a file watcher.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { parseConfig, type EvalConfig } from '../../core';

export interface WorkspaceConfig {
  uri: vscode.Uri;
  /** The parsed config, or why it could not be parsed (the field and file are named in the message). */
  config?: EvalConfig;
  error?: string;
}

export class ConfigService implements vscode.Disposable {
  private configs: Promise<WorkspaceConfig[]> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor() {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/*.ubp.json');
    const invalidate = () => {
      this.configs = undefined;
      this.changed.fire();
    };
    this.watcher.onDidChange(invalidate);
    this.watcher.onDidCreate(invalidate);
    this.watcher.onDidDelete(invalidate);
  }

  /** Forgets the scan: the next list() looks again (a refresh may come before the watcher's event). */
  refresh(): void {
    this.configs = undefined;
  }

  list(): Promise<WorkspaceConfig[]> {
    if (!this.configs) {
      this.configs = this.scan();
      // Welcome views say what is true: "create an eval" only while there is none.
      void this.configs.then((list) =>
        vscode.commands.executeCommand('setContext', 'ubp.hasEvalConfig', list.length > 0),
      );
    }
    return this.configs;
  }

  private async scan(): Promise<WorkspaceConfig[]> {
    const uris = await vscode.workspace.findFiles('**/*.ubp.json', '**/{node_modules,.ubp,.git}/**');
    const out = await Promise.all(uris.map((uri) => read(uri)));
    return out.sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath));
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}

export async function read(uri: vscode.Uri): Promise<WorkspaceConfig> {
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return { uri, config: parseConfig(text, path.basename(uri.fsPath)) };
  } catch (e) {
    return { uri, error: e instanceof Error ? e.message : String(e) };
  }
}
