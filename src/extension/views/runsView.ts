// The Runs tree: runs grouped by eval, newest first; each with its status and date, and under it every variant's
// headline metric with its 95% interval and invalid share. Refreshes live from the run service.
import * as vscode from 'vscode';
import {
  fmtUsd,
  loadBatch,
  manifestCostUsd,
  type BatchRecord,
  type RunListing,
  type VariantSummary,
} from '../../core';
import { batchLines, batchRunLabel, isCancellable } from '../batchText';
import { variantNames, variantRow } from './variantRow';
import type { RunService } from '../services/runService';
import type { BatchPoller } from '../services/batchPoller';
import { Command } from '../commands/ids';
import { formatDate as formatWhen } from '../../protocol/dates';

export type RunsNode =
  | { kind: 'group'; name: string; runs: RunListing[] }
  /** `batches`: a run waiting on provider batches, as last polled. */
  | { kind: 'run'; run: RunListing; batches?: BatchRecord[] }
  /** `name`: what tells this variant from its siblings (the model, with the template when a run has several). */
  | { kind: 'variant'; run: RunListing; summary: VariantSummary; name: string }
  | { kind: 'message'; text: string; icon: string };

const STATUS_ICON: Record<string, string> = {
  running: 'sync~spin',
  done: 'pass',
  cancelled: 'circle-slash',
  failed: 'error',
  budget: 'warning',
  interrupted: 'debug-pause',
  batch: 'cloud-upload',
};

export function runState(run: RunListing): string {
  return run.interrupted ? 'interrupted' : run.manifest.status;
}

export class RunsView implements vscode.TreeDataProvider<RunsNode> {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly runs: RunService,
    /** The batch poller, for a batch run's last poll error. */
    private readonly batches?: Pick<BatchPoller, 'errorOf'>,
  ) {
    runs.onDidChange(() => this.changed.fire(undefined));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;
        item.id = `group:${node.name}`;
        return item;
      }
      case 'run': {
        const m = node.run.manifest;
        const state = runState(node.run);
        const active = this.runs.activeRun(node.run.id)?.progress;
        const done = active
          ? `${active.done}/${active.total}`
          : `${m.totals.success + m.totals.invalid + m.totals.error}/${m.totals.units}`;
        // Status and the key figure first: a narrow sidebar cuts the end of a row, not its start. A run waiting on
        // provider batches leads with their progress, as last polled.
        const batches = node.batches;
        const locale = vscode.env.language;
        const item = new vscode.TreeItem(
          batches ? batchRunLabel(batches, locale) : `${state} · ${done}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        const pollError = batches ? this.batches?.errorOf(node.run.dir) : undefined;
        item.description = `${pollError ? 'last poll failed' : m.dataset.form} · ${formatDate(m.startedAt)}`;
        const reruns = m.reruns?.length
          ? `; re-run ${m.reruns.length}× (last ${formatDate(m.reruns.at(-1)!.at)})`
          : '';
        const tooltip = new vscode.MarkdownString(
          `**${m.name}** (${node.run.id})\n\n${state}, started ${formatDate(m.startedAt)}${m.finishedAt && !batches ? `, finished ${formatDate(m.finishedAt)}` : ''}${reruns}\n\n` +
            `${m.cases} cases on ${m.dataset.name}; ${m.variants.length} variants; ${done} answers; cost ${fmtUsd(manifestCostUsd(m))}`,
          true,
        );
        // Batch ids, states and errors are provider text: escaped, never read as markdown or icons. (appendText
        // would turn every space into &nbsp;, so a long line could only wrap at its hyphens.)
        if (batches?.length)
          tooltip.appendMarkdown(
            `\n\n${batchLines(batches, formatDate, locale).map(escapeMarkdown).join('  \n')}`,
          );
        if (pollError)
          tooltip.appendMarkdown(
            `\n\n$(warning) Last poll failed (${formatDate(pollError.at)}): ${escapeMarkdown(pollError.message)}`,
          );
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon(
          pollError ? 'warning' : (STATUS_ICON[state] ?? 'circle-outline'),
        );
        // `run.batch.open`: some batch can still be cancelled (the Cancel Batch menu's `when`).
        item.contextValue = `run.${state}${batches?.some(isCancellable) ? '.open' : ''}`;
        item.id = `run:${node.run.dir}`;
        item.command = { command: Command.openResults, title: 'Open Results', arguments: [node.run.dir] };
        return item;
      }
      case 'variant': {
        const s = node.summary;
        const row = variantRow(s, node.name);
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
        item.description = row.description;
        item.tooltip = row.tooltip;
        item.accessibilityInformation = { label: row.spoken, role: 'treeitem' };
        item.iconPath = new vscode.ThemeIcon(s.kind === 'baseline' ? 'symbol-constant' : 'hubot');
        item.contextValue = 'variant';
        item.id = `variant:${node.run.dir}:${s.variant}`;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
    }
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      const groups = new Map<string, RunListing[]>();
      for (const run of this.runs.list()) {
        const list = groups.get(run.manifest.name) ?? [];
        list.push(run);
        groups.set(run.manifest.name, list);
      }
      return [...groups.entries()].map(([name, runs]) => ({ kind: 'group', name, runs }));
    }
    if (node.kind === 'group') {
      // Batch mode loads only when some run waits on batches.
      const batch = node.runs.some((r) => runState(r) === 'batch') ? await loadBatch() : undefined;
      return node.runs.map((run) =>
        batch && runState(run) === 'batch'
          ? { kind: 'run', run, batches: batchesOf(batch.readBatchState, run.dir) }
          : { kind: 'run', run },
      );
    }
    if (node.kind === 'run') {
      try {
        const summaries = await this.runs.variantSummaries(node.run);
        if (!summaries.length) return [{ kind: 'message', text: 'no answers yet', icon: 'info' }];
        const names = variantNames(summaries);
        return summaries.map((summary) => ({
          kind: 'variant',
          run: node.run,
          summary,
          name: names.get(summary.variant)!,
        }));
      } catch (e) {
        return [{ kind: 'message', text: e instanceof Error ? e.message : String(e), icon: 'error' }];
      }
    }
    return [];
  }
}

/** A run's batches; a damaged state file shows as none rather than breaking the tree. */
function batchesOf(read: (dir: string) => { batches: BatchRecord[] }, dir: string): BatchRecord[] {
  try {
    return read(dir).batches;
  } catch {
    return [];
  }
}

const formatDate = (iso: string): string => formatWhen(iso, vscode.env.language);

/** Text shown as itself in a markdown tooltip (with theme icons on, `$(…)` too). */
const escapeMarkdown = (text: string): string => text.replace(/[\\`*_{}[\]()#+\-.!|<>~$]/g, '\\$&');
