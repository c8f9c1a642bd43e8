// Commands on one case of a run: open it in the case view, re-ask it, open it in the prompt preview of the
// template that asked it; and the failures table of one variant. Each takes the case as `{ dir, caseId, variant,
// sample }`, or as what VS Code passes from a Test Explorer message menu (`{ test, message }`) or a test item.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { readRunManifest, resolveConfigPath, loadPromptTemplate, type EvalConfig } from '../../core';
import type { Services } from '../services';
import type { CaseRef, CaseViews, ShownCase } from '../webviews/caseView';
import type { EvalTests } from '../testing/evalTests';
import type { PromptPreviews } from '../webviews/promptPreview';
import type { OpenedResults, ResultsPanels } from '../webviews/resultsPanel';
import { rerunFailed, type RerunResult } from './runManagement';
import { openResults } from './openResults';

/** The case a command was invoked on, from whichever form the caller passes. */
export function caseRefOf(arg: unknown, tests: EvalTests): CaseRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as Partial<CaseRef> & { test?: { id?: unknown }; id?: unknown };
  if (typeof o.dir === 'string' && typeof o.caseId === 'string' && typeof o.variant === 'string')
    return {
      dir: o.dir,
      caseId: o.caseId,
      variant: o.variant,
      sample: typeof o.sample === 'number' ? o.sample : 0,
    };
  const id = typeof o.test?.id === 'string' ? o.test.id : typeof o.id === 'string' ? o.id : undefined;
  const node = id ? tests.node(id) : undefined;
  return node?.kind === 'case'
    ? { dir: node.dir, caseId: node.caseId, variant: node.variant, sample: node.sample }
    : undefined;
}

function noCase(): undefined {
  void vscode.window.showInformationMessage(
    'Pick a case first: a failed case in the Test Explorer or the failures table.',
  );
  return undefined;
}

export async function openCase(
  views: CaseViews,
  tests: EvalTests,
  arg: unknown,
): Promise<ShownCase | undefined> {
  const ref = caseRefOf(arg, tests);
  if (!ref) return noCase();
  return views.show(ref);
}

export async function rerunCase(
  services: Services,
  views: CaseViews,
  tests: EvalTests,
  arg: unknown,
): Promise<RerunResult | undefined> {
  const ref = caseRefOf(arg, tests);
  if (!ref) return noCase();
  const result = await rerunFailed(services, ref.dir, {
    units: [{ caseId: ref.caseId, variant: ref.variant, sample: ref.sample }],
  });
  if (result?.summary && views.showing(ref)) await views.show(ref);
  return result;
}

/** Opens the template that asked the case in the prompt preview, on that case. */
export async function previewCase(
  previews: PromptPreviews,
  tests: EvalTests,
  arg: unknown,
): Promise<vscode.Uri | undefined> {
  const ref = caseRefOf(arg, tests);
  if (!ref) return noCase();
  const manifest = readRunManifest(ref.dir);
  const template = manifest.variants.find((v) => v.id === ref.variant)?.template;
  const config = manifest.config as EvalConfig;
  if (!template || !manifest.configFile) {
    void vscode.window.showInformationMessage(
      `${ref.variant} asks no prompt: a baseline answers without one.`,
    );
    return undefined;
  }
  const dir = path.dirname(manifest.configFile);
  const file = (config.prompts ?? [])
    .filter((p) => !p.startsWith('builtin:'))
    .map((p) => resolveConfigPath(config, dir, p))
    .find((f) => {
      try {
        return (
          (loadPromptTemplate(f, dir).frontMatter.name ?? path.basename(f).replace(/\.prompt$/, '')) ===
          template
        );
      } catch {
        return false;
      }
    });
  if (!file) {
    void vscode.window.showInformationMessage(
      `${template} is a built-in template: copy it into a .prompt file to preview and edit it.`,
    );
    return undefined;
  }
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, preview: true });
  const preview = await previews.show(uri);
  await preview?.showCase(ref.caseId);
  return uri;
}

/** The results panel's Failures tab, filtered to one variant. */
export async function showFailures(
  panels: ResultsPanels,
  dir?: string,
  variant?: string,
): Promise<OpenedResults | undefined> {
  const opened = await openResults(panels, dir);
  if (opened && variant) opened.showFailures(variant);
  return opened;
}
