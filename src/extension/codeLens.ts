// CodeLenses on a *.ubp.json: "Run eval" at the top, and on each model entry (and the baselines) what the latest
// finished run of this config measured for it: the headline metric ± half its 95% interval, and "N failures",
// which opens them in the failures table.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunListing, VariantSummary } from '../core';
import type { RunService } from './services/runService';
import { Command } from './commands/ids';
import { baselineEntryAt, modelEntryAt } from './configLocations';
import { formatDate } from '../protocol/dates';

export class RunCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunService) {
    this.subscription = runs.onDidChange(() => this.changed.fire());
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, {
        title: '$(play) Run eval',
        command: Command.runEval,
        arguments: [document.uri],
      }),
    ];
    const file = path.resolve(document.uri.fsPath);
    const latest = this.runs
      .list()
      .find(
        (r) =>
          r.manifest.configFile &&
          path.resolve(r.manifest.configFile) === file &&
          r.manifest.status !== 'running',
      );
    if (!latest) return lenses;
    let summaries: VariantSummary[];
    let failures: Map<string, number>;
    try {
      [summaries, failures] = await Promise.all([
        this.runs.variantSummaries(latest),
        this.runs.failureCounts(latest),
      ]);
    } catch {
      return lenses;
    }
    const text = document.getText();
    for (const s of summaries) {
      const at =
        s.kind === 'baseline'
          ? baselineEntryAt(text, s.model.replace(/^baseline:/, ''))
          : modelEntryAt(text, s.model);
      if (!at) continue;
      const range = new vscode.Range(at.line, 0, at.line, 0);
      lenses.push(...variantLenses(range, s, failures.get(s.variant) ?? 0, latest));
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** "builtin-choice: HR@1 0.412 ± 0.061" and "7 failures" for one variant of the latest run. */
export function variantLenses(
  range: vscode.Range,
  s: VariantSummary,
  failures: number,
  run: RunListing,
): vscode.CodeLens[] {
  const row = s.metrics.find((m) => m.key === s.headline) ?? s.metrics[0];
  const who = s.kind === 'baseline' ? s.variant : (s.template ?? s.variant);
  const figure = row
    ? `${row.label} ${row.all.value.toFixed(3)}${Number.isFinite(row.all.lo) && Number.isFinite(row.all.hi) ? ` ± ${((row.all.hi - row.all.lo) / 2).toFixed(3)}` : ''}`
    : 'no metric';
  const when = formatDate(run.manifest.startedAt, vscode.env.language);
  return [
    new vscode.CodeLens(range, {
      title: `${who}: ${figure}`,
      tooltip: `Latest run ${run.id} (${when}): ${row?.label ?? 'headline'} with half its 95% interval, invalid and error answers counted as wrong`,
      command: Command.openResults,
      arguments: [run.dir],
    }),
    new vscode.CodeLens(range, {
      title: failures ? `$(error) ${failures} failure${failures === 1 ? '' : 's'}` : '$(pass) no failures',
      tooltip:
        'Wrong, invalid and error answers of this variant in the latest run: open them in the failures table',
      command: Command.showFailures,
      arguments: [run.dir, s.variant],
    }),
  ];
}
