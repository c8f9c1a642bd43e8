// The case view: one case of a run in a rendered, read-only panel (reused for the next case): the messages
// exactly as sent, the raw answer, expected against predicted in human terms, every candidate marked, the score
// and the reason, and next/previous among the variant's failures. Model output reaches the webview as data and
// is set as text there.
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  failureOf,
  readRun,
  resultsSize,
  scoreResult,
  scoringContext,
  unitKey,
  type CaseResult,
  type ReadRun,
  type ScoringContext,
} from '../../core';
import type { Services } from '../services';
import { Command } from '../commands/ids';
import { contextOf, expectedHuman, predictedHuman } from '../caseText';
import type { CaseCandidateView, CaseViewData, CaseViewProtocol } from '../../protocol/caseView';
import { HostChannel } from './hostChannel';
import { webviewHtml, webviewOptions } from './html';
import { formatDate } from '../../protocol/dates';

export const CASE_VIEW_TYPE = 'ubp.caseView';

/** One unit of a run. */
export interface CaseRef {
  dir: string;
  caseId: string;
  variant: string;
  sample: number;
}

export interface ShownCase {
  panel: vscode.WebviewPanel;
  data: CaseViewData;
  /** Resolves when the webview has rendered this case. */
  rendered: Promise<void>;
}

interface RunCache {
  size: number;
  run: Promise<{ run: ReadRun; ctx: ScoringContext; failures: Map<string, string[]> }>;
}

export class CaseViews implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: HostChannel<CaseViewProtocol> | undefined;
  private current: CaseRef | undefined;
  private readonly runs = new Map<string, RunCache>();
  private readonly waiting = new Map<string, () => void>();

  constructor(private readonly services: Services) {}

  /** Shows a case (opening the panel, or reusing it). */
  async show(ref: CaseRef, column?: vscode.ViewColumn): Promise<ShownCase> {
    const data = await this.build(ref);
    const panel = this.ensurePanel(column);
    this.current = ref;
    panel.title = `Case ${data.caseId} · ${data.variant}`;
    const key = `${data.caseId}\u0000${data.variant}`;
    const rendered = new Promise<void>((resolve) => this.waiting.set(key, resolve));
    this.channel!.notify('show', data);
    panel.reveal(column ?? panel.viewColumn, false);
    return { panel, data, rendered };
  }

  private ensurePanel(column?: vscode.ViewColumn): vscode.WebviewPanel {
    if (this.panel) return this.panel;
    const extensionUri = this.services.extensionUri;
    const panel = vscode.window.createWebviewPanel(
      CASE_VIEW_TYPE,
      'Case',
      { viewColumn: column ?? vscode.ViewColumn.Beside, preserveFocus: false },
      webviewOptions(extensionUri),
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity-bar.svg');
    this.channel = new HostChannel<CaseViewProtocol>(
      panel.webview,
      {
        navigate: async ({ delta }) => void (await this.navigate(delta)),
        action: async ({ action }) => {
          const ref = this.current;
          if (!ref) return;
          if (action === 'rerun') await vscode.commands.executeCommand(Command.rerunCase, ref);
          else if (action === 'preview') await vscode.commands.executeCommand(Command.previewCase, ref);
          else await vscode.commands.executeCommand(Command.showFailures, ref.dir, ref.variant);
        },
      },
      {
        rendered: ({ caseId, variant }) => {
          const key = `${caseId}\u0000${variant}`;
          this.waiting.get(key)?.();
          this.waiting.delete(key);
        },
      },
    );
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'caseView', 'Case');
    panel.onDidDispose(() => {
      this.channel?.dispose();
      this.channel = undefined;
      this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  /** Whether the panel shows this case now. */
  showing(ref: CaseRef): boolean {
    const c = this.current;
    return Boolean(
      this.panel &&
      c &&
      c.dir === ref.dir &&
      c.caseId === ref.caseId &&
      c.variant === ref.variant &&
      c.sample === ref.sample,
    );
  }

  /** The next or previous failure of the current case's variant (wrapping around). */
  async navigate(delta: 1 | -1): Promise<ShownCase | undefined> {
    const ref = this.current;
    if (!ref) return undefined;
    const { run, failures } = await this.read(ref.dir);
    const list = failures.get(ref.variant) ?? [];
    if (!list.length) return undefined;
    const at = list.indexOf(unitKey(ref.caseId, ref.variant, ref.sample));
    const next = list[(at + delta + list.length) % list.length]!;
    const r = run.results.find((x) => unitKey(x.caseId, x.variant, x.sample) === next)!;
    return this.show({ dir: ref.dir, caseId: r.caseId, variant: r.variant, sample: r.sample });
  }

  /** The run, read once per size of its results file (a live run re-reads as it grows). */
  private read(dir: string): RunCache['run'] {
    const size = resultsSize(dir);
    const cached = this.runs.get(dir);
    if (cached && cached.size === size) return cached.run;
    const run = readRun(dir).then((run) => {
      const ctx = scoringContext(run.manifest);
      const failures = new Map<string, string[]>();
      for (const r of run.results)
        if (failureOf(r, ctx)) {
          const list = failures.get(r.variant) ?? [];
          list.push(unitKey(r.caseId, r.variant, r.sample));
          failures.set(r.variant, list);
        }
      return { run, ctx, failures };
    });
    this.runs.set(dir, { size, run });
    run.catch(() => this.runs.delete(dir));
    return run;
  }

  /** The view model of a case (exported through the API for tests). */
  async build(ref: CaseRef): Promise<CaseViewData> {
    const { run, ctx, failures } = await this.read(ref.dir);
    const key = unitKey(ref.caseId, ref.variant, ref.sample);
    const r = run.results.find((x) => unitKey(x.caseId, x.variant, x.sample) === key);
    if (!r)
      throw new Error(`run ${path.basename(ref.dir)} has no answer for case ${ref.caseId} of ${ref.variant}`);
    const tc = await this.services.cases.caseOf(run.manifest, r.caseId);
    const cctx = { ...contextOf(tc, r), scale: ctx.scale };
    const list = failures.get(r.variant) ?? [];
    const at = list.indexOf(key);
    const target = cctx.target;
    return {
      runId: run.manifest.id,
      caseId: r.caseId,
      variant: r.variant,
      sample: r.sample,
      user: r.user,
      outcome: r.outcome,
      failure: failureOf(r, ctx) ?? null,
      reason: r.reason ?? null,
      messages: (r.messages ?? []).map((m) => ({ role: m.role, content: m.content })),
      raw: r.raw ?? null,
      expected: expectedHuman(r.expected, cctx),
      predicted: r.outcome === 'success' && r.prediction ? predictedHuman(r.prediction, cctx) : null,
      target: target ? { title: target.title, genres: target.genres.join(', ') } : null,
      candidates: candidatesOf(r, tc?.candidates ?? []),
      score: Object.entries(scoreResult(r, ctx)).map(([k, v]) => ({
        key: k,
        value: Number.isInteger(v) ? String(v) : v.toFixed(3),
      })),
      facts: factsOf(r, run.manifest.id),
      position: at >= 0 ? { index: at + 1, total: list.length } : null,
    };
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function candidatesOf(
  r: CaseResult,
  candidates: readonly { label: string; title: string; genres: string[] }[],
): CaseCandidateView[] {
  const truth = 'label' in r.expected ? r.expected.label.trim().toUpperCase() : undefined;
  const p = r.outcome === 'success' ? r.prediction : undefined;
  const chosen = p && 'label' in p ? p.label.trim().toUpperCase() : undefined;
  const order = p && 'order' in p ? (p.order as string[]).map((l) => l.trim().toUpperCase()) : undefined;
  return candidates.map((c) => {
    const rank = order ? order.indexOf(c.label) : -1;
    return {
      label: c.label,
      title: c.title,
      genres: c.genres.join(', '),
      expected: c.label === truth,
      chosen: c.label === chosen,
      rank: rank >= 0 ? rank + 1 : null,
    };
  });
}

function factsOf(r: CaseResult, runId: string): { label: string; value: string }[] {
  const facts = [
    { label: 'Run', value: runId },
    { label: 'User', value: r.user },
    { label: 'History length', value: String(r.historyLength) },
    { label: 'Target popularity', value: String(r.targetPopularity) },
    { label: 'Latency', value: `${Math.round(r.latencyMs).toLocaleString()} ms` },
    { label: 'Answered', value: formatDate(r.finishedAt, vscode.env.language) },
  ];
  if (r.usage) facts.push({ label: 'Tokens', value: `${r.usage.prompt} in, ${r.usage.completion} out` });
  if (r.costUsd) facts.push({ label: 'Cost', value: `$${r.costUsd.toFixed(5)}` });
  if (r.attempts && r.attempts > 1) facts.push({ label: 'Attempts', value: String(r.attempts) });
  if (r.cached) facts.push({ label: 'Cached', value: 'answer reused from the response cache' });
  return facts;
}
