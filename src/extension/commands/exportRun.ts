// "UBP: Export Run…": one row per case and model (CSV or JSONL), the raw answer in its own column. Works on a
// finished or partial run without re-running anything. Arguments skip the dialogs: (runDir, { format, out }).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { exportRows, readRun, scoringContext, toCsv, toJsonl } from '../../core';
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
  const { manifest, results } = await readRun(dir);
  const { columns, rows } = exportRows(manifest.id, results, scoringContext(manifest));
  const text = format === 'csv' ? toCsv(columns, rows) : toJsonl(columns, rows);
  await vscode.workspace.fs.writeFile(vscode.Uri.file(out), new TextEncoder().encode(text));
  services.log.info(`exported ${rows.length} rows of ${manifest.id} to ${out}`);
  if (!options.out)
    void vscode.window.showInformationMessage(
      `Exported ${rows.length} rows to ${vscode.workspace.asRelativePath(out)}.`,
    );
  return out;
}
