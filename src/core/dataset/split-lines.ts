// Line-per-record text files with a plain separator and no quoting (movies.dat `::`, u.item `|`,
// artists.dat and tags.dat tabs): fields split as they are, with their columns, for the metadata files.
import { readTextLines, type ReadTextOptions } from './text-lines';

export interface SplitRecord {
  line: number;
  fields: string[];
  /** 1-based column where each field starts. */
  columns: number[];
}

export function splitLine(text: string, sep: string): { fields: string[]; columns: number[] } {
  const fields: string[] = [];
  const columns: number[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(sep, from);
    fields.push(text.slice(from, at < 0 ? text.length : at));
    columns.push(from + 1);
    if (at < 0) return { fields, columns };
    from = at + sep.length;
  }
}

/** Yields batches of split records; blank lines skipped, bad UTF-8 reported by readTextLines. */
export async function* readSplitLines(
  file: string,
  sep: string,
  options: ReadTextOptions,
): AsyncGenerator<SplitRecord[]> {
  for await (const lines of readTextLines(file, options)) {
    const out: SplitRecord[] = [];
    for (const { line, text } of lines) {
      if (text.trim() === '') continue;
      out.push({ line, ...splitLine(text, sep) });
    }
    yield out;
  }
}
