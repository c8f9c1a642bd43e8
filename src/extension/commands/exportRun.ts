// "UBP: Export Run…": one row per case and model (CSV or JSONL), the raw answer in its own column. Works on a
// finished or partial run without re-running anything. Arguments skip the dialogs: (runDir, { format, out }).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { exportToFile, readRunManifest, RUN_RESULTS_FILE, scoringContext } from '../../core';
import type { Services } from '../services';
import { pickRun } from './runManagement';
import { runDirOf } from './openResults';

export async function exportRunCommand(
  services: Services,
  arg?: Parameters<typeof runDirOf>[0],
  options: { format?: 'csv' | 'jsonl'; out?: string } = {},
): Promise<string | undefined> {
  const dir = runDirOf(arg) ?? (await pickRun(services, 'Export which run?'));
  if (!dir) return undefined;
  const format =
    options.format ??
    ((await vscode.window.showQuickPick(['csv', 'jsonl'], { title: 'Export as' })) as
      'csv' | 'jsonl' | undefined);
  if (!format) return undefined;
  const out =
    options.out ??
    (
      await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(
          path.join(
            vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dir,
            `${path.basename(dir)}.${format}`,
          ),
        ),
        filters: format === 'csv' ? { CSV: ['csv'] } : { 'JSON Lines': ['jsonl'] },
      })
    )?.fsPath;
  if (!out) return undefined;
  // Streamed from results.jsonl to the file, as `ubp export` does: a million-result run never sits in the host.
  const manifest = readRunManifest(dir);
  const rows = await exportToFile(
    path.join(dir, RUN_RESULTS_FILE),
    manifest.id,
    scoringContext(manifest),
    format,
    out,
  );
  services.log.info(`exported ${rows} rows of ${manifest.id} to ${out}`);
  if (!options.out)
    void vscode.window.showInformationMessage(
      `Exported ${rows} rows to ${vscode.workspace.asRelativePath(out)}.`,
    );
  return out;
}
