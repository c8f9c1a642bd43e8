// Diagnostics in the editor's coordinates (LSP style: 0-based line and UTF-16 character), and their CLI form
// (file:line:col, 1-based). Positions are computed from offsets into the whole .prompt file text.

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 code unit within the line (what VS Code and JavaScript strings count). */
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** Stable codes, so the editor can offer fixes and tests can name what they expect. */
export const DIAGNOSTIC_CODES = [
  'front-matter-unclosed',
  'front-matter-yaml',
  'front-matter-not-mapping',
  'front-matter-unknown-key',
  'front-matter-invalid',
  'text-outside-section',
  'near-role-marker',
  'missing-user-section',
  'empty-section',
  'liquid-syntax',
  'tag-not-allowed',
  'unknown-tag',
  'unknown-variable',
  'unknown-field',
  'unknown-filter',
  'structured-output',
  'form-mismatch',
  'target-leak',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface Diagnostic {
  severity: DiagnosticSeverity;
  message: string;
  range: Range;
  code: DiagnosticCode;
}

/** Converts offsets of one text to positions; built once per text (binary search over line starts). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo]! };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  offset(position: Position): number {
    const start = this.starts[Math.max(0, Math.min(position.line, this.starts.length - 1))]!;
    return Math.min(this.text.length, start + position.character);
  }

  /** Offset of the start of a 0-based line. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }

  /** Offset of the end of a 0-based line (before its newline, and before a \r). */
  lineEnd(line: number): number {
    const next = line + 1 < this.starts.length ? this.starts[line + 1]! - 1 : this.text.length;
    return next > 0 && this.text.charCodeAt(next - 1) === 13 ? next - 1 : next;
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/** `file:line:col: severity: message` with 1-based line and column, as compilers print them. */
export function formatDiagnostic(d: Diagnostic, file: string): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Thrown when a template with errors is asked to render: a run can never start from a broken template. */
export class PromptError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(
      `${file}: the prompt template has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n` +
        errors.map((d) => `  ${formatDiagnostic(d, file)}`).join('\n'),
    );
    this.name = 'PromptError';
  }
}
