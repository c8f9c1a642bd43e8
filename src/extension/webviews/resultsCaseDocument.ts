// Read-only documents of single cases (`ubp-case:` URIs) opened from the results panel: the messages sent, the
// raw answer, what was expected and parsed, and the full result as JSON. Model output is untrusted text: it is
// placed inside fenced code blocks longer than any backtick run it contains, so even a Markdown preview shows it
// as text.
import * as vscode from 'vscode';
import path from 'node:path';
import { RUN_RESULTS_FILE, scanResults, type CaseResult } from '../../core';

export const CASE_SCHEME = 'ubp-case';

export interface CaseQuery {
  dir: string;
  caseId: string;
  variant: string;
  sample: number;
  format: 'md' | 'json';
}

export function caseUri(q: CaseQuery): vscode.Uri {
  // The path names the case for the editor tab; the query carries what the provider needs.
  const name = `${q.caseId} · ${q.variant}${q.sample ? ` #${q.sample}` : ''}.${q.format}`.replace(
    /[/\\]/g,
    '_',
  );
  return vscode.Uri.from({ scheme: CASE_SCHEME, path: `/${name}`, query: JSON.stringify(q) });
}

/** The last line of results.jsonl for (case, variant, sample), or undefined. */
export async function findResult(q: Omit<CaseQuery, 'format'>): Promise<CaseResult | undefined> {
  let found: CaseResult | undefined;
  await scanResults(path.join(q.dir, RUN_RESULTS_FILE), (r) => {
    if (r.caseId === q.caseId && r.variant === q.variant && r.sample === q.sample) found = r;
  });
  return found;
}

function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text}\n${f}`;
}

/** Inline code that cannot be broken out of. */
function code(text: string): string {
  const t = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f} ${t} ${f}`;
}

export function caseMarkdown(r: CaseResult, runDir: string): string {
  const lines: string[] = [];
  lines.push(`# Case ${code(r.caseId)} · ${code(r.variant)}${r.sample ? ` · sample ${r.sample}` : ''}`, '');
  lines.push(`Run: ${code(path.basename(runDir))}  `);
  lines.push(
    `User: ${code(r.user)} · form: ${r.form} · outcome: **${r.outcome}**${r.reason ? ` (${code(r.reason)})` : ''}  `,
  );
  lines.push(
    `History length: ${r.historyLength} · target popularity: ${r.targetPopularity} · latency: ${Math.round(r.latencyMs)} ms`,
  );
  if (r.usage)
    lines.push(
      `Tokens: ${r.usage.prompt} in, ${r.usage.completion} out${r.costUsd ? ` · $${r.costUsd.toFixed(5)}` : ''}`,
    );
  lines.push(
    '',
    '## Expected and predicted',
    '',
    fence(
      JSON.stringify(
        { expected: r.expected, prediction: r.prediction ?? null, score: r.score ?? null },
        null,
        2,
      ),
      'json',
    ),
  );
  lines.push('', '## Raw answer', '', fence(r.raw ?? '(none)', 'text'));
  if (r.messages?.length) {
    lines.push('', '## Messages');
    for (const m of r.messages) lines.push('', `### ${m.role}`, '', fence(m.content, 'text'));
  } else lines.push('', '_No messages: baselines answer without a prompt._');
  lines.push('');
  return lines.join('\n');
}

export class CaseDocumentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = JSON.parse(uri.query) as CaseQuery;
    const r = await findResult(q);
    if (!r) return `No result for case ${q.caseId}, variant ${q.variant}, sample ${q.sample} in ${q.dir}.\n`;
    return q.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : caseMarkdown(r, q.dir);
  }
}

/** Opens a case read-only in the column right of the panel's (`panelColumn`), reusing it for the next case. */
export async function showCase(q: CaseQuery, panelColumn?: vscode.ViewColumn): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(caseUri(q));
  const viewColumn = panelColumn ? ((panelColumn + 1) as vscode.ViewColumn) : vscode.ViewColumn.Beside;
  return vscode.window.showTextDocument(doc, { viewColumn, preview: true });
}
