// The documented template variables: ONE table that drives static analysis, completion, hover and the reference
// in docs/prompt-format.md. A field that is not here does not exist for a template.
import { formList, forms } from '../forms';
import type { FeedbackKind, TaskForm } from '../types';

/** The shape of a template value, as far as analysis needs to know it. */
export type VarType =
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'object'; name: string; fields: Record<string, FieldSpec> }
  | { kind: 'array'; of: VarType }
  /** Unknown shape (e.g. the result of most filters): no field checks. */
  | { kind: 'any' };

export interface FieldSpec {
  type: VarType;
  /** One sentence for hover and the docs. */
  doc: string;
  /** True when the value may be null (e.g. a date without timestamps). */
  nullable?: boolean;
  /** The forms in which the value is meaningful, when not all. */
  forms?: TaskForm[];
}

const str: VarType = { kind: 'string' };
const num: VarType = { kind: 'number' };
const bool: VarType = { kind: 'boolean' };
const strList: VarType = { kind: 'array', of: str };

const itemFields: Record<string, FieldSpec> = {
  title: { type: str, doc: 'The item title (a movie title with its year, or an artist name).' },
  genres: {
    type: strList,
    doc: 'Genres (MovieLens) or the most common tags (Last.fm), possibly empty. A list: use `| join: ", "`.',
  },
  item: { type: str, doc: "The dataset's item id (in a knowledge probe, the opaque id: the title)." },
};

const historyEntry: VarType = {
  kind: 'object',
  name: 'history entry',
  fields: {
    ...itemFields,
    value: {
      type: num,
      doc: 'The rating the user gave (explicit data, e.g. 0.5..5 stars) or the play count (implicit data).',
    },
    date: {
      type: str,
      nullable: true,
      doc: 'The day of the interaction as an ISO date (YYYY-MM-DD), or null when the dataset has no timestamps.',
    },
  },
};

const target: VarType = { kind: 'object', name: 'target', fields: { ...itemFields } };
target.fields.title = {
  ...itemFields.title!,
  doc: 'The title of the item asked about (in a knowledge probe, an opaque id instead).',
};

const candidate: VarType = {
  kind: 'object',
  name: 'candidate',
  fields: {
    label: { type: str, doc: 'The candidate\'s label, "A", "B", … in the order shown.' },
    ...itemFields,
  },
};

const scale: VarType = {
  kind: 'object',
  name: 'scale',
  fields: {
    min: { type: num, doc: 'The lowest rating on the scale, e.g. 0.5.' },
    max: { type: num, doc: 'The highest rating on the scale, e.g. 5.' },
    step: { type: num, doc: 'The rating step, e.g. 0.5 for half stars.' },
  },
};

/** The top-level variables every template sees. */
export const PROMPT_VARIABLES: Record<string, FieldSpec> = {
  user: {
    doc: 'The user whose behaviour is predicted.',
    type: {
      kind: 'object',
      name: 'user',
      fields: {
        id: { type: str, doc: "The dataset's user id." },
        historyLength: {
          type: num,
          doc: "The user's full number of interactions before the target (the shown `history` may be shorter).",
        },
      },
    },
  },
  history: {
    doc: "The user's most recent interactions before the target, oldest first (at most the config's `task.history`).",
    type: { kind: 'array', of: historyEntry },
  },
  target: {
    doc: 'The item asked about (rating, binary). In choice and ranking it is the answer: reading it is an error, and it renders empty.',
    type: target,
  },
  candidates: {
    doc: 'The labelled candidates, in the order shown (choice, ranking); empty for rating and binary.',
    type: { kind: 'array', of: candidate },
    forms: forms()
      .filter((f) => f.candidates)
      .map((f) => f.id),
  },
  task: {
    doc: 'The task being asked.',
    type: {
      kind: 'object',
      name: 'task',
      fields: {
        form: { type: str, doc: `The task form: ${formList()}.` },
        scale: {
          type: scale,
          nullable: true,
          doc: 'The rating scale {min, max, step}, or null for implicit data (play counts).',
        },
        K: { type: num, doc: 'The number of candidates shown (choice, ranking); 0 otherwise.' },
        k: { type: num, doc: 'The cut-off of the ranking metrics (HR@k, NDCG@k), e.g. 10.' },
        likeThreshold: {
          type: num,
          doc: 'Explicit data: the rating from which an item counts as liked (binary), e.g. 4.',
        },
        topShare: {
          type: num,
          doc: "Implicit data: an item counts as liked when it is in this top share of the user's plays, e.g. 0.2.",
        },
        labels: {
          type: strList,
          doc: 'The candidate labels in order, e.g. ["A", "B", "C"]; empty otherwise.',
        },
      },
    },
  },
  dataset: {
    doc: 'The dataset the case comes from.',
    type: {
      kind: 'object',
      name: 'dataset',
      fields: {
        name: { type: str, doc: 'The dataset name, e.g. "ml-latest-small".' },
        kind: {
          type: str,
          doc: '"explicit" (ratings: `value` is stars) or "implicit" (play counts: `value` is plays).',
        },
      },
    },
  },
};

// What `forloop` and `tablerowloop` share.
const LOOP_STATE: Record<string, FieldSpec> = {
  index: { type: num, doc: 'The current iteration, from 1.' },
  index0: { type: num, doc: 'The current iteration, from 0.' },
  first: { type: bool, doc: 'True in the first iteration.' },
  last: { type: bool, doc: 'True in the last iteration.' },
  length: { type: num, doc: 'The number of iterations.' },
};

/** Variables Liquid defines inside loops. */
export const LOOP_VARIABLES: Record<string, FieldSpec> = {
  forloop: {
    doc: 'The state of the enclosing `for` loop.',
    type: {
      kind: 'object',
      name: 'forloop',
      fields: {
        ...LOOP_STATE,
        rindex: { type: num, doc: 'Iterations left, counting this one (ends at 1).' },
        rindex0: { type: num, doc: 'Iterations left after this one (ends at 0).' },
        name: { type: str, doc: 'The loop variable and collection, e.g. "h-history".' },
      },
    },
  },
  tablerowloop: {
    doc: 'The state of the enclosing `tablerow` loop.',
    type: {
      kind: 'object',
      name: 'tablerowloop',
      fields: {
        ...LOOP_STATE,
        col: { type: num, doc: 'The current column, from 1.' },
        col0: { type: num, doc: 'The current column, from 0.' },
        row: { type: num, doc: 'The current row, from 1.' },
      },
    },
  },
};

/** Pseudo-fields Liquid gives every list and string. */
export function builtinMembers(type: VarType): Record<string, FieldSpec> {
  if (type.kind === 'array') {
    return {
      size: { type: num, doc: 'The number of elements.' },
      first: { type: type.of, doc: 'The first element (null when empty).', nullable: true },
      last: { type: type.of, doc: 'The last element (null when empty).', nullable: true },
    };
  }
  if (type.kind === 'string') return { size: { type: num, doc: 'The number of characters.' } };
  return {};
}

/** The fields accessible on a value of this type (documented fields plus Liquid's pseudo-fields). */
export function membersOf(type: VarType): Record<string, FieldSpec> {
  return type.kind === 'object' ? type.fields : builtinMembers(type);
}

/** One accessible field by name (own properties only: `constructor` or `__proto__` are never fields). */
export function memberOf(type: VarType, name: string): FieldSpec | undefined {
  const members = membersOf(type);
  return Object.prototype.hasOwnProperty.call(members, name) ? members[name] : undefined;
}

/** A short name of a type for messages and completion details. */
export function describeType(type: VarType, nullable = false): string {
  const base =
    type.kind === 'array'
      ? `list of ${describeType(type.of)}`
      : type.kind === 'object'
        ? type.name
        : type.kind === 'any'
          ? 'value'
          : type.kind;
  return nullable ? `${base} or null` : base;
}

// The "did you mean" helper lives with the config's in one module; re-exported for the prompt area.
export { closestName } from '../closestName';

/** The values a template sees: the runtime counterpart of PROMPT_VARIABLES. */
export interface PromptVariables {
  user: { id: string; historyLength: number };
  history: { title: string; genres: string[]; value: number; date: string | null; item: string }[];
  target: { title: string; genres: string[]; item: string };
  candidates: { label: string; title: string; genres: string[]; item: string }[];
  task: {
    form: TaskForm;
    scale: { min: number; max: number; step: number } | null;
    K: number;
    k: number;
    likeThreshold: number;
    topShare: number;
    labels: string[];
  };
  dataset: { name: string; kind: FeedbackKind };
}

/** The variable reference as a Markdown table (docs/prompt-format.md embeds it; a test keeps them equal). */
export function variablesMarkdown(): string {
  const rows: string[] = ['| variable | type | meaning |', '|---|---|---|'];
  const walk = (path: string, spec: FieldSpec) => {
    rows.push(
      `| \`${path}\` | ${describeType(spec.type, spec.nullable)} | ${spec.doc.replace(/\|/g, '\\|')} |`,
    );
    const inner = spec.type.kind === 'array' ? spec.type.of : spec.type;
    if (inner.kind === 'object') {
      const prefix = spec.type.kind === 'array' ? `${path}[]` : path;
      for (const [name, field] of Object.entries(inner.fields)) walk(`${prefix}.${name}`, field);
    }
  };
  for (const [name, spec] of Object.entries(PROMPT_VARIABLES)) walk(name, spec);
  return rows.join('\n');
}
