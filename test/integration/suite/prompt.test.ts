// .prompt files in the real VS Code: diagnostics appear at the right range while typing and go when fixed; the
// live preview renders a case and re-renders after an edit (asserted through the webview's own messages).
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UbpExtensionApi } from '../../../src/extension/extension';
import type { PromptPreview } from '../../../src/extension/webviews/promptPreview';

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

const TEMPLATE = `---
name: it-choice
forms: [choice]
---
system:
You predict what a user picks.
user:
{% for h in history %}- {{ h.title }}: {{ h.value }}
{% endfor %}
Options:
{% for c in candidates %}{{ c.label }}. {{ c.title }}
{% endfor %}
Answer {"choice": "<letter>"}.
`;

/** Resolves when the diagnostics of `uri` satisfy `test`: waits on VS Code's own event, not on time. */
function diagnosticsWhere(
  uri: vscode.Uri,
  test: (d: readonly vscode.Diagnostic[]) => boolean,
): Promise<readonly vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri);
  if (test(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = vscode.languages.getDiagnostics(uri);
      if (test(d)) {
        sub.dispose();
        resolve(d);
      }
    });
  });
}

function nextRender(
  preview: PromptPreview,
  test: (r: { view: { seq: number }; editAt: number | null }) => boolean = () => true,
) {
  return new Promise<Parameters<Parameters<PromptPreview['onRendered']>[0]>[0]>((resolve) => {
    const sub = preview.onRendered((r) => {
      if (test(r)) {
        sub.dispose();
        resolve(r);
      }
    });
  });
}

before(async () => {
  await vscode.extensions.getExtension<UbpExtensionApi>('ubp-eval.ubp-eval')!.activate();
});

describe('.prompt editing', () => {
  let uri: vscode.Uri;
  let editor: vscode.TextEditor;

  before(async () => {
    const file = path.join(ws(), 'it-choice.prompt');
    writeFileSync(file, TEMPLATE);
    uri = vscode.Uri.file(file);
    editor = await vscode.window.showTextDocument(uri);
    assert.equal(editor.document.languageId, 'ubp-prompt');
  });

  it('reports an unknown field at its exact range, and clears it when fixed', async () => {
    await diagnosticsWhere(uri, (d) => d.length === 0);
    const line = editor.document.lineAt(7); // "{% for h in history %}- {{ h.title }}: …"
    const at = line.text.indexOf('h.title') + 2;
    await editor.edit((e) => e.replace(new vscode.Range(7, at, 7, at + 'title'.length), 'titel'));
    const [d] = await diagnosticsWhere(uri, (ds) =>
      ds.some((x) => x.severity === vscode.DiagnosticSeverity.Error),
    );
    assert.match(d.message, /titel/);
    assert.equal(d.range.start.line, 7);
    assert.ok(
      d.range.start.character <= at && d.range.end.character >= at + 5,
      `range ${d.range.start.character}-${d.range.end.character} covers the field at ${at}`,
    );
    await editor.edit((e) => e.replace(new vscode.Range(7, at, 7, at + 'titel'.length), 'title'));
    await diagnosticsWhere(uri, (ds) => ds.length === 0);
  });

  it('reports a missing user: section', async () => {
    const text = editor.document.getText();
    const start = editor.document.positionAt(text.indexOf('user:'));
    await editor.edit((e) => e.replace(new vscode.Range(start, start.translate(0, 5)), 'note:'));
    const ds = await diagnosticsWhere(uri, (x) => x.some((d) => /user/.test(d.message)));
    assert.ok(ds.some((d) => d.severity === vscode.DiagnosticSeverity.Error));
    await editor.edit((e) => e.replace(new vscode.Range(start, start.translate(0, 5)), 'user:'));
    await diagnosticsWhere(uri, (x) => x.length === 0);
  });

  it('completes fields of a loop variable', async () => {
    const list = (await vscode.commands.executeCommand(
      'vscode.executeCompletionItemProvider',
      uri,
      new vscode.Position(7, editor.document.lineAt(7).text.indexOf('h.title') + 2),
    )) as vscode.CompletionList;
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const f of ['title', 'genres', 'value', 'date'])
      assert.ok(labels.includes(f), `completion offers ${f}: ${labels.join(',')}`);
  });

  it('previews a real case and re-renders after an edit, without reloading', async () => {
    const preview = (await vscode.commands.executeCommand('ubp.openPromptPreview', uri)) as PromptPreview;
    const first = await nextRender(preview);
    const view = first.view as unknown as {
      messages: { role: string; content: string }[];
      caseCount: number;
      totalTokens: number;
    };
    assert.ok(view.caseCount > 10);
    assert.deepEqual(
      view.messages.map((m) => m.role),
      ['system', 'user'],
    );
    assert.match(view.messages[1].content, /^- .+: \d/m, 'the history is rendered from the dataset');
    assert.ok(view.totalTokens > 50);
    // Hover shows the value of the field in the previewed case.
    const hovers = (await vscode.commands.executeCommand(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(7, editor.document.lineAt(7).text.indexOf('h.title') + 3),
    )) as vscode.Hover[];
    assert.ok(hovers.length > 0, 'a hover on h.title');

    // The render the edit causes (editAt set): the webview's ready signal can bring one more render without it.
    const rendered = nextRender(preview, (r) => r.view.seq > first.view.seq && r.editAt !== null);
    const pos = new vscode.Position(6, 0);
    await editor.edit((e) => e.insert(pos.translate(1, 0), 'MARKER-FOR-PREVIEW\n'));
    const second = await rendered;
    const messages = (second.view as unknown as { messages: { content: string }[] }).messages;
    assert.match(messages[1].content, /MARKER-FOR-PREVIEW/);
    assert.ok(
      second.editAt !== null && second.at - second.editAt < 2000,
      `edit to render: ${second.editAt !== null ? second.at - second.editAt : '?'} ms`,
    );
    console.log(`      UBP_FIGURE previewEditToRenderMs=${second.at - (second.editAt ?? second.at)}`);
    preview.panel.dispose();
  });
});
