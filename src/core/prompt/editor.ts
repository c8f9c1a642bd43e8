// Editor helpers over the same variable table as the analysis: completion and hover at an offset of a .prompt
// text. They work on text being typed (an unclosed `{{ target.` included): the scope at the cursor comes from
// a scan of the tags before it, each parsed on its own, not from parsing the whole (possibly broken) section.
import type { Template } from 'liquidjs';
import type { TestCase } from '../types';
import { documentedScope, lookup, typeOfToken, typeOfValue, type Binding } from './analyze';
import type { Range } from './diagnostics';
import { promptEngine } from './engine';
import { forms } from '../forms';
import { FRONT_MATTER_KEYS, PARAM_NAMES } from './frontMatter';
import { lineIndexOf, parsePromptFile, type ParsedPrompt, type PromptSection } from './parse';
import { buildPromptVariables, type PromptRenderInfo } from './render';
import {
  LOOP_VARIABLES,
  describeType,
  memberOf,
  membersOf,
  type FieldSpec,
  type PromptVariables,
} from './variables';

export interface CompletionItem {
  label: string;
  kind: 'variable' | 'field' | 'filter' | 'tag' | 'key';
  /** A short type, e.g. "list of history entry". */
  detail: string;
  /** Markdown. */
  documentation: string;
}

export interface HoverResult {
  markdown: string;
  /** The hovered word (0-based, file coordinates). */
  range: Range;
}

/** The case a hover shows values from: a test case with its render info, or ready-made variables. */
export type HoverContext = { testCase: TestCase; info: PromptRenderInfo } | { variables: PromptVariables };

type Stack = Map<string, Binding>[];

const TAG_DOCS: Record<string, string> = {
  if: 'Renders its body when a condition holds: `{% if h.value >= 4 %}…{% elsif … %}…{% else %}…{% endif %}`.',
  unless: 'Renders its body when a condition does not hold.',
  case: 'Chooses a branch by value: `{% case dataset.kind %}{% when "explicit" %}…{% endcase %}`.',
  for: 'Repeats its body for each element: `{% for h in history %}…{% endfor %}` (`limit:`, `offset:`, `reversed`).',
  assign: 'Names a value for the rest of the section: `{% assign recent = history | slice: -5, 5 %}`.',
  capture: 'Names the text its body renders: `{% capture intro %}…{% endcapture %}`.',
  comment: 'A comment, not rendered: `{% comment %}…{% endcomment %}`.',
  raw: 'Renders its body as is, without interpreting Liquid in it.',
  liquid: 'Several tags in one block, one per line, without delimiters.',
  echo: 'Outputs a value, like `{{ }}`, inside `{% liquid %}`.',
  cycle: 'Outputs the next of several values on each call.',
  increment: 'Outputs a counter, then adds 1 to it.',
  decrement: 'Subtracts 1 from a counter, then outputs it.',
  tablerow: 'Repeats its body as HTML table cells.',
  break: 'Leaves the enclosing `for` loop.',
  continue: 'Skips to the next iteration of the enclosing `for` loop.',
  '#': 'An inline comment: `{%# … %}`.',
};

/** The section whose body contains the offset (its end included, where typing happens). */
function sectionAt(parsed: ParsedPrompt, offset: number): PromptSection | undefined {
  return parsed.sections.find((s) => offset >= s.bodyOffset && offset <= s.bodyOffset + s.body.length);
}

/** The lines of a `{% liquid %}` block as delimited tags (the last, unfinished line is left out). */
function liquidLinesAsTags(inner: string): string {
  const lines = inner.split('\n');
  return lines
    .slice(0, -1)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => `{% ${l} %}`)
    .join('');
}

/** The open Liquid delimiter around `offset` in a body: its kind and where its inside starts, or undefined. */
function delimiterAt(body: string, at: number): { kind: 'output' | 'tag'; start: number } | undefined {
  const before = body.slice(0, at);
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'));
  if (open === -1) return undefined;
  const close = Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}'));
  if (close > open) return undefined;
  return { kind: body[open + 1] === '{' ? 'output' : 'tag', start: open + 2 };
}

/** The scope at `at` in a body: documented variables, then loops open at that point and earlier assignments. */
function scopeBefore(body: string, at: number): Stack {
  const stack: Stack = [documentedScope(), new Map()];
  const liquid = promptEngine();
  const tagRe = /\{%-?\s*(#|[A-Za-z_]\w*)([\s\S]*?)-?%\}/g;
  // A `{% liquid %}` block holds one tag per line without delimiters: give them theirs. An open one (the cursor
  // is inside it) counts up to the cursor's line.
  const text = body
    .slice(0, at)
    .replace(/\{%-?\s*liquid\b([\s\S]*?)(?:-?%\}|$)/g, (_m, inner: string) => liquidLinesAsTags(inner));
  let inComment = false;
  for (let m = tagRe.exec(text); m; m = tagRe.exec(text)) {
    const [whole, name, args] = m as unknown as [string, string, string];
    if (inComment) {
      if (name === 'endcomment') inComment = false;
      continue;
    }
    if (name === 'comment') inComment = true;
    else if (name === 'for' || name === 'tablerow') {
      const tag = tryParse<Template & { variable?: string; collection?: Parameters<typeof typeOfToken>[0] }>(
        `${whole}{% end${name} %}`,
      );
      const block = new Map<string, Binding>();
      if (tag?.variable && tag.collection) {
        const coll = typeOfToken(tag.collection, stack).type;
        const element = coll.kind === 'array' ? coll.of : ({ kind: 'any' } as const);
        const from = tag.collection.getText();
        block.set(tag.variable, {
          name: tag.variable,
          type: element,
          doc: `The current element of \`${from}\`${element.kind === 'any' ? '' : ` (${describeType(element)})`}.`,
          origin: 'loop',
          source: from,
        });
      }
      const loop = name === 'for' ? 'forloop' : 'tablerowloop';
      block.set(loop, {
        name: loop,
        type: LOOP_VARIABLES[loop]!.type,
        doc: LOOP_VARIABLES[loop]!.doc,
        origin: 'loop',
      });
      stack.push(block);
    } else if ((name === 'endfor' || name === 'endtablerow') && stack.length > 2) {
      stack.pop();
    } else if (name === 'assign') {
      const tag = tryParse<Template & { value?: Parameters<typeof typeOfValue>[0] }>(whole);
      const id = /^\s*([A-Za-z_][\w-]*)/.exec(args)?.[1];
      if (tag?.value && id) {
        const t = typeOfValue(tag.value, stack);
        const source = args.slice(args.indexOf('=') + 1).trim();
        stack[1]!.set(id, {
          name: id,
          ...t,
          doc: `Assigned in the template (${describeType(t.type, t.nullable)}).`,
          origin: 'assign',
          source,
        });
      }
    } else if (name === 'capture') {
      const id = /^\s*([A-Za-z_][\w-]*)/.exec(args)?.[1];
      if (id)
        stack[1]!.set(id, { name: id, type: { kind: 'string' }, doc: 'Captured text.', origin: 'capture' });
    }
  }
  return stack;

  function tryParse<T>(src: string): T | undefined {
    try {
      return liquid.parse(src)[0] as T;
    } catch {
      return undefined;
    }
  }
}

function fieldItems(members: Record<string, FieldSpec>): CompletionItem[] {
  return Object.entries(members).map(([label, spec]) => ({
    label,
    kind: 'field',
    detail: describeType(spec.type, spec.nullable),
    documentation: spec.doc,
  }));
}

/** Resolves a dotted path (`h.genres`, `history[0]`) in a scope to its spec, or undefined. */
function resolvePath(
  path: string,
  stack: Stack,
): { binding: Binding; spec?: FieldSpec; type: FieldSpec['type']; nullable?: boolean } | undefined {
  const parts = path.match(/[A-Za-z_][\w-]*|\[\d+\]/g) ?? [];
  const [root, ...rest] = parts;
  const binding = root ? lookup(stack, root) : undefined;
  if (!binding) return undefined;
  let type = binding.type;
  let spec: FieldSpec | undefined;
  let nullable = binding.nullable;
  for (const p of rest) {
    if (p.startsWith('[')) {
      if (type.kind !== 'array') return undefined;
      type = type.of;
      spec = undefined;
      nullable = true;
      continue;
    }
    spec = memberOf(type, p);
    if (!spec) return undefined;
    type = spec.type;
    nullable = spec.nullable;
  }
  return { binding, spec, type, nullable };
}

/**
 * Completion items at an offset of a .prompt text: variables (with loop variables and assignments in scope),
 * fields after a dot, filters after `|`, tag names after `{%`, and front matter keys.
 */
export function completionsAt(text: string, offset: number): CompletionItem[] {
  const parsed = parsePromptFile(text);
  const section = sectionAt(parsed, offset);
  if (!section) return frontMatterCompletions(text, offset);
  const at = offset - section.bodyOffset;
  const delim = delimiterAt(section.body, at);
  if (!delim) return [];
  const inside = section.body.slice(delim.start, at);
  const inLiquidBlock = delim.kind === 'tag' && /^-?\s*liquid\b/.test(inside);
  const stack = scopeBefore(section.body, inLiquidBlock ? at : delim.start - 2);

  // A tag name right after `{%`, or at the start of a line of a `{% liquid %}` block.
  if ((delim.kind === 'tag' && /^-?\s*[\w#]*$/.test(inside)) || (inLiquidBlock && /\n\s*\w*$/.test(inside))) {
    return Object.keys(promptEngine().tags)
      .sort()
      .map((label) => ({ label, kind: 'tag', detail: 'tag', documentation: TAG_DOCS[label] ?? '' }));
  }
  // A filter after `|`.
  if (/\|\s*[\w]*$/.test(inside)) {
    return Object.keys(promptEngine().filters)
      .sort()
      .map((label) => ({
        label,
        kind: 'filter',
        detail: 'filter',
        documentation: `The Liquid \`${label}\` filter.`,
      }));
  }
  // A field after `path.`
  const dotted = /([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*)\.[\w-]*$/.exec(inside);
  if (dotted) {
    const resolved = resolvePath(dotted[1]!, stack);
    return resolved ? fieldItems(membersOf(resolved.type)) : [];
  }
  // A variable name (after `{{`, an operator, `in`, a comma…).
  if (/(?:^|[^\w.\]'"])[A-Za-z_]?[\w-]*$/.test(inside)) {
    const scope = new Map<string, Binding>();
    for (const level of stack) for (const [k, v] of level) scope.set(k, v);
    return [...scope.values()].map((b) => ({
      label: b.name,
      kind: 'variable',
      detail: describeType(b.type, b.nullable),
      documentation: b.doc,
    }));
  }
  return [];
}

function frontMatterCompletions(text: string, offset: number): CompletionItem[] {
  const parsed = parsePromptFile(text);
  const lines = lineIndexOf(parsed);
  const pos = lines.position(offset);
  const lineText = (l: number) => text.slice(lines.lineStart(l), lines.lineEnd(l));
  if (pos.line === 0 || !/^\uFEFF?---\s*$/.test(lineText(0))) return [];
  for (let l = 1; l < pos.line; l++) if (/^(---|\.\.\.)\s*$/.test(lineText(l))) return [];
  const lineBefore = text.slice(lines.lineStart(pos.line), offset);
  const item = (label: string, detail: string, documentation: string): CompletionItem => ({
    label,
    kind: 'key',
    detail,
    documentation,
  });
  // A top-level key.
  if (/^[A-Za-z_]*$/.test(lineBefore)) {
    return Object.entries(FRONT_MATTER_KEYS).map(([label, doc]) => item(label, 'front matter', doc));
  }
  // A task form in `forms: [...]` or `forms: rating`.
  if (/^forms\s*:/.test(lineBefore)) {
    return forms().map((f) => item(f.id, 'task form', `Serves the ${f.id} task form (${f.summary}).`));
  }
  // A key indented under `params:`.
  if (/^\s+[A-Za-z_]*$/.test(lineBefore)) {
    for (let l = pos.line - 1; l > 0; l--) {
      const t = lineText(l);
      if (/^\s/.test(t) || t.trim() === '') continue;
      if (/^params\s*:/.test(t))
        return PARAM_NAMES.map((p) => item(p, 'request parameter', FRONT_MATTER_KEYS.params));
      break;
    }
  }
  return [];
}

/**
 * Hover at an offset: the meaning of the variable or field under the cursor and, given a case, its value there
 * (for a loop variable, its value in the first iteration).
 */
export function hoverAt(text: string, offset: number, context?: HoverContext): HoverResult | null {
  const parsed = parsePromptFile(text);
  const lines = lineIndexOf(parsed);
  const section = sectionAt(parsed, offset);
  if (!section) return frontMatterHover(parsed, offset);
  const body = section.body;
  const at = offset - section.bodyOffset;
  const delim = delimiterAt(body, at);
  if (!delim) return null;
  // The word under the cursor.
  let start = at;
  let end = at;
  while (start > 0 && /[\w-]/.test(body[start - 1]!)) start--;
  while (end < body.length && /[\w-]/.test(body[end]!)) end++;
  if (start === end || start < delim.start) return null;
  const word = body.slice(start, end);
  const range = lines.range(section.bodyOffset + start, section.bodyOffset + end);

  // A filter name.
  if (/\|\s*$/.test(body.slice(delim.start, start))) {
    if (!Object.prototype.hasOwnProperty.call(promptEngine().filters, word)) return null;
    return { markdown: `**${word}** (filter)\n\nThe Liquid \`${word}\` filter.`, range };
  }
  // A tag name.
  if (delim.kind === 'tag' && /^-?\s*$/.test(body.slice(delim.start, start))) {
    const doc = TAG_DOCS[word];
    return doc ? { markdown: `**${word}** (tag)\n\n${doc}`, range } : null;
  }
  // The path up to the hovered word: `a.b[0].c`.
  const m = /([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*)$/.exec(body.slice(delim.start, end));
  if (!m) return null;
  const path = m[1]!;
  const stack = scopeBefore(body, /^-?\s*liquid\b/.test(body.slice(delim.start)) ? at : delim.start - 2);
  const resolved = resolvePath(path, stack);
  if (!resolved) return null;
  const doc = resolved.spec ? resolved.spec.doc : resolved.binding.doc;
  const type = describeType(resolved.type, resolved.nullable);
  let markdown = `**${path}**: ${type}\n\n${doc}`;
  if (context) {
    const value = valueOf(path, stack, context);
    if (value !== undefined) markdown += `\n\n${value}`;
  }
  return { markdown, range };
}

function frontMatterHover(parsed: ParsedPrompt, offset: number): HoverResult | null {
  const lines = lineIndexOf(parsed);
  const pos = lines.position(offset);
  const first = parsed.sections[0];
  if (!parsed.text.startsWith('---') || (first && offset >= first.bodyOffset)) return null;
  const line = parsed.text.slice(lines.lineStart(pos.line), lines.lineEnd(pos.line));
  const m = /^([A-Za-z_]+)\s*:/.exec(line);
  if (!m || pos.character > m[1]!.length) return null;
  const doc = FRONT_MATTER_KEYS[m[1] as keyof typeof FRONT_MATTER_KEYS];
  if (!doc) return null;
  return {
    markdown: `**${m[1]}** (front matter)\n\n${doc}`,
    range: lines.range(lines.lineStart(pos.line), lines.lineStart(pos.line) + m[1]!.length),
  };
}

/** The value of a path in the given case, as a Markdown line; a loop variable shows its collection's first element. */
function valueOf(path: string, stack: Stack, context: HoverContext): string | undefined {
  const variables =
    'variables' in context ? context.variables : buildPromptVariables(context.testCase, context.info);
  let expr = path;
  let note = 'in this case';
  const assigns: string[] = [];
  // Replace loop variables by the first element of their collection, innermost first, and carry assignments.
  for (let guard = 0; guard < 8; guard++) {
    const root = /^[A-Za-z_][\w-]*/.exec(expr)?.[0];
    const binding = root ? lookup(stack, root) : undefined;
    if (!binding || binding.origin === 'documented') break;
    if (binding.origin === 'loop' && binding.source) {
      expr = `${binding.source}[0]${expr.slice(root!.length)}`;
      note = `in this case, for the first element of \`${binding.source}\``;
    } else if (binding.origin === 'assign' && binding.source) {
      assigns.unshift(`{% assign ${root} = ${binding.source} %}`);
      break;
    } else {
      return undefined;
    }
  }
  try {
    const liquid = promptEngine();
    const out = liquid.parseAndRenderSync(
      `${assigns.join('')}{{ ${expr} | json }}`,
      structuredClone(variables),
    );
    const json = String(out);
    const shown = json.length > 400 ? `${json.slice(0, 400)}…` : json;
    return `Value ${note}: \`${shown === '' ? 'null' : shown}\``;
  } catch {
    return undefined;
  }
}
