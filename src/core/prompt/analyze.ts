// Static analysis of a parsed template against the documented variables. Rendering one case only exercises the
// branches that case takes (LiquidJS' strictVariables fires only there), so instead every output, tag argument
// and filter in the Liquid AST is checked, following scopes: `for` loop variables get the element type of their
// collection, `assign` the type of its value, `capture` a string.
import type { Template, Token, Value } from 'liquidjs';
import { liquidjs } from './libs';
import { getForm, hasForm } from '../forms';
import type { Diagnostic, LineIndex, Range } from './diagnostics';
import { promptEngine } from './engine';
import { lineIndexOf, sectionTemplates, type ParsedPrompt, type PromptSection } from './parse';
import {
  LOOP_VARIABLES,
  PROMPT_VARIABLES,
  closestName,
  describeType,
  memberOf,
  membersOf,
  type VarType,
} from './variables';

const ANY: VarType = { kind: 'any' };
const STRING: VarType = { kind: 'string' };
const NUMBER: VarType = { kind: 'number' };

/** A name in scope and what is known of its value. */
export interface Binding {
  name: string;
  type: VarType;
  doc: string;
  nullable?: boolean;
  /** Where it comes from: a documented variable, a loop, or an assignment in the template. */
  origin: 'documented' | 'loop' | 'assign' | 'capture' | 'counter';
  /** Loops: the collection expression; assignments: the assigned expression (to show a value on hover). */
  source?: string;
}

/** Filters that return a list of the same elements, so element types survive them. */
const LIST_PRESERVING = new Set([
  'reverse',
  'sort',
  'sort_natural',
  'uniq',
  'compact',
  'where',
  'reject',
  'slice',
]);
const STRING_FILTERS = new Set([
  'append',
  'prepend',
  'capitalize',
  'downcase',
  'upcase',
  'join',
  'strip',
  'lstrip',
  'rstrip',
  'replace',
  'replace_first',
  'remove',
  'remove_first',
  'truncate',
  'truncatewords',
  'escape',
  'json',
  'date',
  'strip_html',
  'strip_newlines',
  'newline_to_br',
  'url_encode',
  'default',
]);
const NUMBER_FILTERS = new Set([
  'size',
  'plus',
  'minus',
  'times',
  'divided_by',
  'modulo',
  'round',
  'ceil',
  'floor',
  'abs',
  'at_least',
  'at_most',
  'sum',
]);

export function documentedScope(): Map<string, Binding> {
  const scope = new Map<string, Binding>();
  for (const [name, spec] of Object.entries(PROMPT_VARIABLES)) {
    scope.set(name, { name, type: spec.type, doc: spec.doc, nullable: spec.nullable, origin: 'documented' });
  }
  return scope;
}

interface Walk {
  section: PromptSection;
  lines: LineIndex;
  diagnostics: Diagnostic[];
  /** Documented variables the section reads (for the form checks). */
  used: Set<string>;
  /** Where the section reads `target` (an error in a template for a form with candidates). */
  targetReads: Range[];
}

/**
 * The analysis diagnostics of a parsed prompt (variables, fields, filters, outputs, forms), sorted by position.
 * They come on top of `parsed.diagnostics` (structure, front matter, Liquid syntax): promptDiagnostics gives both.
 */
export function analyzePrompt(parsed: ParsedPrompt): Diagnostic[] {
  const cached = analysisCache.get(parsed);
  if (cached) return cached;
  const diagnostics: Diagnostic[] = [];
  const lines = lineIndexOf(parsed);
  const used = new Set<string>();
  const targetReads: Range[] = [];
  for (const section of parsed.sections) walkSection({ section, lines, diagnostics, used, targetReads });
  checkForms(parsed, used, diagnostics);
  checkTargetLeak(parsed, targetReads, diagnostics);
  diagnostics.sort(byPosition);
  analysisCache.set(parsed, diagnostics);
  return diagnostics;
}
const analysisCache = new WeakMap<ParsedPrompt, Diagnostic[]>();

/** Every diagnostic of a parsed prompt: parse and analysis, sorted by position (what an editor or CLI shows). */
export function promptDiagnostics(parsed: ParsedPrompt): Diagnostic[] {
  return [...parsed.diagnostics, ...analyzePrompt(parsed)].sort(byPosition);
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

/** Walks a section's Liquid AST, reporting problems. */
function walkSection(walk: Walk): void {
  const templates = sectionTemplates(walk.section);
  if (!templates) return;
  const stack: Map<string, Binding>[] = [documentedScope(), new Map()];
  for (const t of templates) visit(walk, t, stack);
}

export function lookup(stack: Map<string, Binding>[], name: string): Binding | undefined {
  for (let i = stack.length - 1; i >= 0; i--) {
    const b = stack[i]!.get(name);
    if (b) return b;
  }
  return undefined;
}

function flatten(stack: Map<string, Binding>[]): Map<string, Binding> {
  const out = new Map<string, Binding>();
  for (const scope of stack) for (const [k, v] of scope) out.set(k, v);
  return out;
}

type TagLike = Template & {
  name?: string;
  variable?: string;
  collection?: Token;
  identifier?: Token & { content: string };
  value?: Value;
};

function visit(walk: Walk, template: Template, stack: Map<string, Binding>[]): void {
  const tag = template as TagLike;

  if (template instanceof liquidjs().Output) {
    const type = checkValue(walk, template.value, stack);
    if (template.value.filters.length === 0 && (type.kind === 'array' || type.kind === 'object')) {
      const r = outputRange(walk, template.value);
      walk.diagnostics.push({
        severity: 'warning',
        code: 'structured-output',
        message:
          type.kind === 'array'
            ? `this prints a list (${describeType(type)}) with its items run together: add a filter, e.g. | join: ", "`
            : `this prints an object (${describeType(type)}), not text: print one of its fields`,
        range: r,
      });
    }
  } else if (template.arguments) {
    for (const arg of template.arguments()) {
      if (arg instanceof liquidjs().Value) checkValue(walk, arg, stack);
      else checkToken(walk, arg as Token, stack);
    }
  }

  // Names this tag defines for the rest of the template (assign, capture, increment, decrement).
  if (template.localScope) {
    for (const ident of template.localScope()) {
      const name = (ident as { content: string }).content;
      let binding: Binding;
      if (tag.name === 'assign' && tag.value) {
        const t = typeOfValue(tag.value, stack);
        const args = (template.token as Token & { args?: string }).args ?? '';
        binding = {
          name,
          ...t,
          doc: `Assigned in the template (${describeType(t.type, t.nullable)}).`,
          origin: 'assign',
          source: args.slice(args.indexOf('=') + 1).trim(),
        };
      } else if (tag.name === 'capture') {
        binding = { name, type: STRING, doc: 'Captured text.', origin: 'capture' };
      } else {
        binding = { name, type: NUMBER, doc: 'A counter.', origin: 'counter' };
      }
      stack[1]!.set(name, binding);
    }
  }

  if (template.children) {
    const block = new Map<string, Binding>();
    if ((tag.name === 'for' || tag.name === 'tablerow') && tag.variable && tag.collection) {
      const coll = typeOfToken(tag.collection, stack).type;
      const element = coll.kind === 'array' ? coll.of : ANY;
      const from = tag.collection.getText();
      block.set(tag.variable, {
        name: tag.variable,
        type: element,
        doc: `The current element of \`${from}\`${element.kind === 'any' ? '' : ` (${describeType(element)})`}.`,
        origin: 'loop',
        source: from,
      });
      const loop = tag.name === 'for' ? 'forloop' : 'tablerowloop';
      const spec = LOOP_VARIABLES[loop]!;
      block.set(loop, { name: loop, type: spec.type, doc: spec.doc, origin: 'loop' });
    } else if (template.blockScope) {
      for (const name of template.blockScope()) block.set(name, { name, type: ANY, doc: '', origin: 'loop' });
    }
    stack.push(block);
    const children = runSync(template.children(false, true));
    for (const child of children) visit(walk, child, stack);
    stack.pop();
  }
}

/** Drives one of LiquidJS' generator-returning methods synchronously (they yield only in async mode). */
function runSync<T>(gen: Generator<unknown, T>): T {
  let r = gen.next();
  while (!r.done) r = gen.next(r.value);
  return r.value;
}

function outputRange(walk: Walk, value: Value) {
  const tokens = value.initial.postfix as Token[];
  const begin = Math.min(...tokens.map((t) => t.begin));
  const end = Math.max(...tokens.map((t) => t.end));
  const o = walk.section.bodyOffset;
  return walk.lines.range(o + begin, o + end);
}

/** Checks a filtered value (an output or a tag argument) and returns the type it evaluates to. */
function checkValue(walk: Walk, value: Value, stack: Map<string, Binding>[]): VarType {
  for (const t of value.initial.postfix) checkToken(walk, t as Token, stack);
  for (const f of value.filters) {
    const token = (f as unknown as { token: Token & { name: string; args: unknown[] } }).token;
    checkFilter(walk, f.name, token.begin, token.args, stack);
  }
  return typeOfValue(value, stack).type;
}

function checkFilter(
  walk: Walk,
  name: string,
  begin: number,
  args: unknown[],
  stack: Map<string, Binding>[],
): void {
  const filters = promptEngine().filters;
  if (!Object.prototype.hasOwnProperty.call(filters, name)) {
    const hint = closestName(name, Object.keys(filters));
    const o = walk.section.bodyOffset;
    walk.diagnostics.push({
      severity: 'error',
      code: 'unknown-filter',
      message: `unknown filter "${name}"` + (hint ? ` (did you mean "${hint}"?)` : ''),
      range: walk.lines.range(o + begin, o + begin + name.length),
    });
  }
  for (const arg of args) {
    const v = Array.isArray(arg) ? arg[1] : arg;
    if (v) checkToken(walk, v as Token, stack);
  }
}

/** Checks every variable access inside a value token. */
function checkToken(walk: Walk, token: Token, stack: Map<string, Binding>[]): void {
  if (liquidjs().TypeGuards.isRangeToken(token)) {
    checkToken(walk, token.lhs, stack);
    checkToken(walk, token.rhs, stack);
  } else if (liquidjs().TypeGuards.isFilteredValueToken(token)) {
    for (const t of token.initial.postfix) checkToken(walk, t as Token, stack);
    for (const f of token.filters) checkFilter(walk, f.name, f.begin, f.args, stack);
  } else if (liquidjs().TypeGuards.isPropertyAccessToken(token)) {
    checkAccess(walk, token, stack);
  }
}

type PropToken = Token & { content?: unknown };

/** Resolves `a.b[0].c` segment by segment, reporting the first unknown name at its exact range. */
function checkAccess(
  walk: Walk,
  token: Token & { props: PropToken[]; variable?: Token },
  stack: Map<string, Binding>[],
): void {
  const o = walk.section.bodyOffset;
  const [root, ...rest] = token.props;
  if (!root) {
    if (token.variable) checkToken(walk, token.variable, stack);
    return;
  }
  const names = () => [...flatten(stack).keys()];
  let type: VarType;
  let path: string;
  if (liquidjs().TypeGuards.isWordToken(root) || liquidjs().TypeGuards.isQuotedToken(root)) {
    const name = String(root.content);
    const binding = lookup(stack, name);
    if (binding?.origin === 'documented') {
      walk.used.add(name);
      if (name === 'target') walk.targetReads.push(walk.lines.range(o + root.begin, o + root.end));
    }
    if (!binding) {
      const hint = closestName(name, names());
      walk.diagnostics.push({
        severity: 'error',
        code: 'unknown-variable',
        message:
          `unknown variable "${name}"` +
          (hint ? ` (did you mean "${hint}"?)` : ` (known: ${names().join(', ')})`),
        range: walk.lines.range(o + root.begin, o + root.end),
      });
      return;
    }
    type = binding.type;
    path = name;
  } else {
    // A nested access as the root, e.g. `[h.item]`: check it; its value is of unknown shape.
    checkToken(walk, root, stack);
    return;
  }
  for (const prop of rest) {
    if (liquidjs().TypeGuards.isPropertyAccessToken(prop)) {
      checkAccess(walk, prop as Token & { props: PropToken[] }, stack);
      type = type.kind === 'array' ? type.of : ANY;
      path += '[…]';
      continue;
    }
    if (type.kind === 'any') break;
    if (
      liquidjs().TypeGuards.isNumberToken(prop) ||
      (type.kind === 'array' && /^-?\d+$/.test(String(prop.content)))
    ) {
      if (type.kind !== 'array') {
        walk.diagnostics.push({
          severity: 'error',
          code: 'unknown-field',
          message: `"${path}" is a ${describeType(type)}, not a list: it cannot be indexed`,
          range: walk.lines.range(o + prop.begin, o + prop.end),
        });
        break;
      }
      type = type.of;
      path += `[${String(prop.content)}]`;
      continue;
    }
    const name = String(prop.content);
    const spec = memberOf(type, name);
    if (!spec) {
      const known = Object.keys(membersOf(type));
      const hint = closestName(name, known);
      walk.diagnostics.push({
        severity: 'error',
        code: 'unknown-field',
        message: known.length
          ? `"${path}" (${describeType(type)}) has no field "${name}"` +
            (hint ? ` (did you mean "${hint}"?)` : ` (fields: ${known.join(', ')})`)
          : `"${path}" is a ${describeType(type)} and has no fields`,
        range: walk.lines.range(o + prop.begin, o + prop.end),
      });
      return;
    }
    type = spec.type;
    path += `.${name}`;
  }
}

export interface Typed {
  type: VarType;
  nullable?: boolean;
}

/** The type of an access path (no reporting: used to type loop variables and assignments). */
export function typeOfToken(token: Token, stack: Map<string, Binding>[]): Typed {
  if (liquidjs().TypeGuards.isNumberToken(token)) return { type: NUMBER };
  if (liquidjs().TypeGuards.isQuotedToken(token)) return { type: STRING };
  if (liquidjs().TypeGuards.isRangeToken(token)) return { type: { kind: 'array', of: NUMBER } };
  if (liquidjs().TypeGuards.isFilteredValueToken(token)) {
    const [first] = token.initial.postfix;
    if (token.initial.postfix.length !== 1 || !first) return { type: ANY };
    return applyFilters(typeOfToken(first as Token, stack), token.filters);
  }
  if (!liquidjs().TypeGuards.isPropertyAccessToken(token)) return { type: ANY };
  const [root, ...rest] = token.props as PropToken[];
  if (!root || !(liquidjs().TypeGuards.isWordToken(root) || liquidjs().TypeGuards.isQuotedToken(root)))
    return { type: ANY };
  const binding = lookup(stack, String(root.content));
  if (!binding) return { type: ANY };
  let t: Typed = { type: binding.type, nullable: binding.nullable };
  for (const prop of rest) {
    if (liquidjs().TypeGuards.isNumberToken(prop) || liquidjs().TypeGuards.isPropertyAccessToken(prop)) {
      t = { type: t.type.kind === 'array' ? t.type.of : ANY, nullable: true };
      continue;
    }
    const spec = memberOf(t.type, String(prop.content));
    if (!spec) return { type: ANY };
    t = { type: spec.type, nullable: spec.nullable };
  }
  return t;
}

export function typeOfValue(value: Value, stack: Map<string, Binding>[]): Typed {
  const postfix = value.initial.postfix as Token[];
  // An expression with operators (a == b) is a boolean; anything else but a single operand is unknown.
  if (postfix.length !== 1) return { type: postfix.length > 1 ? { kind: 'boolean' } : ANY };
  return applyFilters(typeOfToken(postfix[0]!, stack), value.filters);
}

function applyFilters(start: Typed, filters: readonly { name: string; args: unknown[] }[]): Typed {
  let t = start;
  for (const f of filters) {
    if (LIST_PRESERVING.has(f.name) && t.type.kind === 'array') continue;
    if ((f.name === 'first' || f.name === 'last') && t.type.kind === 'array') {
      t = { type: t.type.of, nullable: true };
    } else if (f.name === 'map' && t.type.kind === 'array') {
      const arg = f.args[0] as Token | undefined;
      const field = arg && liquidjs().TypeGuards.isQuotedToken(arg) ? String(arg.content) : undefined;
      const spec = field ? memberOf(t.type.of, field) : undefined;
      t = { type: { kind: 'array', of: spec ? spec.type : ANY } };
    } else if (STRING_FILTERS.has(f.name)) {
      t = { type: STRING };
    } else if (NUMBER_FILTERS.has(f.name)) {
      t = { type: NUMBER };
    } else if (f.name === 'split') {
      t = { type: { kind: 'array', of: STRING } };
    } else {
      t = { type: ANY };
    }
  }
  return t;
}

/** A template for a form with candidates that reads `target` would give the answer away. */
function checkTargetLeak(parsed: ParsedPrompt, reads: Range[], diagnostics: Diagnostic[]): void {
  const leaky = (parsed.frontMatter.forms ?? []).filter((f) => hasForm(f) && getForm(f).candidates);
  if (!leaky.length) return;
  for (const range of reads)
    diagnostics.push({
      severity: 'error',
      code: 'target-leak',
      message: `the template serves ${leaky.join(', ')}, where "target" is the answer: showing it gives the answer away (show the candidates instead)`,
      range,
    });
}

/** Forms with candidates need them shown: a template that serves them and never shows them is a mistake. */
function checkForms(parsed: ParsedPrompt, used: Set<string>, diagnostics: Diagnostic[]): void {
  const forms = parsed.frontMatter.forms;
  if (!forms || !forms.some((f) => hasForm(f) && getForm(f).candidates)) return;
  // Through a loop variable or an assignment the root is still `candidates`, read once at least.
  if (used.has('candidates')) return;
  const lines = lineIndexOf(parsed);
  const user = parsed.sections.find((s) => s.role === 'user');
  diagnostics.push({
    severity: 'warning',
    code: 'form-mismatch',
    message: `the template serves ${forms.join(', ')} but never shows "candidates": the model cannot know the options`,
    range: user ? user.markerRange : lines.range(0, 0),
  });
}
