// The registry of task forms: the built-in four register themselves (index.ts); anything else (a test's toy form)
// calls registerForm. Every other module asks getForm(id) or iterates forms(), so a new form is one file.
import type { Expected, Prediction } from '../types';
import type { TaskFormDef, TextContext } from './types';

const registry = new Map<string, TaskFormDef>();

/** An unknown form id: the message names it and lists the known ones. */
export class UnknownFormError extends Error {
  constructor(readonly form: string) {
    super(`unknown task form "${form}" (known: ${formIds().join(', ')})`);
    this.name = 'UnknownFormError';
  }
}

/** Adds a form. Registering an id twice throws (two definitions of one form is a bug). */
export function registerForm<E extends Expected, P extends Prediction>(form: TaskFormDef<E, P>): void {
  if (!/^[a-z][a-z0-9-]*$/.test(form.id))
    throw new Error(`task form id "${form.id}": expected lower-case letters, digits and "-"`);
  if (registry.has(form.id)) throw new Error(`task form "${form.id}" is already registered`);
  registry.set(form.id, form as unknown as TaskFormDef);
}

/** Removes a form (tests that register a toy form clean up after themselves). */
export function unregisterForm(id: string): boolean {
  return registry.delete(id);
}

/** The form of that id; throws UnknownFormError naming it and the known ones. */
export function getForm(id: string): TaskFormDef {
  const form = registry.get(id);
  if (!form) throw new UnknownFormError(id);
  return form;
}

export function hasForm(id: string): boolean {
  return registry.has(id);
}

/** The registered form ids, in registration order. */
export function formIds(): string[] {
  return [...registry.keys()];
}

/** The registered forms, in registration order. */
export function forms(): TaskFormDef[] {
  return [...registry.values()];
}

/** "a", "a or b", "a, b or c": a list of ids for help texts. */
export function formList(quote = '"', last = 'or'): string {
  const ids = formIds().map((f) => `${quote}${f}${quote}`);
  return ids.length < 2 ? (ids[0] ?? '') : `${ids.slice(0, -1).join(', ')} ${last} ${ids[ids.length - 1]}`;
}

/**
 * The expected answer for people ("4.5 stars", "likes it (rated 4 stars)", "C · Heat (1995)"): the one such
 * function (CLI, export, results panel, case view, prompt preview, Test Explorer).
 */
export function expectedText(expected: Expected, ctx: TextContext = {}): string {
  return getForm(expected.form).expectedText(expected, ctx);
}

/** A prediction for people, with candidate titles when the candidates are given. */
export function predictionText(prediction: Prediction, ctx: TextContext = {}): string {
  return getForm(prediction.form).predictionText(prediction, ctx);
}

/** The expected side of a failure's diff (the form's `diffExpectedText`, else `expectedText`). */
export function diffExpectedText(expected: Expected, prediction: Prediction, ctx: TextContext = {}): string {
  const form = getForm(expected.form);
  return form.diffExpectedText && prediction.form === expected.form
    ? form.diffExpectedText(expected, prediction, ctx)
    : form.expectedText(expected, ctx);
}

/** A wrong answer in words, after "wrong: ": the form's `wrongText`, else "answered X, expected Y". */
export function wrongText(expected: Expected, prediction: Prediction, ctx: TextContext = {}): string {
  const form = getForm(expected.form);
  return form.wrongText && prediction.form === expected.form
    ? form.wrongText(expected, prediction, ctx)
    : `answered ${predictionText(prediction, ctx)}, expected ${form.expectedText(expected, ctx)}`;
}
