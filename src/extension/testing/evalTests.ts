// The Test Explorer's view of evals: one controller "UBP Eval"; each *.ubp.json is a test item, each
// template×model variant (and baseline) a child located at its entry in the config, and the failed cases of a run
// leaves under their variant, created as a run reports them and bounded per variant (the rest behind a
// "+N more" link to the failures table). Running an item runs the eval through the engine into the same run
// store; a failed case's leaf re-asks that case. Opening the workspace reports each config's latest finished run
// without running anything.
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  failureOf,
  loadPromptTemplate,
  readRun,
  readRunManifest,
  scoringContext,
  type CaseResult,
  type EvalConfig,
  type FailureKind,
  type RunHandle,
  type RunManifest,
  type ScoringContext,
  type TestCase,
} from '../../core';
import type { Services } from '../services';
import { Command } from '../commands/ids';
import { runEvalCommand } from '../commands/runEval';
import { rerunFailed } from '../commands/runManagement';
import { baselineEntryAt, modelEntryAt } from '../configLocations';
import { contextOf, diffSides, failureHeadline, type CaseContext } from '../caseText';
import { caseUri } from '../webviews/resultsCaseDocument';

export const TEST_CONTROLLER_ID = 'ubp.eval';
/** Leaves per variant: enough to read, few enough that a 100,000-case run does not freeze the explorer. */
export const MAX_FAILURE_LEAVES = 200;
/** What test messages of a case carry, for the `testing/message/*` menus. */
export const CASE_MESSAGE_CONTEXT = 'ubp.case';

interface ConfigNode {
  kind: 'config';
  file: string;
}
interface VariantNode {
  kind: 'variant';
  file: string;
  variant: string;
  model: string;
}
export interface CaseNode {
  kind: 'case';
  file: string;
  dir: string;
  caseId: string;
  variant: string;
  sample: number;
  failure: FailureKind;
}
type Node = ConfigNode | VariantNode | CaseNode;

/** What was last reported for a test item (the TestRun API cannot be read back: the integration tests read this). */
export interface Reported {
  state: 'passed' | 'failed' | 'errored' | 'skipped';
  message?: string;
  expected?: string;
  actual?: string;
}

export class EvalTests implements vscode.Disposable {
  readonly controller: vscode.TestController;
  private readonly nodes = new Map<string, Node>();
  private readonly disposables: vscode.Disposable[] = [];
  private loading: Promise<void> | undefined;
  private running = Promise.resolve();
  /** The last state reported per test item id. */
  readonly reported = new Map<string, Reported>();
  private readonly finished = new vscode.EventEmitter<vscode.TestRunRequest>();
  /** Fires when a run started from the Test Explorer has ended and been reported. */
  readonly onDidFinishRun = this.finished.event;

  constructor(private readonly services: Services) {
    this.controller = vscode.tests.createTestController(TEST_CONTROLLER_ID, 'UBP Eval');
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.load();
    };
    this.controller.refreshHandler = () => this.load(true);
    this.controller.createRunProfile(
      'Run eval',
      vscode.TestRunProfileKind.Run,
      (request, token) => this.run(request, token),
      true,
    );
    this.disposables.push(
      this.controller,
      this.finished,
      services.configs.onDidChange(() => void this.load(true)),
    );
  }

  /** The node behind a test item id (config, variant or failed case). */
  node(id: string): Node | undefined {
    return this.nodes.get(id);
  }

  /** Settles when every run started from the Test Explorer so far has been reported. */
  idle(): Promise<void> {
    return this.running;
  }

  /** Lists the configs and their variants; the first time, reports each config's latest finished run. */
  load(reload = false): Promise<void> {
    if (!this.loading || reload) {
      if (reload) this.services.configs.refresh();
      const first = !this.loading;
      this.loading = this.loadConfigs().then(() => (first ? this.reportLatest() : undefined));
    }
    return this.loading;
  }

  private async loadConfigs(): Promise<void> {
    const seen = new Set<string>();
    for (const c of await this.services.configs.list()) {
      if (!c.config) continue;
      const file = c.uri.fsPath;
      const id = c.uri.toString();
      seen.add(id);
      const item = this.controller.items.get(id) ?? this.controller.createTestItem(id, c.config.name, c.uri);
      item.label = c.config.name;
      item.range = new vscode.Range(0, 0, 0, 0);
      this.nodes.set(id, { kind: 'config', file });
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(c.uri));
      const variants: vscode.TestItem[] = [];
      for (const v of variantsOf(c.config, path.dirname(file))) {
        const vid = `${id}::${v.id}`;
        const child = item.children.get(vid) ?? this.controller.createTestItem(vid, v.id, c.uri);
        const at = v.baseline
          ? baselineEntryAt(text, v.model.replace(/^baseline:/, ''))
          : modelEntryAt(text, v.model);
        child.range = at ? new vscode.Range(at.line, at.character, at.line, at.character) : item.range;
        child.description = v.baseline ? 'baseline' : v.model;
        this.nodes.set(vid, { kind: 'variant', file, variant: v.id, model: v.model });
        variants.push(child);
      }
      item.children.replace(variants);
      this.controller.items.add(item);
    }
    for (const [id] of this.controller.items) if (!seen.has(id)) this.controller.items.delete(id);
  }

  /** Reports the latest finished run of every config through a TestRun; nothing is asked. */
  private async reportLatest(): Promise<void> {
    const runs = this.services.runs.list();
    for (const [id, item] of this.controller.items) {
      const node = this.nodes.get(id);
      if (node?.kind !== 'config') continue;
      const latest = runs.find((r) => r.manifest.configFile === node.file && r.manifest.status !== 'running');
      if (!latest) continue;
      const run = this.controller.createTestRun(
        new vscode.TestRunRequest([item]),
        `Latest run of ${item.label} (${latest.id})`,
        false,
      );
      try {
        await this.report(run, latest.dir, item);
      } catch (e) {
        this.services.log.warn(`Test Explorer: cannot report run ${latest.id}: ${message(e)}`);
      } finally {
        run.end();
      }
    }
  }

  private configItemOf(file: string): vscode.TestItem | undefined {
    return this.controller.items.get(vscode.Uri.file(file).toString());
  }

  // ---- running ---------------------------------------------------------------------------------------------

  private run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const done = this.execute(request, token);
    this.running = this.running.then(() => done.catch(() => undefined));
    return done;
  }

  private async execute(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    await this.load();
    const testRun = this.controller.createTestRun(request);
    try {
      const include = request.include ?? [...this.controller.items].map(([, i]) => i);
      const excluded = new Set((request.exclude ?? []).map((i) => i.id));
      const picked = include.filter((i) => !excluded.has(i.id));
      const cases = picked.filter((i) => this.nodes.get(i.id)?.kind === 'case');
      // A variant asked for together with some of its failed cases stands for those cases only ("Rerun Failed
      // Tests" sends both); a config likewise for its variants.
      const variants = picked.filter(
        (i) => this.nodes.get(i.id)?.kind === 'variant' && !cases.some((c) => c.parent?.id === i.id),
      );
      const configs = picked.filter(
        (i) =>
          this.nodes.get(i.id)?.kind === 'config' &&
          !variants.some((v) => v.parent?.id === i.id) &&
          !cases.some((c) => c.parent?.parent?.id === i.id),
      );
      for (const item of configs) {
        if (token.isCancellationRequested) break;
        await this.runConfig(testRun, item, undefined, token);
      }
      const byConfig = new Map<string, vscode.TestItem[]>();
      for (const v of variants) {
        const parent = v.parent!;
        byConfig.set(parent.id, [...(byConfig.get(parent.id) ?? []), v]);
      }
      for (const [id, list] of byConfig) {
        if (token.isCancellationRequested) break;
        await this.runConfig(testRun, this.controller.items.get(id)!, list, token);
      }
      if (cases.length && !token.isCancellationRequested) await this.rerunCases(testRun, cases, token);
    } catch (e) {
      testRun.appendOutput(`${message(e)}\r\n`);
      this.services.log.error(`Test Explorer run: ${message(e)}`);
    } finally {
      testRun.end();
      this.finished.fire(request);
    }
  }

  private async runConfig(
    testRun: vscode.TestRun,
    item: vscode.TestItem,
    variants: vscode.TestItem[] | undefined,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const node = this.nodes.get(item.id) as ConfigNode;
    const targets = variants ?? [...item.children].map(([, c]) => c);
    for (const t of targets) testRun.started(t);
    const models = variants
      ? [...new Set(variants.map((v) => (this.nodes.get(v.id) as VariantNode).model))]
      : undefined;
    const result = await runEvalCommand(this.services, node.file, {
      models: models ?? [],
      confirm: 'whenPaid',
      onStarted: (handle) => this.follow(testRun, handle, item, token),
    });
    if (!result) {
      testRun.appendOutput(`${item.label}: the run did not start (the UBP Eval log says why)\r\n`);
      this.services.log.warn(`Test Explorer: ${item.label} did not run`);
      for (const t of targets) this.skipped(testRun, t);
      return;
    }
    await this.report(
      testRun,
      result.dir,
      item,
      new Set(targets.map((t) => (this.nodes.get(t.id) as VariantNode).variant)),
    );
  }

  /**
   * Re-asks failed cases. One case alone is re-asked whatever its outcome (the user chose it); among several
   * (VS Code's "Rerun Failed Tests") only the invalid and error ones are: a wrong answer at temperature 0 would
   * only repeat, so those are reported again as they stand.
   */
  private async rerunCases(
    testRun: vscode.TestRun,
    items: vscode.TestItem[],
    token: vscode.CancellationToken,
  ): Promise<void> {
    const byRun = new Map<string, vscode.TestItem[]>();
    for (const i of items) {
      const n = this.nodes.get(i.id) as CaseNode;
      byRun.set(n.dir, [...(byRun.get(n.dir) ?? []), i]);
    }
    for (const [dir, list] of byRun) {
      if (token.isCancellationRequested) break;
      const ask =
        items.length === 1
          ? list
          : list.filter((i) => (this.nodes.get(i.id) as CaseNode).failure !== 'wrong');
      for (const i of ask) testRun.started(i);
      const file = (this.nodes.get(list[0]!.id) as CaseNode).file;
      const configItem = this.configItemOf(file);
      if (ask.length) {
        const units = ask.map((i) => {
          const n = this.nodes.get(i.id) as CaseNode;
          return { caseId: n.caseId, variant: n.variant, sample: n.sample };
        });
        await rerunFailed(this.services, dir, {
          units,
          onStarted: (handle) => configItem && this.follow(testRun, handle, configItem, token),
        });
      }
      if (configItem) await this.report(testRun, dir, configItem, undefined, list);
    }
  }

  /** Cancels the run with the test run, and shows failures as the run reports them. */
  private follow(
    testRun: vscode.TestRun,
    handle: RunHandle,
    configItem: vscode.TestItem,
    token: vscode.CancellationToken,
  ): void {
    const cancel = token.onCancellationRequested(() => handle.cancel());
    void handle.done.finally(() => cancel.dispose());
    const root = this.services.runs.root();
    if (!root) return;
    const dir = path.join(root, 'runs', handle.runId);
    let ctx: ScoringContext;
    try {
      ctx = scoringContext(readRunManifest(dir));
    } catch {
      return;
    }
    const shown = new Map<string, number>();
    handle.on('case-finished', ({ result }) => {
      const kind = failureOf(result, ctx);
      if (!kind) return;
      const variant = configItem.children.get(`${configItem.id}::${result.variant}`);
      const n = shown.get(result.variant) ?? 0;
      if (!variant || n >= MAX_FAILURE_LEAVES) return;
      shown.set(result.variant, n + 1);
      const leaf = this.leaf(variant, dir, result, kind, contextOf(undefined, result));
      this.reportCase(testRun, leaf, dir, result, kind, contextOf(undefined, result));
    });
  }

  // ---- reporting -------------------------------------------------------------------------------------------

  /**
   * Reports a run's failures under `configItem`: every variant (or those in `onlyVariants`) passes or fails, its
   * failed cases become leaves; with `onlyCases`, just those leaves are reported (and dropped when they now pass).
   */
  private async report(
    testRun: vscode.TestRun,
    dir: string,
    configItem: vscode.TestItem,
    onlyVariants?: Set<string>,
    onlyCases?: vscode.TestItem[],
  ): Promise<void> {
    const { manifest, results } = await readRun(dir);
    const ctx = scoringContext(manifest);
    const cases = await this.services.cases.casesOf(manifest).catch(() => new Map<string, TestCase>());
    const contextFor = (r: CaseResult): CaseContext => ({
      ...contextOf(cases.get(r.caseId), r),
      scale: ctx.scale,
    });
    if (onlyCases) {
      const byKey = new Map(results.map((r) => [`${r.variant}\u0000${r.caseId}\u0000${r.sample}`, r]));
      for (const leaf of onlyCases) {
        const n = this.nodes.get(leaf.id) as CaseNode;
        const r = byKey.get(`${n.variant}\u0000${n.caseId}\u0000${n.sample}`);
        if (!r) continue;
        const kind = failureOf(r, ctx);
        if (kind)
          this.reportCase(
            testRun,
            this.leaf(leaf.parent!, dir, r, kind, contextFor(r)),
            dir,
            r,
            kind,
            contextFor(r),
          );
        else {
          this.passed(testRun, leaf);
          leaf.parent?.children.delete(leaf.id);
          this.nodes.delete(leaf.id);
        }
      }
      return;
    }
    const byVariant = new Map<string, CaseResult[]>();
    for (const r of results) byVariant.set(r.variant, [...(byVariant.get(r.variant) ?? []), r]);
    for (const [vid, variant] of configItem.children) {
      const node = this.nodes.get(vid) as VariantNode | undefined;
      if (!node || (onlyVariants && !onlyVariants.has(node.variant))) continue;
      const list = byVariant.get(node.variant);
      if (!list) {
        if (onlyVariants) this.skipped(testRun, variant);
        continue;
      }
      const failed = list.flatMap((r) => {
        const kind = failureOf(r, ctx);
        return kind ? [{ r, kind }] : [];
      });
      for (const [id] of variant.children) this.nodes.delete(id);
      const leaves = failed.slice(0, MAX_FAILURE_LEAVES).map(({ r, kind }) => ({
        r,
        kind,
        leaf: this.leaf(variant, dir, r, kind, contextFor(r), false),
      }));
      variant.children.replace(leaves.map((l) => l.leaf));
      for (const { r, kind, leaf } of leaves) this.reportCase(testRun, leaf, dir, r, kind, contextFor(r));
      if (!failed.length) this.passed(testRun, variant);
      else
        this.failed(
          testRun,
          variant,
          this.variantMessage(
            manifest,
            dir,
            node.variant,
            list.length,
            failed.map((f) => f.kind),
          ),
        );
    }
  }

  private variantMessage(
    manifest: RunManifest,
    dir: string,
    variant: string,
    total: number,
    kinds: FailureKind[],
  ): vscode.TestMessage {
    const count = (k: FailureKind) => kinds.filter((x) => x === k).length;
    const md = new vscode.MarkdownString(
      `${kinds.length} of ${total} answers failed in run ${manifest.id}: ${count('wrong')} wrong, ${count('invalid')} invalid, ${count('error')} errors.`,
    );
    if (kinds.length > MAX_FAILURE_LEAVES) {
      const args = encodeURIComponent(JSON.stringify([dir, variant]));
      md.appendMarkdown(
        ` The first ${MAX_FAILURE_LEAVES} are listed here; [+${kinds.length - MAX_FAILURE_LEAVES} more in the failures table](command:${Command.showFailures}?${args}).`,
      );
      md.isTrusted = { enabledCommands: [Command.showFailures] };
    }
    return new vscode.TestMessage(md);
  }

  private leaf(
    variant: vscode.TestItem,
    dir: string,
    r: CaseResult,
    kind: FailureKind,
    ctx: CaseContext,
    add = true,
  ): vscode.TestItem {
    const id = `${variant.id}::${r.caseId}#${r.sample}`;
    const uri = caseUri({ dir, caseId: r.caseId, variant: r.variant, sample: r.sample, format: 'md' });
    const leaf =
      variant.children.get(id) ?? this.controller.createTestItem(id, ctx.target?.title ?? r.caseId, uri);
    leaf.description = `${kind} · ${r.caseId}${r.sample ? ` #${r.sample}` : ''}`;
    leaf.range = new vscode.Range(0, 0, 0, 0);
    this.nodes.set(id, {
      kind: 'case',
      file: (this.nodes.get(variant.id) as VariantNode).file,
      dir,
      caseId: r.caseId,
      variant: r.variant,
      sample: r.sample,
      failure: kind,
    });
    if (add) variant.children.add(leaf);
    return leaf;
  }

  private reportCase(
    testRun: vscode.TestRun,
    leaf: vscode.TestItem,
    dir: string,
    r: CaseResult,
    kind: FailureKind,
    ctx: CaseContext,
  ): void {
    const headline = failureHeadline(r, ctx, kind);
    const { expected, actual } = diffSides(r, ctx);
    let msg: vscode.TestMessage;
    if (kind === 'error') msg = new vscode.TestMessage(headline);
    else if (kind === 'invalid') msg = vscode.TestMessage.diff(headline, expected, r.raw ?? '');
    else msg = vscode.TestMessage.diff(headline, expected, actual);
    msg.location = new vscode.Location(
      caseUri({ dir, caseId: r.caseId, variant: r.variant, sample: r.sample, format: 'md' }),
      new vscode.Position(0, 0),
    );
    msg.contextValue = CASE_MESSAGE_CONTEXT;
    if (kind === 'error') {
      testRun.errored(leaf, msg, r.latencyMs);
      this.record(leaf, 'errored', msg);
    } else this.failed(testRun, leaf, msg, r.latencyMs);
  }

  private skipped(testRun: vscode.TestRun, item: vscode.TestItem): void {
    testRun.skipped(item);
    this.record(item, 'skipped');
  }

  private passed(testRun: vscode.TestRun, item: vscode.TestItem): void {
    testRun.passed(item);
    this.record(item, 'passed');
  }

  private failed(testRun: vscode.TestRun, item: vscode.TestItem, msg: vscode.TestMessage, ms?: number): void {
    testRun.failed(item, msg, ms);
    this.record(item, 'failed', msg);
  }

  private record(item: vscode.TestItem, state: Reported['state'], msg?: vscode.TestMessage): void {
    const text = msg ? (typeof msg.message === 'string' ? msg.message : msg.message.value) : undefined;
    this.reported.set(item.id, {
      state,
      message: text,
      expected: msg?.expectedOutput,
      actual: msg?.actualOutput,
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The variants a config runs: its baselines, then every template × model (ids as the engine makes them). */
export function variantsOf(
  config: EvalConfig,
  dir: string,
): { id: string; model: string; baseline: boolean }[] {
  const out: { id: string; model: string; baseline: boolean }[] = [];
  for (const b of config.baselines) out.push({ id: `baseline:${b}`, model: `baseline:${b}`, baseline: true });
  if (!config.models.length) return out;
  const names = (config.prompts ?? [`builtin:${config.task.form}`]).map((ref) => {
    try {
      return loadPromptTemplate(ref, dir).frontMatter.name ?? templateName(ref);
    } catch {
      return templateName(ref);
    }
  });
  for (const m of config.models)
    for (const t of names) out.push({ id: `${t}×${m.id}`, model: m.id, baseline: false });
  return out;
}

function templateName(ref: string): string {
  return path.basename(ref).replace(/\.prompt$/, '');
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
