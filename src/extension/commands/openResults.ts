// "UBP: Open Results": opens a run's results panel. Takes the run folder as an argument (a path, a Uri, or a
// Runs tree node carrying `dir`), so the Runs tree, the end-of-run notification and tests skip the picker;
// otherwise asks with a quick pick of the runs under the workspace's `.ubp/runs`.
import * as vscode from 'vscode';
import type { RunListing } from '../../core';
import type { OpenedResults, ResultsPanels } from '../webviews/resultsPanel';
import { formatDate } from '../../protocol/dates';
import { noRunText } from './noRunText';

/** A run folder from whatever a caller passes: a path, a Uri, `{ dir }`, `{ run: { dir } }`. */
export function runDirOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg && typeof arg === 'object') {
    const o = arg as { dir?: unknown; run?: { dir?: unknown }; resourceUri?: unknown };
    if (typeof o.dir === 'string') return o.dir;
    if (o.run && typeof o.run.dir === 'string') return o.run.dir;
    if (o.resourceUri instanceof vscode.Uri) return o.resourceUri.fsPath;
  }
  return undefined;
}

export function runItem(r: RunListing): vscode.QuickPickItem & { dir: string } {
  const m = r.manifest;
  const done = m.totals ? m.totals.success + m.totals.invalid + m.totals.error : 0;
  return {
    label: m.name,
    description: r.id,
    detail: `${m.status}${r.interrupted ? ' (interrupted)' : ''} · ${m.dataset.form} on ${m.dataset.name} · ${formatDate(m.startedAt, vscode.env.language)} · ${done}/${m.totals?.units ?? '?'} answers`,
    dir: r.dir,
  };
}

/**
 * Asks for one of `runs` (a quick pick of runItem rows); says so and returns undefined when there are none:
 * `none` says why when the workspace has runs (`total`) but none fits.
 */
export async function chooseRun(
  runs: readonly RunListing[],
  title: string,
  none: { total: number; why: string } = { total: runs.length, why: 'No run fits' },
): Promise<string | undefined> {
  const empty = noRunText(none.total, runs.length, none.why);
  if (empty) {
    void vscode.window.showInformationMessage(empty);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(runs.map(runItem), {
    title,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.dir;
}

/** Asks for one run; `exclude` leaves a folder out (compare's second pick). */
export function pickRun(panels: ResultsPanels, title: string, exclude?: string): Promise<string | undefined> {
  const all = panels.runs();
  return chooseRun(
    all.filter((r) => r.dir !== exclude),
    title,
    {
      total: all.length,
      why: 'Comparing needs two runs, and this workspace has only the one already picked',
    },
  );
}

export async function openResults(panels: ResultsPanels, arg?: unknown): Promise<OpenedResults | undefined> {
  const dir = runDirOf(arg) ?? (await pickRun(panels, 'Open the results of which run?'));
  if (!dir) return undefined;
  return panels.showRun(dir);
}
