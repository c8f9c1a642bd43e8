// "UBP: Run UBP Eval": pick a config and models, see the estimate, run with a cancellable progress notification
// and a status bar item, end with "Open Results". Every choice can be passed as an argument instead, so tests
// and keybindings skip the pickers: executeCommand(Command.runEval, configPath, { models, confirm: false }).
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  apiKeyEnvOf,
  loadBatch,
  estimateCostText,
  fmtUsd,
  manifestCostUsd,
  prepareEval,
  type PreparedEval,
  type PrepareOptions,
  type RunHandle,
  type RunSummary,
  type ModelConfig,
} from '../../core';
import type { Services } from '../services';
import { confirmEnvKeyOrigin } from '../services/keyService';
import { runModeChoices } from '../batchText';
import { submitBatchRun } from './batchCommands';
import { pollSeconds } from '../services/batchPoller';
import { Command } from './ids';
import { keyProblemOrigin } from './keyProblem';

export interface RunEvalArgs {
  /** Model and baseline ids to run (default: all in the config; asks when called from the palette). */
  models?: string[];
  /** false skips the cost confirmation; 'whenPaid' asks only when the estimate costs money (or is unknown). */
  confirm?: boolean | 'whenPaid';
  /** Told the run's handle once it has started (the Test Explorer follows its events and cancels it). */
  onStarted?: (handle: RunHandle) => void;
  /** Start a fresh run instead of resuming this config's latest. */
  fresh?: boolean;
  /** Run only the first N cases. */
  limit?: number;
  /** Continue exactly this run id (Resume on a chosen run): refused when the config no longer makes it. */
  resume?: string;
  /** The shard of the run to continue (a run made by `ubp run --shard i/n`). */
  shard?: { index: number; count: number };
  /** 'batch' sends the requests through the providers' batch APIs (asked from the palette when on offer). */
  mode?: 'interactive' | 'batch';
}

export interface RunEvalResult {
  runId: string;
  dir: string;
  summary: RunSummary;
}

export async function runEvalCommand(
  services: Services,
  configArg?: vscode.Uri | string,
  args: RunEvalArgs = {},
): Promise<RunEvalResult | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(
      'UBP Eval does not run evals in an untrusted workspace: a run loads datasets and prompts from the workspace and sends them, with your API keys, to the endpoints its configs name. Trust the workspace to run; browsing runs and datasets works without it.',
      { modal: false },
    );
    return undefined;
  }
  const root = services.runs.root();
  if (!root) {
    void vscode.window.showErrorMessage('Open a folder first: runs are stored in its .ubp folder.');
    return undefined;
  }
  const configFile = configArg
    ? typeof configArg === 'string'
      ? configArg
      : configArg.fsPath
    : await pickConfig(services);
  if (!configFile) return undefined;

  const interactive = args.models === undefined;
  let prepared: PreparedEval;
  try {
    prepared = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `UBP: preparing ${path.basename(configFile)}…`,
      },
      () => prepare(services, root, configFile, args),
    );
  } catch (e) {
    return fail(services, `Cannot start ${path.basename(configFile)}: ${message(e)}`);
  }
  if (interactive) {
    const picked = await pickVariants(prepared);
    if (!picked) return undefined;
    if (picked.length !== prepared.variants.length) {
      try {
        prepared = await prepare(services, root, configFile, { ...args, models: picked });
      } catch (e) {
        return fail(services, `Cannot start ${path.basename(configFile)}: ${message(e)}`);
      }
    }
  }
  for (const w of prepared.warnings) services.log.warn(w);
  const mode = args.mode ?? (interactive ? await pickMode(prepared) : 'interactive');
  if (!mode) return undefined;
  // The mode's quick pick showed both estimates: choosing batch is the confirmation.
  if (mode === 'batch') return submitBatchRun(services, root, prepared);
  const free = prepared.estimate.llmRequests === 0 || prepared.estimate.costUsd === 0;
  const ask = args.confirm === 'whenPaid' ? !free : args.confirm !== false;
  if (ask && !(await confirmEstimate(prepared))) return undefined;
  return execute(services, {
    title: `UBP: ${prepared.config.name}`,
    units: prepared.cases.length * prepared.variants.length,
    start: () => prepared.start(),
    onStarted: args.onStarted,
  });
}

/** A run about to start, as the progress notification and status bar need it. */
export interface RunLaunch {
  title: string;
  /** Units it will ask (for the status bar before the first progress). */
  units: number;
  start: () => Promise<RunHandle>;
  /** The end-of-run message; default: the run's answers by outcome. */
  describe?: (summary: RunSummary) => string;
  onStarted?: (handle: RunHandle) => void;
}

async function prepare(
  services: Services,
  root: string,
  configFile: string,
  args: RunEvalArgs,
): Promise<PreparedEval> {
  const settings = vscode.workspace.getConfiguration('ubp');
  const concurrency = settings.get<number | null>('concurrency', null);
  return prepareEval(configFile, {
    ...engineOptions(services, root),
    only: args.models,
    fresh: args.fresh,
    resume: args.resume,
    shard: args.shard,
    limit: args.limit,
    cache: settings.get<boolean>('cache', true) ? undefined : false,
    concurrency: concurrency ?? undefined,
  });
}

/** What every run started from this window passes the engine: keys, prices, the request log. */
export function engineOptions(
  services: Services,
  root: string,
): Pick<PrepareOptions, 'root' | 'packageRoot' | 'tool' | 'onRetry' | 'priceOverrides' | 'getApiKey'> {
  const settings = vscode.workspace.getConfiguration('ubp');
  return {
    root,
    packageRoot: services.extensionUri.fsPath,
    tool: 'VS Code',
    onRetry: ({ predictor, caseId, attempt, index }) => {
      const f = attempt.failure;
      services.log.info(
        `retry ${predictor} ${caseId}: attempt ${index + 1} failed (${f?.status ?? f?.kind ?? 'error'}: ${f?.reason ?? 'unknown'})${attempt.waitMs !== undefined ? `, waiting ${Math.round(attempt.waitMs)} ms` : ''}`,
      );
    },
    priceOverrides: settings.get<Record<string, { inputPerMTok: number; outputPerMTok: number }>>(
      'prices',
      {},
    ),
    getApiKey: async (model: ModelConfig, origin: string) => {
      const { key, source } = await services.keys.resolve(origin, apiKeyEnvOf(model), confirmEnvKeyOrigin);
      services.log.info(
        `model ${model.id} at ${origin}: ${source.kind === 'secret' ? 'key from SecretStorage' : source.kind === 'env' ? `key from $${source.variable}` : 'no key'}`,
      );
      return key;
    },
  };
}

export async function execute(services: Services, launch: RunLaunch): Promise<RunEvalResult | undefined> {
  const { runs, log } = services;
  const errors: string[] = [];
  const status = vscode.window.createStatusBarItem('ubp.run', vscode.StatusBarAlignment.Left, 50);
  status.name = 'UBP Eval run';
  status.command = Command.cancelRun;
  status.tooltip = 'UBP Eval run in progress: click to cancel';
  let handle: RunHandle;
  try {
    handle = await launch.start();
  } catch (e) {
    status.dispose();
    return fail(services, message(e));
  }
  runs.track(handle.runId, handle);
  launch.onStarted?.(handle);
  log.info(`run ${handle.runId}: ${launch.units} units to ask`);
  handle.on('run-started', (e) =>
    log.info(
      `run ${e.runId} ${e.resumed ? `resumed (${e.alreadyDone} answers kept)` : 'started'} in ${e.dir}`,
    ),
  );
  handle.on('case-finished', ({ result }) => {
    if (result.attempts)
      log.debug(
        `request ${result.variant} ${result.caseId}#${result.sample}: ${result.outcome} in ${Math.round(result.latencyMs)} ms, ${result.attempts} attempt(s)${result.usage ? `, ${result.usage.prompt}+${result.usage.completion} tokens` : ''}${result.cached ? ', cached' : ''}`,
      );
    if (result.outcome === 'error') {
      errors.push(`${result.variant} ${result.caseId}: ${result.reason}`);
      log.warn(`error ${result.variant} ${result.caseId}: ${result.reason}`);
    } else if (result.outcome === 'invalid')
      log.debug(`invalid ${result.variant} ${result.caseId}: ${result.reason}`);
    if (log.logLevel === vscode.LogLevel.Trace && result.messages)
      log.trace(
        `${result.caseId} prompt: ${JSON.stringify(result.messages)} answer: ${JSON.stringify(result.raw)}`,
      );
  });
  status.text = `$(beaker~spin) UBP 0/${launch.units}`;
  status.show();

  const summary = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: launch.title,
      cancellable: true,
    },
    (progress, token) => {
      token.onCancellationRequested(() => handle.cancel());
      let reported = 0;
      handle.on('progress', ({ progress: p }) => {
        const pct = p.total ? (100 * p.done) / p.total : 100;
        const eta = p.etaMs !== null ? `, ETA ${formatDuration(p.etaMs)}` : '';
        const cost = p.costUsd > 0 ? `, $${p.costUsd.toFixed(4)}` : '';
        progress.report({ increment: pct - reported, message: `${p.done}/${p.total}${eta}${cost}` });
        reported = pct;
        status.text = `$(beaker~spin) UBP ${p.done}/${p.total}${cost}`;
      });
      return handle.done;
    },
  );
  status.dispose();
  // The manifest's totals cover the whole run (a re-run's own totals cover only the units it asked).
  const t = summary.manifest.totals ?? summary.totals;
  log.info(
    `run ${summary.runId} ${summary.status}: ${t.success} success, ${t.invalid} invalid, ${t.error} error; cost ${fmtUsd(manifestCostUsd(summary.manifest))}`,
  );
  const open = 'Open Results';
  if (summary.status === 'failed') {
    // A refused key: offer to set it, then to resume (the units not sent are asked then, nothing twice).
    const origin = keyProblemOrigin(summary.stoppedModels, summary.manifest.variants);
    const setKey = 'Set API Key…';
    void vscode.window
      .showErrorMessage(
        `UBP run ${summary.runId} failed: ${summary.error ?? 'see the log'}`,
        ...(origin ? [setKey] : []),
        'Show Log',
      )
      .then(async (a) => {
        if (a === 'Show Log') log.show();
        else if (a === setKey && (await vscode.commands.executeCommand<boolean>(Command.setApiKey, origin))) {
          const resume = 'Resume';
          const again = await vscode.window.showInformationMessage(
            `Key stored for ${origin}. Resume run ${summary.runId}? Its finished answers are kept.`,
            resume,
          );
          if (again === resume) void vscode.commands.executeCommand(Command.resumeRun, summary.dir);
        }
      });
  } else {
    const tail = errors.length ? ` ${errors.length} answers ended in error (first: ${errors[0]}).` : '';
    const text =
      launch.describe?.(summary) ??
      `UBP run ${summary.runId} ${summary.status === 'done' ? 'finished' : summary.status}: ${t.success} answered, ${t.invalid} invalid, ${t.error} errors.`;
    const resume = 'Resume';
    // A cancelled or budget-stopped run can go on from where it stopped.
    const actions = [
      ...(summary.status === 'cancelled' || summary.status === 'budget' ? [resume] : []),
      open,
      ...(errors.length ? ['Show Log'] : []),
    ];
    void (
      errors.length
        ? vscode.window.showWarningMessage(text + tail, ...actions)
        : vscode.window.showInformationMessage(text + tail, ...actions)
    ).then((a) => {
      if (a === open) void vscode.commands.executeCommand(Command.openResults, summary.dir);
      else if (a === resume) void vscode.commands.executeCommand(Command.resumeRun, summary.dir);
      else if (a === 'Show Log') log.show();
    });
  }
  runs.fire();
  return { runId: summary.runId, dir: summary.dir, summary };
}

async function pickConfig(services: Services): Promise<string | undefined> {
  const configs = await services.configs.list();
  if (!configs.length) {
    const create = 'Create an Eval';
    if (
      (await vscode.window.showInformationMessage('No *.ubp.json eval config in this workspace.', create)) ===
      create
    )
      await vscode.commands.executeCommand(Command.newEval);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    configs.map((c) => ({
      label: c.config?.name ?? path.basename(c.uri.fsPath),
      description: vscode.workspace.asRelativePath(c.uri),
      detail: c.error
        ? `$(error) ${c.error}`
        : `${c.config!.task.form} · ${c.config!.task.users} users · ${c.config!.models.length} models`,
      file: c.uri.fsPath,
    })),
    { title: 'Run which eval?', matchOnDescription: true },
  );
  return picked?.file;
}

async function pickVariants(prepared: PreparedEval): Promise<string[] | undefined> {
  if (prepared.variants.length <= 1) return prepared.variants.map((v) => v.model);
  const ids = [...new Set(prepared.variants.map((v) => v.model))];
  const picked = await vscode.window.showQuickPick(
    ids.map((id) => ({
      label: id,
      description: prepared.variants.find((v) => v.model === id)!.kind,
      picked: true,
    })),
    { title: 'Run which models and baselines?', canPickMany: true },
  );
  if (!picked || picked.length === 0) return undefined;
  return picked.map((p) => p.label);
}

/** Interactive or batch, when every model of the run can batch; interactive without asking otherwise. */
async function pickMode(prepared: PreparedEval): Promise<'interactive' | 'batch' | undefined> {
  if (prepared.estimate.llmRequests === 0) return 'interactive';
  const { batchOffer } = await loadBatch();
  const choices = runModeChoices(prepared.estimate.costUsd, await batchOffer(prepared), pollSeconds());
  if (!choices) return 'interactive';
  const picked = await vscode.window.showQuickPick(choices, {
    title: `Run ${prepared.config.name}: ${prepared.estimate.llmRequests.toLocaleString('en-US')} requests`,
  });
  return picked?.mode;
}

async function confirmEstimate(prepared: PreparedEval): Promise<boolean> {
  const e = prepared.estimate;
  if (e.llmRequests === 0) return true; // baselines only: free and local
  const cost = estimateCostText(e);
  const run = 'Run';
  const answer = await vscode.window.showInformationMessage(
    `Run ${prepared.config.name}: ${e.llmRequests.toLocaleString('en-US')} requests, ~${(e.promptTokens + e.completionTokens).toLocaleString('en-US')} tokens, ${cost}.`,
    { modal: true, detail: e.unpriced.length ? `No price known for: ${e.unpriced.join(', ')}.` : undefined },
    run,
  );
  return answer === run;
}

function fail(services: Services, text: string): undefined {
  services.log.error(text);
  void vscode.window.showErrorMessage(text, 'Show Log').then((a) => a && services.log.show());
  return undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
