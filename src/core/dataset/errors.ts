// Problems with data files. Every one points at a place in a file (`file:line:column: reason`) so a person can
// open the file and see it; whole-file problems (missing, empty, binary) name the file alone.
import type { DataIssue } from '../types';

/** A data problem that stops a load: the message reads `file:line:column: reason` (or `file: reason`). */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}:${line}:${column ?? 1}: ${reason}`);
  }

  static fromIssue(issue: DataIssue): DatasetError {
    return new DatasetError(issue.file, issue.line, issue.column, issue.reason);
  }
}

export type LoadMode = 'strict' | 'lenient';

/** How many issues a load keeps to show; the rest are only counted. */
export const MAX_KEPT_ISSUES = 20;
/** Lenient mode gives up when this many rows in a row are bad and none was good: it is the wrong file. */
export const GIVE_UP_AFTER_BAD_ROWS = 1000;

/**
 * Collects bad rows. Strict mode throws at the first one; lenient mode counts every skipped row and keeps the
 * first few issues, and gives up when nothing at all in a file parses (a binary or wrong-format file).
 */
export class IssueLog {
  readonly issues: DataIssue[] = [];
  skippedRows = 0;
  /** Issues that did not skip a row (e.g. a tag for an unknown movie in an optional file). */
  warnings = 0;

  constructor(readonly mode: LoadMode) {}

  /** A row was bad and is skipped. `goodRowsSoFar` lets a hopeless file stop early. */
  skip(file: string, line: number, column: number, reason: string, goodRowsSoFar = 1): void {
    const issue = { file, line, column, reason };
    if (this.mode === 'strict') throw DatasetError.fromIssue(issue);
    this.skippedRows++;
    if (this.issues.length < MAX_KEPT_ISSUES) this.issues.push(issue);
    if (goodRowsSoFar === 0 && this.skippedRows >= GIVE_UP_AFTER_BAD_ROWS) {
      throw new DatasetError(
        file,
        null,
        null,
        `the first ${this.skippedRows} rows are all malformed (first: ${this.issues[0]?.line}:${this.issues[0]?.column}: ${this.issues[0]?.reason}): is this the right file and format?`,
      );
    }
  }
}

/** Malformed rows a lenient load skipped: how many, and the first few (a run's manifest records it). */
export interface SkippedRows {
  count: number;
  first: DataIssue[];
}

/** How many skipped-row examples the CLI prints and a manifest keeps. */
export const SKIPPED_EXAMPLES = 5;

/** The skipped rows of a load, or undefined when none was skipped. */
export function skippedRowsOf(loaded: { skippedRows: number; issues: DataIssue[] }): SkippedRows | undefined {
  return loaded.skippedRows > 0
    ? { count: loaded.skippedRows, first: loaded.issues.slice(0, SKIPPED_EXAMPLES) }
    : undefined;
}

const where = (i: DataIssue): string => `${i.file}:${i.line}:${i.column}`;

/** The CLI's warning (`ubp stats`, `ubp run`): the count, then one `file:line:col: reason` line per example. */
export function skippedRowsWarning(s: SkippedRows): string[] {
  return [
    `${s.count.toLocaleString('en-US')} malformed rows skipped; the first:`,
    ...s.first.slice(0, SKIPPED_EXAMPLES).map((i) => `  ${where(i)}: ${i.reason}`),
  ];
}

/** One line for reports and the results panel: "n malformed rows skipped (first: file:line:col reason; …)". */
export function skippedRowsLine(s: SkippedRows, examples = 3): string {
  const first = s.first
    .slice(0, examples)
    .map((i) => `${where(i)} ${i.reason}`)
    .join('; ');
  return `${s.count.toLocaleString('en-US')} malformed rows skipped from the dataset${first ? ` (first: ${first})` : ''}.`;
}
