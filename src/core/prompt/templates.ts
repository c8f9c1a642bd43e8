// The built-in templates, one per task form (each in its form's module, src/core/forms), used by the default
// configs as "builtin:<form>". The same text is shipped as templates/<form>.prompt for users to copy; a unit test
// keeps the two identical.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formIds, forms, getForm, hasForm } from '../forms';
import { parsePromptFile, type ParsedPrompt } from './parse';

/** The built-in template text of each built-in form, by form id (a form registered later: getForm(id).template). */
export const builtinTemplates: Readonly<Record<string, string>> = Object.fromEntries(
  forms().map((f) => [f.id, f.template]),
);

const BUILTIN = /^builtin:(.+)$/;

/** A template reference from a config: "builtin:<form>" or a path relative to `baseDir`. */
export function readPromptTemplate(ref: string, baseDir: string): { file: string; text: string } {
  const m = BUILTIN.exec(ref);
  if (m) {
    if (!hasForm(m[1]!))
      throw new Error(
        `unknown built-in template "${ref}" (${formIds()
          .map((f) => `builtin:${f}`)
          .join(', ')})`,
      );
    return { file: ref, text: getForm(m[1]!).template };
  }
  const file = path.resolve(baseDir, ref);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read prompt template ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { file, text };
}

/** Reads and parses a template reference; check `promptDiagnostics(result)` before rendering. */
export function loadPromptTemplate(ref: string, baseDir: string): ParsedPrompt {
  const { file, text } = readPromptTemplate(ref, baseDir);
  return parsePromptFile(text, file);
}
