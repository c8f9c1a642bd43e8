// Commands on existing runs: cancel, resume (which also re-runs the cases that ended in error), re-run failed
// answers, reveal, delete. Each takes the run folder (or a tree node) as its argument and asks only when given none.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { rm } from 'node:fs/promises';
import {
  DEFAULT_RERUN_OUTCOMES,
  prepareRerun,
  readRunManifest,
  type FailureKind,
  type PreparedRerun,
  type RunHandle,
  type RunListing,
  type RunSummary,
  type UnitRef,
} from '../../core';
import type { Services } from '../services';
import { engineOptions, execute, runEvalCommand, type RunEvalResult } from './runEval';
import { chooseRun, runDirOf } from './openResults';
import { openBatchCount } from './openBatches';

type RunArg = Parameters<typeof runDirOf>[0];

/** Asks for one run among those `filter` keeps; `why` is said when runs exist but none is kept. */
export function pickRun(
  services: Services,
  title: string,
  filter: (r: RunListing) => boolean = () => true,
  why = 'No run fits',
): Promise<string | undefined> {
  const all = services.runs.list();
  return chooseRun(all.filter(filter), title, { total: all.length, why });
}

export async function cancelRun(services: Services, arg?: RunArg): Promise<boolean> {
  const active = services.runs.activeRuns();
  const dir = runDirOf(arg);
  let target = dir ? active.find(([, a]) => a.handle.runId === path.basename(dir)) : undefined;
  // A run named (a tree row) that is not going on here, e.g. one `ubp run` writes in a terminal: never cancel
  // another run in its place.
  if (dir && !target) {
    void vscode.window.showInformationMessage(
      `Run ${path.basename(dir)} is not going on in this window: stop it where it runs (Ctrl+C in the terminal of \`ubp run\`).`,
    );
    return false;
  }
  if (!target && active.length === 1) target = active[0];
  if (!target && active.length > 1) {
    const picked = await vscode.window.showQuickPick(
      active.map(([id]) => id),
      { title: 'Cancel which run?' },
    );
    target = active.find(([id]) => id === picked);
  }
  if (!target) {
    void vscode.window.showInformationMessage('No UBP run is going on in this window.');
    return false;
  }
  target[1].handle.cancel();
  services.log.info(`run ${target[0]} cancelled by the user`);
  return true;
}

/** Resumes a run from its config: finished answers are kept, errors and missing cases are run again. */
export async function resumeRun(services: Services, arg?: RunArg): Promise<RunEvalResult | undefined> {
  const dir =
    runDirOf(arg) ??
    (await pickRun(
      services,
      'Resume which run?',
      (r) => r.manifest.status !== 'done' || r.manifest.totals.error > 0,
      'Every run is finished without errors: none has anything left to resume',
    ));
  if (!dir) return undefined;
  const manifest = readRunManifest(dir);
  if (!manifest.configFile) {
    void vscode.window.showErrorMessage(
      `Run ${manifest.id} does not record its config file, so it cannot be resumed from here.`,
    );
    return undefined;
  }
  if (manifest.mergedFrom?.length) {
    void vscode.window.showErrorMessage(
      `Run ${manifest.id} was merged from shards by \`ubp merge\`: it cannot be resumed itself. Resume its shards, then merge them again.`,
    );
    return undefined;
  }
  const models = [...new Set(manifest.variants.map((v) => v.model))];
  // This run, not the config's latest: a config edited since (or a newer fresh run) must not be resumed instead.
  const shard = manifest.shard && { index: manifest.shard.index, count: manifest.shard.count };
  return runEvalCommand(services, manifest.configFile, {
    models,
    confirm: false,
    resume: manifest.id,
    ...(shard ? { shard } : {}),
  });
}

export interface RerunArgs {
  /** Which failures (default invalid and error: a wrong answer at temperature 0 would repeat). */
  outcomes?: FailureKind[];
  /** Only these models or baselines. */
  models?: string[];
  /** Exactly these units (one case from the Test Explorer), whatever their outcome. */
  units?: UnitRef[];
  /** Told the run's handle once it has started. */
  onStarted?: (handle: RunHandle) => void;
}

export interface RerunResult {
  runId: string;
  dir: string;
  /** Units it set out to re-ask (0: nothing to re-run). */
  units: number;
  summary?: RunSummary;
}

/** Re-asks exactly a run's failed answers (the engine's re-run) and appends the new ones to the same run. */
export async function rerunFailed(
  services: Services,
  arg?: RunArg,
  args: RerunArgs = {},
): Promise<RerunResult | undefined> {
  const root = services.runs.root();
  const dir =
    runDirOf(arg) ??
    (await pickRun(
      services,
      'Re-run the failed cases of which run?',
      (r) => r.manifest.totals.invalid + r.manifest.totals.error > 0,
      'No run has invalid or error answers to re-run',
    ));
  if (!dir || !root) return undefined;
  let prepared: PreparedRerun;
  try {
    const { onStarted: _, ...selection } = args;
    prepared = await prepareRerun(dir, { ...engineOptions(services, root), ...selection });
  } catch (e) {
    const text = `Cannot re-run ${path.basename(dir)}: ${e instanceof Error ? e.message : String(e)}`;
    services.log.error(text);
    void vscode.window.showErrorMessage(text);
    return undefined;
  }
  const what = args.units
    ? `chosen case${args.units.length === 1 ? '' : 's'}`
    : `${(args.outcomes ?? DEFAULT_RERUN_OUTCOMES).join(' or ')} answers`;
  const n = prepared.units.length;
  if (!n) {
    void vscode.window.showInformationMessage(`Run ${prepared.runId} has no ${what} to re-run.`);
    return { runId: prepared.runId, dir: prepared.dir, units: 0 };
  }
  services.log.info(`re-run ${prepared.runId}: ${n} ${what} of ${prepared.variants.join(', ')}`);
  const done = await execute(services, {
    title: `UBP: re-asking ${n} ${what} of ${prepared.runId}`,
    units: n,
    start: () => prepared.start(),
    onStarted: args.onStarted,
    describe: (s) => {
      const t = s.manifest.totals;
      const r = s.manifest.reruns?.at(-1);
      return `Re-asked ${r?.finished ?? 0} of ${n} ${what} of run ${s.runId}: it now has ${t.success} answered, ${t.invalid} invalid, ${t.error} errors.`;
    },
  });
  return { runId: prepared.runId, dir: prepared.dir, units: n, summary: done?.summary };
}

export async function revealRun(services: Services, arg?: RunArg): Promise<void> {
  const dir = runDirOf(arg) ?? (await pickRun(services, 'Reveal which run?'));
  if (!dir) return;
  const uri = vscode.Uri.file(dir);
  // In a web or remote host there is no OS file manager to reveal into: the Explorer always works.
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  if (inWorkspace || vscode.env.uiKind === vscode.UIKind.Web || vscode.env.remoteName) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
  } else {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  }
}

export async function deleteRun(
  services: Services,
  arg?: RunArg,
  options: { confirm?: boolean } = {},
): Promise<boolean> {
  const dir = runDirOf(arg) ?? (await pickRun(services, 'Delete which run?'));
  if (!dir) return false;
  const id = path.basename(dir);
  if (services.runs.activeRun(id)) {
    void vscode.window.showWarningMessage(`Run ${id} is still going: cancel it before deleting it.`);
    return false;
  }
  // Batches still open at the provider go on (and are billed) whatever happens to the folder, which alone can
  // import their answers or cancel them: never delete it under them.
  const open = await openBatchCount(dir);
  if (open) {
    void vscode.window.showWarningMessage(
      `Run ${id} has ${open} batch${open === 1 ? '' : 'es'} still open at the provider: deleting the run would not stop ${open === 1 ? 'it' : 'them'} (billed all the same, with nowhere to import the answers). Cancel Batch first, then delete.`,
    );
    return false;
  }
  if (options.confirm !== false) {
    const del = 'Delete';
    const answer = await vscode.window.showWarningMessage(
      `Delete run ${id} and all its results?`,
      { modal: true, detail: dir },
      del,
    );
    if (answer !== del) return false;
  }
  await rm(dir, { recursive: true, force: true });
  services.log.info(`deleted run ${id}`);
  services.runs.fire();
  return true;
}
