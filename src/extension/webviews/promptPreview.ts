// The live prompt preview beside a `.prompt` editor: renders the template against real test cases (from an eval
// config that uses the prompt, else the bundled dataset with the template's task form), re-renders shortly after
// each edit without reloading the panel, and shows token counts and the cost of one case and of the whole eval.
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  buildCases,
  formIds,
  forms,
  loadChatTokenizer,
  lookupPrice,
  parseConfig,
  parsePromptFile,
  resolveBundledDataset,
  resolveConfigPath,
  previewPrompt,
  promptDiagnostics,
  type PromptPreview as EnginePreview,
  type EvalConfig,
  type HoverContext,
  type PromptRenderInfo,
  type TaskForm,
  type TestCase,
} from '../../core';
import type { Services } from '../services';
import { HostChannel } from './hostChannel';
import { webviewHtml, webviewOptions } from './html';
import type { PreviewView, PromptPreviewProtocol } from '../../protocol/promptPreview';
import { PROMPT_LANGUAGE, type HoverCaseSource } from '../prompt/promptLanguage';
import { LatestAnswers } from './previewAnswers';
import { contextOf, expectedHuman } from '../caseText';
import { Command } from '../commands/ids';

const DEBOUNCE_MS = 100;
const DEFAULT_MODEL = 'gpt-4o-mini';
/** Cases rendered to estimate the whole eval's cost on each update (the rest are extrapolated). */
const ESTIMATE_FROM = 20;

interface CaseSource {
  label: string;
  cases: TestCase[];
  info: PromptRenderInfo;
  model: string;
  price?: { inputPerMTok: number; outputPerMTok: number };
  samples: number;
}

/** One open preview, following one prompt document. */
export class PromptPreview implements vscode.Disposable {
  private index = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private source: Promise<CaseSource>;
  private readonly channel: HostChannel<PromptPreviewProtocol>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedEmitter = new vscode.EventEmitter<{
    seq: number;
    at: number;
    editAt: number | null;
    view: PreviewView;
  }>();
  /** Fires when the webview reports a render (tests and the latency figure read it). */
  readonly onRendered = this.renderedEmitter.event;
  private lastView: PreviewView | undefined;
  private readonly answers: LatestAnswers;
  private cached: CaseSource | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly document: vscode.TextDocument,
    private readonly services: Services,
    private readonly onDispose: () => void,
  ) {
    this.source = this.loadSource();
    this.answers = new LatestAnswers(services);
    // The tokenizer's rank table takes a second to build: start it now, beside the dataset load.
    void loadChatTokenizer(DEFAULT_MODEL).catch(() => undefined);
    this.channel = new HostChannel<PromptPreviewProtocol>(
      panel.webview,
      {},
      {
        navigate: ({ delta, caseId }) => void this.navigate(delta, caseId),
        openProblem: ({ line, character }) => void this.reveal(line, character),
        openAnswer: (ref) => void vscode.commands.executeCommand(Command.openCase, ref),
        rendered: (r) => {
          if (this.lastView && this.lastView.seq === r.seq)
            this.renderedEmitter.fire({ ...r, view: this.lastView });
        },
      },
    );
    panel.webview.html = webviewHtml(panel.webview, services.extensionUri, 'promptPreview', 'Prompt preview');
    this.disposables.push(
      this.channel,
      this.renderedEmitter,
      this.channel.onReady(() => void this.render(null)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Only a change of the text: VS Code also fires this event when a document is saved or its dirty state
        // flips, and a render then would claim an edit that did not happen.
        if (e.document === this.document && e.contentChanges.length > 0) this.schedule(Date.now());
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The case shown now, for hovers in the editor. */
  currentCase(): { testCase: TestCase; info: PromptRenderInfo } | undefined {
    const testCase = this.cached?.cases[this.index];
    return this.cached && testCase ? { testCase, info: this.cached.info } : undefined;
  }

  private schedule(editAt: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.render(editAt), DEBOUNCE_MS);
  }

  /** Shows the case with this id (the Test Explorer's and the case view's "open in prompt preview"). */
  showCase(caseId: string): Promise<void> {
    return this.navigate(undefined, caseId);
  }

  private async navigate(delta?: number, caseId?: string): Promise<void> {
    const s = await this.source;
    if (caseId !== undefined) {
      const i = s.cases.findIndex((c) => c.id === caseId);
      if (i < 0) {
        void vscode.window.showWarningMessage(`No case "${caseId}" in ${s.label}.`);
        return;
      }
      this.index = i;
    } else if (delta) {
      this.index = (this.index + delta + s.cases.length) % s.cases.length;
    }
    await this.render(null);
  }

  private async reveal(line: number, character: number): Promise<void> {
    const editor = await vscode.window.showTextDocument(this.document, vscode.ViewColumn.One);
    const pos = new vscode.Position(line, character);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Renders the current case with the document's current text and posts it. */
  async render(editAt: number | null): Promise<PreviewView | undefined> {
    let s: CaseSource;
    try {
      s = await this.source;
      this.cached = s;
    } catch (e) {
      this.channel.notify('failed', {
        message: `No cases to preview: ${e instanceof Error ? e.message : String(e)}`,
      });
      return undefined;
    }
    const testCase = s.cases[this.index]!;
    const parsed = parsePromptFile(this.document.getText(), this.document.uri.fsPath);
    // The engine's preview: messages, exact tokens, and the eval's cost from an even sample of its cases.
    let preview: EnginePreview | undefined;
    let failure: string | undefined;
    try {
      preview = await previewPrompt({
        parsed,
        cases: s.cases,
        index: this.index,
        info: s.info,
        model: s.model,
        price: s.price,
        samples: s.samples,
        estimateFrom: ESTIMATE_FROM,
      });
    } catch (e) {
      failure = `render failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    const diagnostics = preview?.diagnostics ?? promptDiagnostics(parsed);
    const problems = diagnostics.map((d) => ({
      line: d.range.start.line,
      character: d.range.start.character,
      severity: d.severity,
      message: d.message,
    }));
    if (failure) problems.push({ line: 0, character: 0, severity: 'error', message: failure });
    const tokens = preview?.tokens;
    const messages =
      preview?.messages && tokens
        ? preview.messages.map((m, i) => ({
            role: m.role,
            content: m.content,
            tokens: tokens.perMessage[i] ?? 0,
          }))
        : null;
    const view: PreviewView = {
      seq: ++this.seq,
      file: path.basename(this.document.uri.fsPath),
      source: s.label,
      caseIndex: this.index,
      caseCount: s.cases.length,
      caseId: testCase.id,
      user: testCase.user,
      expected: expectedHuman(testCase.expected, contextOf(testCase)),
      messages,
      problems,
      totalTokens: tokens?.total ?? null,
      model: s.model,
      tokenizer: tokens?.note ?? '',
      costPerCase: preview?.caseCost?.costUsd ?? null,
      costEval: preview?.eval?.costUsd ?? null,
      editAt,
      renderedAt: Date.now(),
      answers: await this.answers
        .forCase(
          this.document.uri.fsPath,
          parsed.frontMatter.name ?? path.basename(this.document.uri.fsPath).replace(/\.prompt$/, ''),
          testCase,
        )
        .catch(() => []),
    };
    this.lastView = view;
    this.channel.notify('render', view);
    return view;
  }

  /** Cases from the first workspace config that uses this prompt; else the bundled dataset. */
  private async loadSource(): Promise<CaseSource> {
    const file = this.document.uri.fsPath;
    for (const c of await this.services.configs.list()) {
      if (!c.config) continue;
      const dir = path.dirname(c.uri.fsPath);
      if (!(c.config.prompts ?? []).some((p) => resolveConfigPath(c.config!, dir, p) === file)) continue;
      return this.casesFor(c.config, dir, `from ${path.basename(c.uri.fsPath)}`);
    }
    const parsed = parsePromptFile(this.document.getText(), file);
    // A template that names no form previews the first form with candidates (the richest case to look at).
    const form: TaskForm =
      parsed.frontMatter.forms?.[0] ?? forms().find((f) => f.candidates)?.id ?? formIds()[0]!;
    const config = parseConfig(
      JSON.stringify({
        name: 'preview',
        dataset: { path: 'bundled:ml-latest-small' },
        task: { form, users: 50 },
      }),
      'preview',
    );
    return this.casesFor(
      config,
      path.dirname(file),
      `bundled ml-latest-small, ${form} (no eval config uses this prompt)`,
    );
  }

  private async casesFor(config: EvalConfig, dir: string, label: string): Promise<CaseSource> {
    const p = config.dataset.path;
    const folder = p.startsWith('bundled:')
      ? resolveBundledDataset(p, this.services.extensionUri.fsPath)
      : resolveConfigPath(config, dir, p);
    const { loaded } = await this.services.datasets.load(folder);
    const { cases } = buildCases(loaded.data, config.task);
    if (!cases.length) throw new Error(`${label}: the task yields no cases`);
    const model = config.models[0];
    return {
      label,
      cases,
      info: {
        dataset: { name: loaded.data.name, kind: loaded.data.kind, scale: loaded.data.scale },
        task: {
          likeThreshold: config.task.likeThreshold,
          topShare: config.task.topShare,
          k: config.task.k,
          probe: config.task.probe,
        },
      },
      samples: config.run.samples,
      model: model?.model ?? DEFAULT_MODEL,
      // The entry's own price, else the default table: the same lookup a run makes.
      price: model?.price ?? lookupPrice(model?.model ?? DEFAULT_MODEL),
    };
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDispose();
  }
}

/** Opens previews and answers hovers with the case the preview of that document shows. */
export class PromptPreviews implements HoverCaseSource, vscode.Disposable {
  private readonly open = new Map<string, PromptPreview>();

  constructor(private readonly services: Services) {}

  hoverContext(uri: vscode.Uri): HoverContext | undefined {
    return this.open.get(uri.toString())?.currentCase();
  }

  get(uri: vscode.Uri): PromptPreview | undefined {
    return this.open.get(uri.toString());
  }

  async show(uri?: vscode.Uri): Promise<PromptPreview | undefined> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      void vscode.window.showInformationMessage('Open a .prompt file to preview it.');
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument(target);
    if (document.languageId !== PROMPT_LANGUAGE) {
      void vscode.window.showInformationMessage(`${path.basename(target.fsPath)} is not a .prompt template.`);
      return undefined;
    }
    const key = document.uri.toString();
    const existing = this.open.get(key);
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      'ubp.promptPreview',
      `Preview ${path.basename(target.fsPath)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(this.services.extensionUri),
    );
    panel.iconPath = vscode.Uri.joinPath(this.services.extensionUri, 'media', 'prompt-file.svg');
    const preview = new PromptPreview(panel, document, this.services, () => this.open.delete(key));
    this.open.set(key, preview);
    return preview;
  }

  dispose(): void {
    for (const p of this.open.values()) p.panel.dispose();
  }
}
