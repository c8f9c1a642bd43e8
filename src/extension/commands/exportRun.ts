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
  const stats = { unreadable: 0 };
  let rows: number;
  try {
    rows = await exportToFile(
      path.join(dir, RUN_RESULTS_FILE),
      manifest.id,
      scoringContext(manifest),
      format,
      out,
      stats,
    );
  } catch (e) {
    const text = `Cannot export ${manifest.id} to ${out}: ${e instanceof Error ? e.message : String(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  }
  services.log.info(`exported ${rows} rows of ${manifest.id} to ${out}`);
  // Never silent, as `ubp export` and `ubp report` say it: the rows are the lines every reader can score.
  if (stats.unreadable) {
    const text = `${stats.unreadable} unreadable line${stats.unreadable === 1 ? '' : 's'} in ${manifest.id}'s results.jsonl ${stats.unreadable === 1 ? 'was' : 'were'} skipped: exported ${rows} rows to ${vscode.workspace.asRelativePath(out)}.`;
    services.log.warn(text);
    void vscode.window.showWarningMessage(text);
  } else if (!options.out)
    void vscode.window.showInformationMessage(
      `Exported ${rows} rows to ${vscode.workspace.asRelativePath(out)}.`,
    );
  return out;
}
