// Rendering: a test case becomes the documented variables, and each section becomes one chat message. A template
// with any error-severity diagnostic never renders (PromptError), so a run cannot start from a broken template.
import { getForm, hasForm } from '../forms';
import type { ChatMessage, FeedbackKind, TaskForm, TestCase, ValueScale } from '../types';
import { promptDiagnostics } from './analyze';
import { compiledRenderer } from './compiled';
import { PromptError, hasErrors } from './diagnostics';
import { promptEngine } from './engine';
import { sectionTemplates, type ParsedPrompt } from './parse';
import type { PromptVariables } from './variables';

/** What a template needs to know besides the case: where it comes from and how the task is set up. */
export interface PromptRenderInfo {
  dataset: { name: string; kind: FeedbackKind; scale: ValueScale | null };
  /** The config's task settings (defaults: likeThreshold 4, topShare 0.2, k 10, probe false). */
  task?: { likeThreshold?: number; topShare?: number; k?: number; probe?: boolean };
}

/** The day of a Unix time as YYYY-MM-DD (UTC), or null. */
export function isoDate(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The values a template sees for one case (a fresh object each call: templates may write to their scope). */
export function buildPromptVariables(testCase: TestCase, info: PromptRenderInfo): PromptVariables {
  // Knowledge probe: the dataset's ids would name the items again (MovieLens ids are public), so `item` is the
  // opaque id the title already is.
  const itemOf = (x: { item: string; title: string }) => (info.task?.probe ? x.title : x.item);
  const candidates = (testCase.candidates ?? []).map((c) => ({
    label: c.label,
    title: c.title,
    genres: [...c.genres],
    item: itemOf(c),
  }));
  // In a form with candidates the target is the answer: it never reaches a prompt, whatever a template prints
  // (analysis reports reading it as an error where the template says it serves such a form).
  const hidden = hasForm(testCase.form) && Boolean(getForm(testCase.form).candidates);
  const form: TaskForm = testCase.form;
  const explicit = info.dataset.kind === 'explicit';
  return {
    user: { id: testCase.user, historyLength: testCase.historyLength },
    history: testCase.history.map((h) => ({
      title: h.title,
      genres: [...h.genres],
      value: h.value,
      date: isoDate(h.time),
      item: itemOf(h),
    })),
    target: hidden
      ? { title: '', genres: [], item: '' }
      : { title: testCase.target.title, genres: [...testCase.target.genres], item: itemOf(testCase.target) },
    candidates,
    task: {
      form,
      scale: explicit && info.dataset.scale ? { ...info.dataset.scale } : null,
      K: candidates.length,
      k: info.task?.k ?? 10,
      likeThreshold: info.task?.likeThreshold ?? 4,
      topShare: info.task?.topShare ?? 0.2,
      labels: candidates.map((c) => c.label),
    },
    dataset: { name: info.dataset.name, kind: info.dataset.kind },
  };
}

/**
 * The exact chat messages for one case: one per section, in file order, each body rendered and trimmed.
 * Throws PromptError when the template has errors (whatever branch this case would take).
 */
export function renderPrompt(
  parsed: ParsedPrompt,
  testCase: TestCase,
  info: PromptRenderInfo,
): ChatMessage[] {
  const diagnostics = promptDiagnostics(parsed);
  if (hasErrors(diagnostics)) throw new PromptError(parsed.file, diagnostics);
  return renderVariables(parsed, buildPromptVariables(testCase, info));
}

/**
 * Renders against ready-made variables (the preview uses it with sample values). A built-in template, byte for
 * byte, takes its compiled fast path (compiled.ts), which produces LiquidJS's exact bytes; anything else LiquidJS.
 */
export function renderVariables(parsed: ParsedPrompt, variables: PromptVariables): ChatMessage[] {
  return compiledRenderer(parsed)?.(variables) ?? renderWithLiquid(parsed, variables);
}

/** Renders every section with LiquidJS (what the compiled fast path must equal). */
export function renderWithLiquid(parsed: ParsedPrompt, variables: PromptVariables): ChatMessage[] {
  const liquid = promptEngine();
  return parsed.sections.map((section) => {
    const templates = sectionTemplates(section);
    if (!templates) throw new PromptError(parsed.file, promptDiagnostics(parsed));
    // Each section gets its own top-level copy: `increment`/`decrement` write top-level names into the scope
    // they are given (`assign` writes to LiquidJS' own scope), and filters never mutate their input, so a
    // shallow copy isolates sections as well as a deep one, at a fraction of the cost on the hot path.
    const scope = { ...variables } as unknown as Record<string, unknown>;
    const content = String(liquid.renderSync(templates, scope)).trim();
    return { role: section.role, content };
  });
}
