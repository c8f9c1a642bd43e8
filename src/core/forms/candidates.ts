// Candidate labels (A..Z, AA, AB, …) and reading a label out of what a model wrote: "(C)", "c.", "Option C",
// "C) Title", or the candidate's title alone ("the matrix" for "Matrix, The (1999)"). Shared by the forms that
// show candidates.
import type { AnswerContext, TextContext } from './types';

/** Candidate labels: A..Z, then AA, AB, … (bijective base 26). */
export function candidateLabel(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** 0-based position of a candidate label: A = 0 … Z = 25, AA = 26 … (bijective base 26). -1 if not a label. */
export function labelIndex(label: string): number {
  const s = label.trim().toUpperCase();
  if (!/^[A-Z]+$/.test(s)) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) n = n * 26 + (s.charCodeAt(i) - 64);
  return n - 1;
}

/**
 * A title for matching: lower case, accents and punctuation dropped, a trailing "(1999)" year and a MovieLens
 * trailing article ("Matrix, The") undone, spaces collapsed.
 */
export function normaliseTitle(title: string): string {
  let s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .replace(/\s*\(\s*\d{4}\s*\)\s*$/, '');
  const article = /^(.*),\s*(the|a|an|les|la|le|l'|il|el|die|der|das)$/i.exec(s);
  if (article) s = `${article[2]} ${article[1]}`;
  return s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The label whose candidate has this title (normalised), when exactly one does. */
export function labelOfTitle(text: string, ctx: AnswerContext): string | undefined {
  if (!ctx.titles || !ctx.labels) return undefined;
  const want = normaliseTitle(text);
  if (want === '') return undefined;
  let found: string | undefined;
  for (let i = 0; i < ctx.titles.length; i++) {
    if (normaliseTitle(ctx.titles[i]!) !== want) continue;
    if (found !== undefined) return undefined; // two candidates share the title: ambiguous, not an answer
    found = ctx.labels[i];
  }
  return found;
}

/**
 * Reduces "(C)", "c.", "Option C", "C) Title" to "C" when that is a known label, or a candidate's title to its
 * label; otherwise the cleaned text (upper-cased when labels are known, so the caller reports it as unknown).
 */
export function readLabel(input: string, ctx: AnswerContext): string {
  let s = input.trim().replace(/^[*_`"'\s]+|[*_`"'\s]+$/g, '');
  s = s.replace(/^(?:option|candidate|choice|answer|item)\s*[:#-]?\s*/i, '');
  const m = /^\(?\[?([A-Za-z]{1,2})\]?\)?(?:[.:,)\]]|\s|$)/.exec(s);
  const labels = ctx.labels;
  if (m) {
    const label = m[1]!.toUpperCase();
    // "It (2017)" is a title, not the label "IT": a short word only counts as a label when it is one.
    if (!labels || labels.includes(label)) return label;
  }
  const byTitle = labelOfTitle(input, ctx) ?? labelOfTitle(s, ctx);
  if (byTitle) return byTitle;
  if (m && !labels) return m[1]!.toUpperCase();
  return labels ? s.toUpperCase() : s;
}

export function describeLabels(labels: readonly string[]): string {
  return labels.length > 4 ? `${labels[0]}..${labels[labels.length - 1]}` : labels.join(', ');
}

/** "C · Heat (1995)" when the candidates are known, else the label. */
export function labelWithTitle(
  label: string,
  candidates?: readonly { label: string; title: string }[],
): string {
  const c = candidates?.find((x) => x.label === label.trim().toUpperCase());
  return c ? `${c.label} · ${c.title}` : label;
}

/** The true label with its title: from the candidates, else from the target. */
export function trueWithTitle(label: string, ctx: TextContext = {}): string {
  if (ctx.candidates) return labelWithTitle(label, ctx.candidates);
  return ctx.target ? `${label} · ${ctx.target.title}` : label;
}
