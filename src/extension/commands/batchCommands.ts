// Batch mode from the extension: submitting a prepared run's requests as provider batches (from "Run UBP Eval"),
// "Refresh Batch Status" on a run (one poll now, through the poller's queue) and "Cancel Batch" (asks the provider
// to stop a run's open batches, after a modal that says what is pending and what is billed anyway).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { loadBatch, readRunManifest, type BatchRecord, type PreparedEval } from '../../core';
import type { Services } from '../services';
import { pollSeconds, type BatchPoller } from '../services/batchPoller';
import { batchProgress, cancelPrompt, isCancellable } from '../batchText';
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
    const seconds = pollSeconds();
    const follow = seconds
      ? `The Runs tree checks them every ${seconds} s and imports the answers when they are ready.`
      : 'Refresh its status in the Runs tree.';
    const text = `UBP run ${r.runId}: ${r.requests} requests sent in ${r.batches.length - failed.length} batch(es)${r.inOpenBatches ? ` (${r.inOpenBatches} already in open batches)` : ''}${failed.length ? `; ${failed.length} could not be created (${failed[0]!.error})` : ''}. ${follow}`;
    const refresh = 'Refresh Status';
    void (failed.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
      text,
      refresh,
    ).then((a) => a && vscode.commands.executeCommand(Command.refreshBatchStatus, r.dir));
    return { runId: r.runId, dir: r.dir, summary: r.summary };
  } catch (e) {
    const text = `Cannot send ${prepared.config.name} as batches: ${message(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  }
}

/** Polls a run's open batches once (queued behind any poll in progress), imports the ended ones. */
export async function refreshBatchStatus(
  services: Services,
  poller: BatchPoller,
  arg?: unknown,
): Promise<string | undefined> {
  const dir = runDirOf(arg) ?? (await pickBatchRun(services, 'refresh'));
  if (!dir || !services.runs.root()) return undefined;
  const [o] = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'UBP: batch status…' },
    () => poller.poll([dir], { interactive: true }),
  );
  if (!o || o.error !== undefined) {
    // The poller has logged it and the row shows it; the user asked, so say it here too.
    void vscode.window.showErrorMessage(`Cannot refresh the batches of ${dir}: ${o?.error ?? 'unknown'}`);
    return undefined;
  }
  const text = `${batchProgress(o.batches)}; run ${o.status}${o.imported ? `, ${o.imported} answers imported` : ''}.`;
  services.log.info(`batch status ${dir}: ${text}`);
  if (o.finished) {
    const open = 'Open Results';
    void vscode.window
      .showInformationMessage(`UBP batches: ${text}`, open)
      .then((a) => a === open && vscode.commands.executeCommand(Command.openResults, dir));
  } else void vscode.window.showInformationMessage(`UBP batches: ${text}`);
  return o.status;
}

export interface CancelBatchOptions {
  /** false skips the modal (tests, scripts). */
  confirm?: boolean;
}

/**
 * Asks the provider to cancel a run's open batches, after a modal stating how many requests are pending and
 * that answered ones are billed anyway. The answers made before the cancel are imported by the next poll.
 * Returns the batches it cancelled, or undefined when nothing was sent.
 */
export async function cancelBatch(
  services: Services,
  poller: BatchPoller,
  arg?: unknown,
  options: CancelBatchOptions = {},
): Promise<BatchRecord[] | undefined> {
  const dir = runDirOf(arg) ?? (await pickBatchRun(services, 'cancel'));
  const root = services.runs.root();
  if (!dir || !root) return undefined;
  const { readBatchState, cancelBatches } = await loadBatch();
  let name: string;
  let prompt;
  try {
    name = readRunManifest(dir).name;
    prompt = cancelPrompt(name, readBatchState(dir).batches, vscode.env.language);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot read the batches of ${dir}: ${message(e)}`);
    return undefined;
  }
  if (!prompt) {
    void vscode.window.showInformationMessage(`"${name}" has no batch left to cancel.`);
    return undefined;
  }
  if (options.confirm !== false) {
    // "Keep Running" replaces the modal's own "Cancel", which would read as the opposite of what it does here.
    const yes: vscode.MessageItem = { title: 'Cancel Batches' };
    const no: vscode.MessageItem = { title: 'Keep Running', isCloseAffordance: true };
    const answer = await vscode.window.showWarningMessage(
      prompt.message,
      { modal: true, detail: prompt.detail },
      yes,
      no,
    );
    if (answer !== yes) return undefined;
  }
  const { getApiKey } = engineOptions(services, root);
  try {
    // In the poller's queue: a poll importing this run meanwhile would race on its batches.json.
    const cancelled = await poller.exclusive(() =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'UBP: cancelling batches…' },
        () => cancelBatches(dir, { getApiKey }),
      ),
    );
    services.log.info(
      `cancel ${path.basename(dir)}: ${cancelled.map((b) => `${b.name} ${b.batchId} → ${b.status}`).join(', ')}`,
    );
    void vscode.window.showInformationMessage(
      `UBP: asked to cancel ${cancelled.length} batch${cancelled.length === 1 ? '' : 'es'} of "${name}"; the answers made so far are imported once ${cancelled.length === 1 ? 'it has' : 'they have'} stopped.`,
    );
    return cancelled;
  } catch (e) {
    const text = `Cannot cancel the batches of ${dir}: ${message(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  } finally {
    services.runs.fire();
  }
}

/** Asks for a run with open batches (for a cancel: with batches still running). */
async function pickBatchRun(services: Services, purpose: 'refresh' | 'cancel'): Promise<string | undefined> {
  const { readBatchState, isOpen } = await loadBatch();
  const runs = services.runs
    .list()
    .filter((r) => r.manifest.status === 'batch')
    .map((r) => {
      try {
        return { run: r, batches: readBatchState(r.dir).batches };
      } catch {
        return { run: r, batches: [] };
      }
    })
    .filter(({ batches }) => batches.some(purpose === 'cancel' ? isCancellable : isOpen));
  if (!runs.length) {
    void vscode.window.showInformationMessage(
      purpose === 'cancel'
        ? 'No run of this workspace has a batch to cancel.'
        : 'No run of this workspace has open batches.',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map(({ run, batches }) => ({
      label: run.manifest.name,
      description: run.id,
      detail: batchProgress(batches),
      dir: run.dir,
    })),
    {
      title: purpose === 'cancel' ? 'Cancel the batches of which run?' : 'Refresh the batches of which run?',
    },
  );
  return picked?.dir;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
