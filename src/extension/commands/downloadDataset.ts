// "UBP: Download Dataset…": fetches a public release through the engine (integrity and row counts checked) into
// the workspace's `datasets/` folder, with a cancellable progress notification. Argument: the dataset name.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { DOWNLOADABLE_DATASETS, downloadDataset } from '../../core';
import type { Services } from '../services';
import { Command } from './ids';

export async function downloadDatasetCommand(
  services: Services,
  nameArg?: string,
  folderArg?: string,
): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(
      'Downloading a dataset writes into the workspace: trust the workspace first.',
    );
    return undefined;
  }
  const folder = folderArg ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) {
    void vscode.window.showErrorMessage(
      'Open a folder first: datasets are downloaded into its datasets/ folder.',
    );
    return undefined;
  }
  const name =
    nameArg ??
    (
      await vscode.window.showQuickPick(
        DOWNLOADABLE_DATASETS.map((d) => ({
          label: d.name,
          detail: d.release,
          description: d.note ? 'not the bundled release' : undefined,
        })),
        { title: 'Download which dataset?', matchOnDetail: true },
      )
    )?.label;
  if (!name) return undefined;
  const dir = path.join(folder, 'datasets');
  try {
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `UBP: downloading ${name}`,
        cancellable: true,
      },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let last = 0;
        return downloadDataset(name, {
          dir,
          signal: ac.signal,
          onNote: (line) => services.log.info(`download ${name}: ${line}`),
          onProgress: (p) => {
            const pct = p.total ? (100 * p.done) / p.total : 0;
            progress.report({
              increment: Math.max(0, pct - last),
              message: `${p.phase} ${(p.done / 1e6).toFixed(1)} MB${p.total ? ` of ${(p.total / 1e6).toFixed(1)} MB` : ''}`,
            });
            last = pct;
          },
        });
      },
    );
    services.log.info(
      `dataset ${name} ${result.already ? 'already present' : 'downloaded'} in ${result.dir}`,
    );
    void vscode.window.showInformationMessage(
      `Dataset ${name} is ready in ${vscode.workspace.asRelativePath(result.dir)}.`,
    );
    void vscode.commands.executeCommand(Command.refreshDatasets);
    return result.dir;
  } catch (e) {
    const text = `Download of ${name} failed: ${e instanceof Error ? e.message : String(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  }
}
