// Where a model or baseline is named in a *.ubp.json's text, so the Test Explorer and the CodeLens can point at
// its entry. A scan of the JSON text for `"id": "<id>"` (models) and the baseline's name inside `"baselines"`;
// no `vscode` import (unit-tested).

export interface TextPosition {
  line: number;
  character: number;
}

function positionAt(text: string, offset: number): TextPosition {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, character: offset - start };
}

const quoted = (s: string): string => JSON.stringify(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Position of the model entry whose id is `id` (its `"id"` key), or undefined. */
export function modelEntryAt(text: string, id: string): TextPosition | undefined {
  const m = new RegExp(`"id"\\s*:\\s*${quoted(id)}`).exec(text);
  return m ? positionAt(text, m.index) : undefined;
}

/**
 * Position of a baseline's name in the `"baselines"` array, else of the `"baselines"` key; without that key
 * (the form's default baselines run, as in a config "New Eval…" writes) of the `"form"` key; else undefined.
 */
export function baselineEntryAt(text: string, name: string): TextPosition | undefined {
  const key = /"baselines"\s*:\s*\[/.exec(text);
  if (!key) {
    const form = /"form"\s*:/.exec(text);
    return form ? positionAt(text, form.index) : undefined;
  }
  const end = text.indexOf(']', key.index);
  const inside = text.slice(key.index, end === -1 ? undefined : end);
  const m = new RegExp(quoted(name)).exec(inside);
  return positionAt(text, key.index + (m ? m.index : 0));
}
