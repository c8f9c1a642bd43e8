// Compiled fast paths for the built-in templates: plain functions that produce exactly LiquidJS's bytes for the
// built-in template texts, ~20x cheaper per case than walking LiquidJS' tree (its per-node render-limit clock,
// generators and scope lookups were half of the runner's CPU per case; see docs/benchmarks.md). A function is
// used only for a template whose whole text hashes to the text it was written for (a user's edited copy, or a
// built-in changed without updating its function here, goes through LiquidJS as before); a unit test renders many
// generated cases both ways and compares them byte for byte.
//
// Liquid's semantics are kept where data can reach them: `out` is LiquidJS' stringify (nil → '', arrays
// concatenated), `truthy` its truthiness (only nil and false are falsy), `size` its `.size`, `join` its filter
// including the per-section memory budget (a section that would exceed LiquidJS' memoryLimit falls back to
// LiquidJS, which then fails the same way). Not kept: the render time limit (2 s per section), which guards
// against runaway loops that built-in templates do not have; these functions are linear in the case.
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../types';
import { MEMORY_LIMIT } from './engine';
import type { ParsedPrompt } from './parse';
import type { PromptVariables } from './variables';

/** Chars charged against LiquidJS' memoryLimit in one section (by `join`); over the limit the render falls back. */
interface Budget {
  used: number;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** LiquidJS' stringify of an output value. */
function out(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(out).join('');
  return String(v);
}

/** Liquid truthiness: everything but nil and false. */
function truthy(v: unknown): boolean {
  return v !== false && v !== null && v !== undefined;
}

/** LiquidJS' `x.size` (readSize, with ownPropertyOnly), undefined for nil. */
function size(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  const o = v as Record<string, unknown>;
  if (hasOwn.call(o, 'size'))
    return typeof o.size === 'function' ? (o.size as () => unknown).call(v) : o.size;
  if (o.size !== undefined) return o.size;
  if (Array.isArray(v) || typeof v === 'string') return v.length;
  if (typeof v === 'object') return Object.keys(v).length;
  return undefined;
}

/** LiquidJS' `> 0` on a value read as `.size`. */
function positive(v: unknown): boolean {
  return (v as number) > 0;
}

/** LiquidJS' property read (ownPropertyOnly) of a value that may be nil (e.g. `task.scale` of implicit data). */
function prop(o: unknown, key: string): unknown {
  if (o === null || o === undefined) return o;
  const value = hasOwn.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
  return typeof value === 'function' ? (value as () => unknown).call(o) : value;
}

/** LiquidJS' for-loop collection (toEnumerable). */
function each(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.length > 0 ? [v] : [];
  if (v !== null && typeof v === 'object') {
    if (typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function')
      return Array.from(v as Iterable<unknown>);
    return Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  }
  return [];
}

/** LiquidJS' `join` filter, charging its output size to the section's memory budget. */
function join(v: unknown, sep: string, budget: Budget): string {
  const array = v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
  let outputSize = sep.length * Math.max(array.length - 1, 0);
  for (let i = 0; i < array.length; i++) outputSize += String(array[i]).length;
  if (outputSize > 0) budget.used += outputSize;
  return Array.prototype.join.call(array, sep);
}

/**
 * LiquidJS' `times: 100 | round`: both filters read numbers as `+x || 0`; `round` rounds the magnitude half up
 * (its decimal shift by 0 places changes no finite number) and leaves numbers beyond 2^53 as they are.
 */
function percentRounded(v: unknown): number {
  const toNumber = (x: unknown): number => +(x as number) || 0;
  const n = toNumber(toNumber(v) * 100);
  const magnitude = Math.abs(n);
  if (!(magnitude <= Number.MAX_SAFE_INTEGER)) return n;
  const rounded = Math.round(magnitude);
  return n < 0 ? -rounded : rounded;
}

const isExplicit = (v: PromptVariables): boolean => prop(v.dataset, 'kind') === 'explicit';

/** ` [G1, G2]` when the item has genres (`{% if x.genres.size > 0 %} [{{ x.genres | join: ", " }}]{% endif %}`). */
function genresOf(x: unknown, budget: Budget): string {
  const genres = prop(x, 'genres');
  return positive(size(genres)) ? ` [${join(genres, ', ', budget)}]` : '';
}

/** The system section of rating, binary, choice and ranking (templateParts.SYSTEM). */
function behaviourSystem(v: PromptVariables): string {
  return (
    `You predict the behaviour of one specific person from their own history on ${out(prop(v.dataset, 'name'))}. ` +
    'Base your answer on that history: the genres and kinds of items they favour or avoid, ' +
    (isExplicit(v) ? 'how generous their ratings are overall, ' : '') +
    'and how their taste has moved recently. General popularity matters only as far as it fits this person. ' +
    'Always finish with the JSON object asked for and nothing after it.'
  );
}

/** The history block (templateParts.HISTORY). */
function historyBlock(v: PromptVariables, budget: Budget): string {
  const explicit = isExplicit(v);
  const user = out(prop(v.user, 'id'));
  const scale = prop(v.task, 'scale');
  let s = explicit
    ? `Here are the ${out(size(v.history))} most recent ratings of user ${user} on a scale of ${out(prop(scale, 'min'))} to ${out(prop(scale, 'max'))} stars, oldest first:`
    : `Here are the ${out(size(v.history))} items user ${user} played, with their play counts:`;
  for (const h of each(v.history)) {
    const date = prop(h, 'date');
    s +=
      `\n- ${out(prop(h, 'title'))}${genresOf(h, budget)}: ${out(prop(h, 'value'))}${explicit ? ' stars' : ' plays'}` +
      (truthy(date) ? ` (${out(date)})` : '');
  }
  return s;
}

/** The candidate list (templateParts.CANDIDATES). */
function candidatesBlock(v: PromptVariables, budget: Budget): string {
  let s = '';
  for (const c of each(v.candidates))
    s += `\n${out(prop(c, 'label'))}. ${out(prop(c, 'title'))}${genresOf(c, budget)}`;
  return s;
}

const labelsOf = (v: PromptVariables, budget: Budget): string => join(prop(v.task, 'labels'), ', ', budget);
const nextVerb = (v: PromptVariables): string => (isExplicit(v) ? 'rated next' : 'also played');

function targetLine(v: PromptVariables, budget: Budget): string {
  return `- ${out(prop(v.target, 'title'))}${genresOf(v.target, budget)}`;
}

type Section = (v: PromptVariables, budget: Budget) => string;

/** Each built-in form's sections, with the sha256 of the template text they reproduce. */
const COMPILED: Readonly<Record<string, { sha256: string; sections: readonly Section[] }>> = {
  rating: {
    sha256: 'cd3c358bc9c1450372c2f2f4ad681873c4e2f4adce5c49ddeb918d07d66947fb',
    sections: [
      behaviourSystem,
      (v, b) => {
        const scale = prop(v.task, 'scale');
        return (
          `${historyBlock(v, b)}\n\nHow would user ${out(prop(v.user, 'id'))} rate this item?\n${targetLine(v, b)}\n\n` +
          `Answer with a JSON object only, e.g. {"rating": 3.5}, where the rating is between ${out(prop(scale, 'min'))} and ${out(prop(scale, 'max'))} in steps of ${out(prop(scale, 'step'))}.`
        );
      },
    ],
  },
  binary: {
    sha256: '3e173611a1fa6ba53ad79c68f9878b1cb8d9bf885abfd15b46b6c91476ff0bbc',
    sections: [
      behaviourSystem,
      (v, b) =>
        `${historyBlock(v, b)}\n\nWill user ${out(prop(v.user, 'id'))} like this item?\n${targetLine(v, b)}\n\n` +
        (isExplicit(v)
          ? `"Like" means a rating of ${out(prop(v.task, 'likeThreshold'))} stars or more.`
          : `"Like" means it is among the top ${out(percentRounded(prop(v.task, 'topShare')))}% of this user's items by play count.`) +
        '\nAnswer with a JSON object only, e.g. {"like": true, "probability": 0.7}, where "probability" is your probability (0 to 1) that the user likes it.',
    ],
  },
  choice: {
    sha256: '451845e3aba1c58c457f1af98455e113ca50d6772f91fb932b7f52c6d8396930',
    sections: [
      behaviourSystem,
      (v, b) =>
        `${historyBlock(v, b)}\n\nExactly one of these ${out(prop(v.task, 'K'))} candidates is the item user ${out(prop(v.user, 'id'))} ${nextVerb(v)}; the others were picked at random:` +
        `${candidatesBlock(v, b)}\n\nWhich one is it? Answer with a JSON object only: {"choice": "<label>"}, where <label> is one of ${labelsOf(v, b)}.`,
    ],
  },
  ranking: {
    sha256: '5401e71d3d12f381c7aeeb14adff1fdb54d77d2b53267e1dcdd72e84b0283572',
    sections: [
      behaviourSystem,
      (v, b) => {
        const k = out(prop(v.task, 'K'));
        return (
          `${historyBlock(v, b)}\n\nHere are ${k} candidate items; one of them is the item user ${out(prop(v.user, 'id'))} ${nextVerb(v)}:` +
          `${candidatesBlock(v, b)}\n\nRank all ${k} candidates from most to least likely to be that item. ` +
          `Answer with a JSON object only: {"ranking": ["<label>", "<label>", …]}, listing each of the labels ${labelsOf(v, b)} exactly once, most likely first.`
        );
      },
    ],
  },
  completion: {
    sha256: '0d66a2f8234639919da814a09ffe953a572ca0d35c4d31d9724571f84eeaf64e',
    sections: [
      () =>
        'You know public research data sets and their files. Always finish with the JSON object asked for and nothing after it.',
      (v) => {
        let s = `These are the first ${out(size(v.history))} rows of user ${out(prop(v.user, 'id'))} in the ${out(prop(v.dataset, 'name'))} data set, in file order (item id, ${isExplicit(v) ? 'rating' : 'count'}):`;
        for (const h of each(v.history)) s += `\n${out(prop(h, 'item'))},${out(prop(h, 'value'))}`;
        return `${s}\n\nWhat is the item id of this user's next row in the file? Answer with a JSON object only: {"item": "<item id>"}.`;
      },
    ],
  },
  recall: {
    sha256: '220be2bda7fe38cd2020bce324aabc305c851d6a87c9efaabaa61a18609e6b30',
    sections: [
      () =>
        'You know public research data sets. Name items exactly as the data set writes them. Always finish with the JSON object asked for and nothing after it.',
      (v) => {
        const name = out(prop(v.dataset, 'name'));
        let s = `In the ${name} data set every item has an id. For example:`;
        for (const h of each(v.history)) s += `\n- id ${out(prop(h, 'item'))}: ${out(prop(h, 'title'))}`;
        return `${s}\n\nWhich item has the id ${out(prop(v.target, 'item'))} in ${name}? Answer with a JSON object only: {"title": "<title as the data set writes it>"}.`;
      },
    ],
  },
};

/** The template text hashes the compiled functions were written for, by form id (tests compare them). */
export const COMPILED_TEMPLATE_HASHES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(COMPILED).map(([form, c]) => [form, c.sha256]),
);

const byHash = new Map(Object.values(COMPILED).map((c) => [c.sha256, c]));

export function templateHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Renders a template's messages from ready variables, or undefined when LiquidJS must (see `compiledRenderer`). */
export type CompiledRenderer = (variables: PromptVariables) => ChatMessage[] | undefined;

const found = new WeakMap<ParsedPrompt, CompiledRenderer | null>();

/**
 * The compiled renderer of a parsed template whose text is a built-in template byte for byte, else undefined.
 * The renderer returns undefined for a case whose section would exceed LiquidJS' memory limit (render it with
 * LiquidJS, which reports the error).
 */
export function compiledRenderer(parsed: ParsedPrompt): CompiledRenderer | undefined {
  let r = found.get(parsed);
  if (r === undefined) {
    const c = byHash.get(templateHash(parsed.text));
    r =
      c && c.sections.length === parsed.sections.length
        ? (variables) => {
            const messages: ChatMessage[] = [];
            for (let i = 0; i < c.sections.length; i++) {
              const budget: Budget = { used: 0 };
              const content = c.sections[i]!(variables, budget).trim();
              if (budget.used > MEMORY_LIMIT) return undefined;
              messages.push({ role: parsed.sections[i]!.role, content });
            }
            return messages;
          }
        : null;
    found.set(parsed, r);
  }
  return r ?? undefined;
}
