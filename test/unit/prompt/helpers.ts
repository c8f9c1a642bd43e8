// Shared helpers for the prompt tests: positions are derived from the text itself, so a test names the
// snippet a diagnostic must point at instead of counting columns by hand.
import assert from 'node:assert/strict';
import { parsePromptFile, promptDiagnostics, type Diagnostic, type Range } from '../../../src/core/prompt';

/** The 0-based range of the n-th occurrence of `snippet` in `text`. */
export function rangeOf(text: string, snippet: string, occurrence = 0): Range {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(snippet, at + 1);
    assert.notEqual(at, -1, `"${snippet}" (occurrence ${occurrence}) not in the text`);
  }
  const pos = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1]!.length };
  };
  return { start: pos(at), end: pos(at + snippet.length) };
}

export function diagnose(text: string): Diagnostic[] {
  return promptDiagnostics(parsePromptFile(text, 'test.prompt'));
}

/** Asserts exactly one diagnostic with `code` exists and returns it. */
export function only(diagnostics: Diagnostic[], code: Diagnostic['code']): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got: ${JSON.stringify(diagnostics, null, 1)}`);
  return found[0]!;
}

/** A minimal valid template around a user body. */
export function userOnly(body: string): string {
  return `user:\n${body}\n`;
}
