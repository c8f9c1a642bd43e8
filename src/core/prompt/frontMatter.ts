// The YAML front matter of a .prompt file: parsed with `yaml` (which keeps node ranges), then checked key by key
// so that every problem points at the key or value it is about.
import type { Node, Pair } from 'yaml';
import { yamlLib } from './libs';
import { formIds, formList } from '../forms';
import type { TaskForm } from '../types';
import type { Diagnostic, LineIndex } from './diagnostics';
import { closestName } from './variables';

/** Default request parameters a template may suggest; a model's own `params` in the config win. */
export interface PromptParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  stop?: string | string[];
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high';
  response_format?: 'text' | 'json_object' | 'json_schema';
}

export interface PromptFrontMatter {
  name?: string;
  description?: string;
  /** The task forms the template serves; absent = any. */
  forms?: TaskForm[];
  /** A description of the answer the template asks for, e.g. `{"like": boolean}`. */
  answer?: string;
  params?: PromptParams;
}

type Check = (value: unknown) => { value?: unknown; error?: string };

const text: Check = (v) => (typeof v === 'string' ? { value: v } : { error: 'must be a string' });
const number =
  (min: number, max: number, integer = false): Check =>
  (v) =>
    typeof v !== 'number' || !Number.isFinite(v)
      ? { error: 'must be a number' }
      : integer && !Number.isInteger(v)
        ? { error: 'must be an integer' }
        : v < min || v > max
          ? { error: `must be between ${min} and ${max}` }
          : { value: v };
const oneOf =
  (options: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && options.includes(v)
      ? { value: v }
      : { error: `must be one of ${options.map((o) => `"${o}"`).join(', ')}` };

const PARAM_CHECKS: Record<keyof PromptParams, Check> = {
  temperature: number(0, 2),
  top_p: number(0, 1),
  max_tokens: number(1, 10_000_000, true),
  max_completion_tokens: number(1, 10_000_000, true),
  seed: number(-(2 ** 53), 2 ** 53, true),
  stop: (v) =>
    typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))
      ? { value: v }
      : { error: 'must be a string or a list of strings' },
  reasoning_effort: oneOf(['minimal', 'low', 'medium', 'high']),
  response_format: oneOf(['text', 'json_object', 'json_schema']),
};

/** The request parameters `params` accepts. */
export const PARAM_NAMES = Object.keys(PARAM_CHECKS) as (keyof PromptParams)[];

export const FRONT_MATTER_KEYS: Record<keyof PromptFrontMatter, string> = {
  name: 'A short name for the template, shown in results (defaults to the file name).',
  description: 'What the template is for.',
  forms: 'The task forms it serves: rating, binary, choice, ranking (one or a list).',
  answer: 'The answer shape it asks the model for, e.g. {"like": boolean}.',
  params: `Default request parameters (${Object.keys(PARAM_CHECKS).join(', ')}); a model's params in the config win.`,
};

/**
 * Parses and checks the YAML between the `---` lines. `offset` is where that YAML starts in the file, so ranges
 * come out in file coordinates.
 */
export function parseFrontMatter(
  yamlText: string,
  offset: number,
  lines: LineIndex,
): { frontMatter: PromptFrontMatter; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const frontMatter: PromptFrontMatter = {};
  const at = (range: [number, number] | undefined | null) =>
    range ? lines.range(offset + range[0], offset + range[1]) : lines.range(offset, offset);
  const { isMap, isScalar, isSeq, parseDocument } = yamlLib();
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) {
    let [start, end] = e.pos;
    // Errors found at the end of the text ("missing ]") belong to its last character, not the closing fence.
    const content = yamlText.trimEnd().length;
    if (start >= content) [start, end] = [Math.max(0, content - 1), content];
    diagnostics.push({
      severity: 'error',
      code: 'front-matter-yaml',
      message: `front matter: ${firstLine(e.message)}`,
      range: at([start, Math.max(end, start + 1)]),
    });
  }
  if (doc.errors.length) return { frontMatter, diagnostics };
  const root = doc.contents;
  if (root == null || (isScalar(root) && root.value == null)) return { frontMatter, diagnostics };
  if (!isMap(root)) {
    diagnostics.push({
      severity: 'error',
      code: 'front-matter-not-mapping',
      message: 'front matter must be a mapping of keys (name, description, forms, answer, params)',
      range: at(rangeOf(root)),
    });
    return { frontMatter, diagnostics };
  }
  for (const pair of root.items as Pair<Node, Node | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const keyRange = at(rangeOf(pair.key));
    const valueRange = pair.value ? at(rangeOf(pair.value)) : keyRange;
    const value: unknown = pair.value ? pair.value.toJSON() : null;
    const invalid = (message: string, range = valueRange) =>
      diagnostics.push({ severity: 'error', code: 'front-matter-invalid', message, range });
    switch (key) {
      case 'name':
      case 'description':
      case 'answer': {
        const r = text(value);
        if (r.error) invalid(`front matter "${key}" ${r.error}`);
        else frontMatter[key] = r.value as string;
        break;
      }
      case 'forms': {
        const list = typeof value === 'string' ? [value] : value;
        if (!Array.isArray(list) || list.length === 0) {
          invalid(`front matter "forms" must be a task form or a list of them (${formIds().join(', ')})`);
          break;
        }
        const forms: TaskForm[] = [];
        list.forEach((f, i) => {
          if (typeof f === 'string' && formIds().includes(f)) {
            forms.push(f);
            return;
          }
          const item = isSeq(pair.value) ? pair.value.items[i] : pair.value;
          const hint = typeof f === 'string' ? closestName(f, formIds()) : undefined;
          invalid(
            `front matter "forms": unknown task form ${JSON.stringify(f)}` +
              (hint ? ` (did you mean "${hint}"?)` : ` (${formList('', 'or')})`),
            at(rangeOf(item as Node | undefined)),
          );
        });
        frontMatter.forms = forms;
        break;
      }
      case 'params': {
        if (!isMap(pair.value)) {
          invalid('front matter "params" must be a mapping of request parameters');
          break;
        }
        const params: Record<string, unknown> = {};
        for (const p of pair.value.items as Pair<Node, Node | null>[]) {
          const name = isScalar(p.key) ? String(p.key.value) : '';
          const check = PARAM_CHECKS[name as keyof PromptParams];
          const pRange = p.value ? at(rangeOf(p.value)) : at(rangeOf(p.key));
          if (!check) {
            const hint = closestName(name, Object.keys(PARAM_CHECKS));
            diagnostics.push({
              severity: 'warning',
              code: 'front-matter-unknown-key',
              message:
                `front matter: unknown request parameter "${name}"` +
                (hint ? ` (did you mean "${hint}"?)` : ` (known: ${Object.keys(PARAM_CHECKS).join(', ')})`),
              range: at(rangeOf(p.key)),
            });
            continue;
          }
          const r = check(p.value ? p.value.toJSON() : null);
          if (r.error) invalid(`front matter "params.${name}" ${r.error}`, pRange);
          else params[name] = r.value;
        }
        frontMatter.params = params as PromptParams;
        break;
      }
      default: {
        const hint = key ? closestName(key, Object.keys(FRONT_MATTER_KEYS)) : undefined;
        diagnostics.push({
          severity: 'warning',
          code: 'front-matter-unknown-key',
          message:
            `front matter: unknown key "${key ?? '?'}"` +
            (hint ? ` (did you mean "${hint}"?)` : ` (known: ${Object.keys(FRONT_MATTER_KEYS).join(', ')})`),
          range: keyRange,
        });
      }
    }
  }
  return { frontMatter, diagnostics };
}

function rangeOf(node: Node | null | undefined): [number, number] | undefined {
  const r = node && 'range' in node ? node.range : undefined;
  return r ? [r[0], r[1]] : undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
