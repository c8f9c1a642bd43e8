// Batch mode from the extension: submitting a prepared run's requests as provider batches (from "Run UBP Eval")
// and "Refresh Batch Status" on a run, which polls its open batches once and imports the finished ones.
import * as vscode from 'vscode';
import { loadBatch, type PreparedEval } from '../../core';
import type { Services } from '../services';
import { batchProgress } from '../batchText';
import { Command } from './ids';
import { runDirOf } from './openResults';
import { engineOptions, type RunEvalResult } from './runEval';

export async function submitBatchRun(
  services: Services,
  root: string,
  prepared: PreparedEval,
): Promise<RunEvalResult | undefined> {
  const { getApiKey } = engineOptions(services, root);
  try {
    const { submitBatches } = await loadBatch();
    const r = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `UBP: sending ${prepared.config.name} as batches…`,
      },
      () => submitBatches(prepared, { getApiKey, log: (line) => services.log.info(line) }),
    );
    services.runs.fire();
    const failed = r.batches.filter((b) => b.error);
    const text = `UBP run ${r.runId}: ${r.requests} requests sent in ${r.batches.length - failed.length} batch(es)${r.inOpenBatches ? ` (${r.inOpenBatches} already in open batches)` : ''}${failed.length ? `; ${failed.length} could not be created (${failed[0]!.error})` : ''}. Refresh its status in the Runs tree.`;
    const refresh = 'Refresh Status';
    void (failed.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
      text,
      refresh,
    ).then((a) => a && vscode.commands.executeCommand(Command.refreshBatchStatus, r.dir));
    return { runId: r.runId, dir: r.dir, summary: r.summary };
  } catch (e) {
    const text = `Cannot send ${prepared.config.name} as batches: ${e instanceof Error ? e.message : String(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  }
}

/** Polls a run's open batches once, imports the ended ones and refreshes the Runs tree. */
export async function refreshBatchStatus(services: Services, arg?: unknown): Promise<string | undefined> {
  const dir = runDirOf(arg) ?? (await pickBatchRun(services));
  const root = services.runs.root();
  if (!dir || !root) return undefined;
  const { getApiKey, packageRoot } = engineOptions(services, root);
  try {
    const { readBatchState, refreshBatches } = await loadBatch();
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'UBP: batch status…' },
      () => refreshBatches(dir, { getApiKey, packageRoot, log: (line) => services.log.info(line) }),
    );
    const text = `${batchProgress(readBatchState(dir).batches)}; run ${r.status}${r.imported.length ? `, ${r.imported.reduce((s, i) => s + i.stats.answered, 0)} answers imported` : ''}.`;
    services.log.info(`batch status ${dir}: ${text}`);
    void vscode.window.showInformationMessage(`UBP batches: ${text}`);
    return r.status;
  } catch (e) {
    const text = `Cannot refresh the batches of ${dir}: ${e instanceof Error ? e.message : String(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  } finally {
    services.runs.fire();
  }
}

async function pickBatchRun(services: Services): Promise<string | undefined> {
  const runs = services.runs.list().filter((r) => r.manifest.status === 'batch');
  if (!runs.length) {
    void vscode.window.showInformationMessage('No run of this workspace has open batches.');
    return undefined;
  }
  const { readBatchState } = await loadBatch();
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: r.manifest.name,
      description: r.id,
      detail: batchProgress(readBatchState(r.dir).batches),
      dir: r.dir,
    })),
    { title: 'Refresh the batches of which run?' },
  );
  return picked?.dir;
}
