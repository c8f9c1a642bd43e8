// Editor support for `.prompt` files (language id `ubp-prompt`): diagnostics while typing (the engine's static
// analysis against the documented variables, so branches a render would skip are checked too), completion of
// variables and fields inside `{{ }}` and `{% %}`, and hover with a field's meaning and its value in the case the
// preview shows.
import * as vscode from 'vscode';
import {
  completionsAt,
  hoverAt,
  parsePromptFile,
  promptDiagnostics,
  type Diagnostic,
  type HoverContext,
} from '../../core';

export const PROMPT_LANGUAGE = 'ubp-prompt';
const DEBOUNCE_MS = 120;

const SEVERITY: Record<Diagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toVsRange(r: Diagnostic['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** Where hover finds the case to show values from: set by the preview panel. */
export interface HoverCaseSource {
  hoverContext(uri: vscode.Uri): HoverContext | undefined;
}

export function registerPromptLanguage(
  context: vscode.ExtensionContext,
  cases: HoverCaseSource,
): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection(PROMPT_LANGUAGE);
  const timers = new Map<string, NodeJS.Timeout>();
  const check = (doc: vscode.TextDocument) => {
    if (doc.languageId !== PROMPT_LANGUAGE) return;
    const diagnostics = promptDiagnostics(parsePromptFile(doc.getText(), doc.uri.fsPath)).map((d) => {
      const v = new vscode.Diagnostic(toVsRange(d.range), d.message, SEVERITY[d.severity]);
      v.source = 'ubp';
      v.code = d.code;
      return v;
    });
    collection.set(doc.uri, diagnostics);
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (doc.languageId !== PROMPT_LANGUAGE) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        check(doc);
      }, DEBOUNCE_MS),
    );
  };
  const selector: vscode.DocumentSelector = { language: PROMPT_LANGUAGE };
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    vscode.languages.registerCompletionItemProvider(
      selector,
      {
        provideCompletionItems(doc, position) {
          return completionsAt(doc.getText(), doc.offsetAt(position)).map((c) => {
            const item = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind]);
            item.detail = c.detail;
            item.documentation = new vscode.MarkdownString(c.documentation);
            return item;
          });
        },
      },
      '.',
      '{',
      ' ',
      '|',
    ),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, position) {
        const found = hoverAt(doc.getText(), doc.offsetAt(position), cases.hoverContext(doc.uri));
        return found
          ? new vscode.Hover(new vscode.MarkdownString(found.markdown), toVsRange(found.range))
          : undefined;
      },
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  vscode.workspace.textDocuments.forEach(check);
  return collection;
}

const COMPLETION_KIND: Record<string, vscode.CompletionItemKind> = {
  variable: vscode.CompletionItemKind.Variable,
  field: vscode.CompletionItemKind.Field,
  filter: vscode.CompletionItemKind.Function,
  tag: vscode.CompletionItemKind.Keyword,
  key: vscode.CompletionItemKind.Property,
};
