// Splits a .prompt file into front matter and role sections, and parses each section body as Liquid. Everything
// is kept in file coordinates so diagnostics and editor features point at the right character.
import type { Template } from 'liquidjs';
import type { ChatMessage } from '../types';
import { LineIndex, type Diagnostic, type Range } from './diagnostics';
import { DISABLED_TAGS, promptEngine } from './engine';
import { parseFrontMatter, type PromptFrontMatter } from './frontMatter';

export type Role = ChatMessage['role'];

export interface PromptSection {
  role: Role;
  /** The body exactly as written (from the line after the marker to the line before the next marker). */
  body: string;
  /** Offset of the body's first character in the file. */
  bodyOffset: number;
  /** 0-based line of the body's first character. */
  line: number;
  /** 0-based column of the body's first character (always 0: bodies start on a new line). */
  col: number;
  /** The `role:` marker line. */
  markerRange: Range;
}

export interface ParsedPrompt {
  /** The file name used in diagnostics (a path, or "builtin:<form>"). */
  file: string;
  text: string;
  frontMatter: PromptFrontMatter;
  sections: PromptSection[];
  /** Structural, front matter and Liquid syntax problems; `analyzePrompt` has the variable checks, `promptDiagnostics` both. */
  diagnostics: Diagnostic[];
}

const ROLE_LINE = /^(system|user|assistant):[ \t]*$/;
/** A line that looks like a marker but is not one ("User:", " user:", "user :"): text, and most likely a slip. */
const NEAR_ROLE_LINE = /^\s*(system|user|assistant)\s*:\s*$/i;
const FENCE = /^---[ \t]*$/;

// Parsed Liquid templates per section and the line index, kept out of the ParsedPrompt so it stays plain data
// (JSON, postMessage).
const templates = new WeakMap<PromptSection, Template[]>();
const lineIndexes = new WeakMap<ParsedPrompt, LineIndex>();

/** Offset ↔ position conversion for a parsed prompt's text. */
export function lineIndexOf(parsed: ParsedPrompt): LineIndex {
  let index = lineIndexes.get(parsed);
  if (!index) {
    index = new LineIndex(parsed.text);
    lineIndexes.set(parsed, index);
  }
  return index;
}

/** The parsed Liquid of a section, or undefined when it has a syntax error. */
export function sectionTemplates(section: PromptSection): Template[] | undefined {
  return templates.get(section);
}

export function parsePromptFile(text: string, file = 'untitled.prompt'): ParsedPrompt {
  const lines = new LineIndex(text);
  const diagnostics: Diagnostic[] = [];
  let frontMatter: PromptFrontMatter = {};
  const lineText = (l: number) => text.slice(lines.lineStart(l), lines.lineEnd(l));
  let line = 0;

  // Front matter: a `---` first line (after an optional BOM) up to the next `---` (or `...`) line.
  const first = lineText(0).replace(/^\uFEFF/, '');
  if (FENCE.test(first)) {
    let close = -1;
    for (let l = 1; l < lines.lineCount; l++) {
      if (FENCE.test(lineText(l)) || /^\.\.\.[ \t]*$/.test(lineText(l))) {
        close = l;
        break;
      }
    }
    if (close === -1) {
      diagnostics.push({
        severity: 'error',
        code: 'front-matter-unclosed',
        message: 'front matter opened with "---" is never closed (add a "---" line after it)',
        range: lines.range(lines.lineStart(0), lines.lineEnd(0)),
      });
      line = lines.lineCount; // nothing after an unclosed front matter can be trusted as sections
    } else {
      const start = lines.lineStart(1);
      const yaml = text.slice(start, lines.lineStart(close));
      const fm = parseFrontMatter(yaml, start, lines);
      frontMatter = fm.frontMatter;
      diagnostics.push(...fm.diagnostics);
      line = close + 1;
    }
  }

  // Sections: a role marker on its own line starts one; it runs to the next marker.
  const sections: PromptSection[] = [];
  let stray: number | undefined;
  let current: { role: Role; marker: number; bodyStart: number } | undefined;
  const close = (endOffset: number) => {
    if (!current) return;
    // The newline before the next marker belongs to the separator, not to the body.
    let end = endOffset;
    if (end > current.bodyStart && text[end - 1] === '\n') end--;
    if (end > current.bodyStart && text[end - 1] === '\r') end--;
    const body = text.slice(current.bodyStart, Math.max(current.bodyStart, end));
    const pos = lines.position(current.bodyStart);
    sections.push({
      role: current.role,
      body,
      bodyOffset: current.bodyStart,
      line: pos.line,
      col: pos.character,
      markerRange: lines.range(lines.lineStart(current.marker), lines.lineEnd(current.marker)),
    });
  };
  for (; line < lines.lineCount; line++) {
    const m = ROLE_LINE.exec(lineText(line));
    if (m) {
      close(lines.lineStart(line));
      const next = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : text.length;
      current = { role: m[1] as Role, marker: line, bodyStart: next };
    } else {
      const near = NEAR_ROLE_LINE.exec(lineText(line));
      if (near) {
        diagnostics.push({
          severity: 'warning',
          code: 'near-role-marker',
          message: `this line is text, not a section: a role marker is exactly "${near[1]!.toLowerCase()}:" at the start of a line`,
          range: lines.range(lines.lineStart(line), lines.lineEnd(line)),
        });
      }
      if (!current && stray === undefined && lineText(line).trim() !== '') stray = line;
    }
  }
  close(text.length);

  if (stray !== undefined) {
    diagnostics.push({
      severity: 'error',
      code: 'text-outside-section',
      message: 'text before the first section: start the prompt with a "system:" or "user:" line',
      range: lines.range(lines.lineStart(stray), lines.lineEnd(stray)),
    });
  }

  for (const section of sections) {
    if (section.body.trim() === '') {
      diagnostics.push({
        severity: section.role === 'user' ? 'error' : 'warning',
        code: 'empty-section',
        message: `the "${section.role}:" section is empty`,
        range: section.markerRange,
      });
    }
    parseSection(section, lines, diagnostics);
  }
  if (!sections.some((s) => s.role === 'user')) {
    const where = sections.length
      ? sections[sections.length - 1]!.markerRange
      : endOfFrontMatter(lines, line);
    diagnostics.push({
      severity: 'error',
      code: 'missing-user-section',
      message: 'the prompt has no "user:" section: add a line "user:" followed by the question',
      range: where,
    });
  }
  const parsed: ParsedPrompt = { file, text, frontMatter, sections, diagnostics };
  lineIndexes.set(parsed, lines);
  return parsed;
}

function endOfFrontMatter(lines: LineIndex, fromLine: number): Range {
  const l = Math.min(fromLine, lines.lineCount - 1);
  return lines.range(lines.lineStart(l), lines.lineEnd(l));
}

/** Parses one body as Liquid; a syntax error becomes a diagnostic at the offending token. */
function parseSection(section: PromptSection, lines: LineIndex, diagnostics: Diagnostic[]): void {
  try {
    templates.set(section, promptEngine().parse(section.body));
  } catch (e) {
    const err = e as Error & { token?: { begin: number; end: number } };
    const message = err.message.replace(/, line:\d+, col:\d+$/, '');
    const begin = err.token ? err.token.begin : 0;
    const end = err.token ? Math.max(err.token.end, begin + 1) : section.body.length;
    const range = lines.range(section.bodyOffset + begin, section.bodyOffset + end);
    const tag = /^tag "([^"]+)" not found$/.exec(message)?.[1];
    if (tag && (DISABLED_TAGS as readonly string[]).includes(tag)) {
      diagnostics.push({
        severity: 'error',
        code: 'tag-not-allowed',
        message: `the "${tag}" tag is not allowed: prompt templates cannot read other files`,
        range,
      });
    } else if (tag && /^end/.test(tag)) {
      diagnostics.push({
        severity: 'error',
        code: 'liquid-syntax',
        message: `"${tag}" without an opening "${tag.slice(3)}"`,
        range,
      });
    } else if (tag) {
      diagnostics.push({ severity: 'error', code: 'unknown-tag', message: `unknown tag "${tag}"`, range });
    } else {
      diagnostics.push({ severity: 'error', code: 'liquid-syntax', message: `Liquid: ${message}`, range });
    }
  }
}
