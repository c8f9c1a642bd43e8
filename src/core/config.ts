// The eval config (`*.ubp.json`): its zod schema, defaults, and the loader that turns a file into a validated,
// fully-defaulted EvalConfig. Every field is described here once; docs/config.md and the editor's JSON schema
// (configJsonSchema) follow from it. Errors always name the file and the field path.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { canonicalJson } from './canonicalJson';
import { closestName } from './closestName';
import { formIds, forms, getForm, hasForm } from './forms';
import { PRESET_IDS } from './models/presets';
import { PROVIDER_IDS } from './models/providers/types';

export const DATASET_FORMATS = [
  'auto',
  'movielens-csv',
  'movielens-dat',
  'movielens-100k',
  'lastfm-hetrec',
  'generic',
] as const;
export const BASELINES = [
  'random',
  'popularity',
  'user-mean',
  'item-mean',
  'item-knn',
  'mf',
  'recency',
  'majority',
] as const;
export type BaselineName = (typeof BASELINES)[number];
/** The endpoint presets `models[].preset` takes (models/presets.ts). */
export const MODEL_PRESETS = PRESET_IDS;

/** The baselines that give a meaningful answer for a form: the default of `baselines` (the form says). */
export function baselinesByForm(form: string): BaselineName[] {
  return [...getForm(form).baselines];
}

/** K when the config does not say: the form's default; undefined for a form without candidates. */
export function defaultCandidates(form: string): number | undefined {
  return hasForm(form) ? getForm(form).candidates?.default : undefined;
}

const posInt = () => z.number().int().min(1);
const nonNegInt = () => z.number().int().min(0);
const columnRef = () => z.union([z.string().min(1), nonNegInt()]);

// ── dataset ──────────────────────────────────────────────────────────────────────────────────────────────
const delimiter = () =>
  z
    .enum([',', '\t', ';', '|'])
    .optional()
    .describe('Field delimiter; detected from the first line when absent.');
const itemFileShape = {
  file: z.string().min(1).describe('Item file, relative to the dataset folder.'),
  id: columnRef().describe('Column holding the item id (header name or 0-based index).'),
  title: columnRef().optional().describe('Column holding the item title; without it the id is the title.'),
  genres: columnRef().optional().describe('Column holding genres or tags, if any.'),
  genreSeparator: z.string().min(1).default('|').describe('Separator inside the genres column. Default "|".'),
  extra: z
    .array(columnRef())
    .optional()
    .describe('Other text columns to keep as item text (shown in prompts, hidden by the knowledge probe).'),
  delimiter: delimiter(),
  header: z.boolean().default(true).describe('Whether the first line is a header. Default true.'),
};
const columnsShape = {
  file: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Interactions file, relative to the dataset folder; default: the path itself when it is a file, else the only .csv/.tsv/.txt/.dat file in the folder.',
    ),
  user: columnRef().describe('Column holding the user id (header name or 0-based index).'),
  item: columnRef().describe('Column holding the item id.'),
  value: columnRef()
    .optional()
    .describe('Column holding the rating (explicit) or the count (implicit); without it every row counts 1.'),
  timestamp: columnRef()
    .optional()
    .describe('Column holding Unix seconds or an ISO 8601 date; without it the split is random.'),
  delimiter: delimiter(),
  header: z.boolean().default(true).describe('Whether the first line is a header. Default true.'),
  kind: z
    .enum(['explicit', 'implicit'])
    .optional()
    .describe(
      '"explicit" = ratings on a scale, "implicit" = counts (plays, clicks). Default: explicit when a value column is mapped, else implicit.',
    ),
  scale: z
    .strictObject({
      min: z.number().describe('Lowest rating.'),
      max: z.number().describe('Highest rating.'),
      step: z.number().positive().describe('Rating step, e.g. 0.5 for half stars.'),
    })
    .optional()
    .describe(
      'Rating scale of explicit data (values off it are errors); inferred from the values when absent.',
    ),
  items: z.strictObject(itemFileShape).optional().describe('Optional item file with titles and text.'),
};
const datasetShape = {
  path: z
    .string()
    .min(1)
    .describe(
      'Dataset folder or file, relative to the config file\'s folder; "bundled:ml-latest-small" is the copy shipped with UBP Eval.',
    ),
  format: z
    .enum(DATASET_FORMATS)
    .default('auto')
    .describe('Dataset layout; "auto" detects it from the files. Default "auto".'),
  mode: z
    .enum(['lenient', 'strict'])
    .default('lenient')
    .describe(
      '"lenient" skips malformed rows and reports them; "strict" stops at the first. Default "lenient".',
    ),
  columns: z
    .strictObject(columnsShape)
    .optional()
    .describe('Column map for the "generic" format (any CSV/TSV).'),
};
export const datasetConfigSchema = z.strictObject(datasetShape);
export type GenericColumns = z.output<ReturnType<typeof z.strictObject<typeof columnsShape>>>;

// ── task ─────────────────────────────────────────────────────────────────────────────────────────────────
const taskShape = {
  form: z
    .string()
    .superRefine((f, ctx) => {
      if (!hasForm(f))
        ctx.addIssue({
          code: 'custom',
          message: `expected one of ${formIds()
            .map((id) => `"${id}"`)
            .join(', ')}, got "${f}"`,
        });
    })
    .describe(
      `What the model predicts: ${forms()
        .map((f) => `"${f.id}" (${f.summary})`)
        .join(', ')}. The form owns the answer's shape.`,
    ),
  users: posInt()
    .default(200)
    .describe('Number of users sampled (all eligible users when fewer). Default 200.'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(0xffffffff)
    .default(0)
    .describe('Seed of every random choice (users, split, negatives, candidate order). Default 0.'),
  minHistory: posInt()
    .default(5)
    .describe('Users need at least this many interactions before their (first) held-out item. Default 5.'),
  history: nonNegInt()
    .default(20)
    .describe('Number of most recent interactions shown before the target, oldest first. Default 20.'),
  casesPerUser: posInt()
    .default(1)
    .describe('Held-out items per user: the last k (temporal) or k random ones. Default 1.'),
  candidates: z
    .number()
    .int()
    .min(2)
    .optional()
    .describe(
      `K, the number of candidates (1 true + K-1 negatives) for ${forms()
        .filter((f) => f.candidates)
        .map((f) => `"${f.id}" (default ${f.candidates!.default}, at most ${f.candidates!.max})`)
        .join(' and ')}; ignored by the other forms.`,
    ),
  negatives: z
    .enum(['uniform', 'popularity'])
    .default('uniform')
    .describe(
      'How negative candidates are drawn: "uniform" over items, or "popularity"-weighted by training interaction counts. Never an item the user has interacted with. Default "uniform".',
    ),
  likeThreshold: z
    .number()
    .default(4)
    .describe('Binary form, explicit data: a rating >= this counts as a like. Default 4 (of 5 stars).'),
  topShare: z
    .number()
    .gt(0)
    .max(1)
    .default(0.2)
    .describe(
      "Binary form, implicit data: an item in the user's top share by play count counts as a like. Default 0.2 (top 20%).",
    ),
  probe: z
    .boolean()
    .default(false)
    .describe(
      'Knowledge probe: replace titles and all item text by opaque ids ("Item 4F2A"). Case ids stay the same. Default false.',
    ),
  split: z
    .enum(['auto', 'temporal', 'random', 'global'])
    .default('auto')
    .describe(
      'Hold-out rule: "temporal" (leave-last-out: each user\'s latest items), "global" (one time cut for everyone: targets are each user\'s first items after it, histories and baselines see only what came before it), "random" (seeded), or "auto" (temporal when the data has timestamps). Default "auto".',
    ),
  cutoff: z
    .union([z.number().gt(0).lt(1), z.iso.date(), z.iso.datetime({ offset: true, local: true })])
    .optional()
    .describe(
      'Global split only: the cut, an ISO date ("2015-01-01") or a share in (0, 1), the timestamp below which that share of all interactions lies. Default 0.9.',
    ),
  k: posInt().default(10).describe('Cut-off of the ranking metrics (HR@k, NDCG@k). Default 10.'),
  items: posInt()
    .optional()
    .describe(
      'Recall form: items asked, sampled by the seed in equal shares of head, torso and tail. Default 200.',
    ),
};

/** Field names that would hold a credential: never accepted in a config file. */
const SECRET_FIELD = /^(api[-_]?key|key|secret|token|access[-_]?token|password|bearer|authorization)$/i;
const SECRET_HEADER =
  /^(authorization|proxy-authorization|api-key|x-api-key|x-goog-api-key|openai-api-key)$/i;
const SECRET_QUERY = /^(api[-_]?key|key|token|access[-_]?token|secret)$/i;
const SECRET_VALUE = /^(bearer\s|sk-[A-Za-z0-9_-]{8,}|sk_[A-Za-z0-9]{8,})/i;
const KEY_HOME =
  'API keys never go in a config file: they live in VS Code SecretStorage or in an environment variable named by "apiKeyEnv"';

// A record of extra headers or query parameters that must carry no credential (checked on its own, so the
// message appears even when other fields of the model entry are wrong too).
// An array whose entries (or their `key` field) must be unique.
function unique<T>(item: z.ZodType<T>, keyOf: (v: T) => string, what: string, field?: string) {
  return z.array(item).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      const k = keyOf(v);
      if (seen.has(k))
        ctx.addIssue({ code: 'custom', path: field ? [i, field] : [i], message: `duplicate ${what} "${k}"` });
      seen.add(k);
    });
  });
}

function credentialFree(names: RegExp, what: string) {
  return z.record(z.string(), z.string()).superRefine((rec, ctx) => {
    for (const [name, value] of Object.entries(rec)) {
      if (names.test(name) || SECRET_VALUE.test(value))
        ctx.addIssue({ code: 'custom', path: [name], message: `${what} rejected. ${KEY_HOME}` });
    }
  });
}

// ── models ───────────────────────────────────────────────────────────────────────────────────────────────
const paramsShape = {
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature, 0..2.'),
  top_p: z.number().min(0).max(1).optional().describe('Nucleus sampling mass, 0..1.'),
  max_tokens: posInt().optional().describe('Maximum tokens in the answer (older models and local servers).'),
  max_completion_tokens: posInt()
    .optional()
    .describe('Maximum completion tokens, reasoning included (OpenAI reasoning models).'),
  seed: z.number().int().optional().describe('Sampling seed, for endpoints that honour it.'),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .optional()
    .describe('Stop sequence(s), at most 4.'),
  reasoning_effort: z
    .enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])
    .optional()
    .describe('Reasoning effort for reasoning models.'),
  response_format: z
    .enum(['text', 'json_object', 'json_schema'])
    .optional()
    .describe('"json_schema" sends the task form\'s answer schema; "json_object" asks for any JSON.'),
};
const modelShape = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, 'expected letters, digits and . _ : @ / - (no spaces)')
    .describe('Name of this model entry in results and tables; unique within the config.'),
  provider: z
    .enum(PROVIDER_IDS)
    .optional()
    .describe(
      'The API the endpoint speaks: "openai" (any OpenAI-compatible server) or "anthropic" (the Messages API). Default: the preset\'s, else "openai".',
    ),
  preset: z
    .enum(MODEL_PRESETS)
    .optional()
    .describe('Endpoint preset: fills baseUrl and the usual settings of a provider or local server.'),
  baseUrl: z
    .url()
    .optional()
    .describe(
      'Base URL: OpenAI-compatible servers end in /v1 (e.g. http://localhost:11434/v1); Anthropic takes the API root (https://api.anthropic.com).',
    ),
  model: z.string().min(1).describe('Model name sent to the endpoint.'),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the NAME of an environment variable, e.g. OPENAI_API_KEY')
    .optional()
    .describe(
      'Name of the environment variable holding the API key. Keys never go in this file: without it, the extension uses SecretStorage.',
    ),
  params: z.strictObject(paramsShape).optional().describe('Request parameters.'),
  headers: credentialFree(SECRET_HEADER, 'credential header')
    .optional()
    .describe('Extra HTTP headers (no credentials: keys live in SecretStorage or an environment variable).'),
  query: credentialFree(SECRET_QUERY, 'credential parameter')
    .optional()
    .describe('Extra URL query parameters, e.g. {"api-version": "2024-10-21"} for Azure.'),
  concurrency: posInt()
    .optional()
    .describe('Maximum requests in flight to this model (overrides run.concurrency).'),
  timeoutMs: posInt()
    .optional()
    .describe(
      'How long one request may wait for the answer, in milliseconds. Default: run.timeoutMs; for reasoning models (o1, o3, o4, gpt-5, Claude with thinking) at least 300000.',
    ),
  rpm: posInt().optional().describe('Requests-per-minute limit.'),
  tpm: posInt().optional().describe('Tokens-per-minute limit.'),
  price: z
    .strictObject({
      inputPerMTok: z.number().min(0).describe('USD per million input tokens.'),
      outputPerMTok: z.number().min(0).describe('USD per million output tokens.'),
    })
    .optional()
    .describe('Price used for cost figures and the budget; overrides the built-in price table.'),
};

// ── run ──────────────────────────────────────────────────────────────────────────────────────────────────
const runShape = {
  concurrency: posInt().default(8).describe('Maximum requests in flight overall. Default 8.'),
  samples: posInt().default(1).describe('Answers drawn per case and model (for variance). Default 1.'),
  timeoutMs: posInt()
    .default(60000)
    .describe(
      'How long one request may wait for the answer once connected, in milliseconds (reasoning models get at least 300000). Default 60000.',
    ),
  connectTimeoutMs: posInt()
    .default(10000)
    .describe('How long connecting to an endpoint may take, in milliseconds. Default 10000.'),
  maxRetries: nonNegInt().default(6).describe('Retries of a failed request (429, 5xx, network). Default 6.'),
  budgetUsd: z
    .number()
    .positive()
    .optional()
    .describe('Stop the run before its estimated cost exceeds this.'),
  cache: z.boolean().default(true).describe('Reuse cached answers to identical requests. Default true.'),
};

const topShape = {
  $schema: z.string().optional().describe('JSON schema reference for editors; ignored.'),
  name: z.string().min(1).describe('Name of this eval.'),
  description: z.string().optional().describe('What this eval is for.'),
  dataset: z.strictObject(datasetShape).describe('The behaviour data.'),
  task: z
    .strictObject(taskShape)
    .superRefine((t, ctx) => {
      if (t.cutoff !== undefined && t.split !== 'global')
        ctx.addIssue({
          code: 'custom',
          path: ['cutoff'],
          message: `task.cutoff applies to the global split only, but task.split is "${t.split}"`,
        });
      if (!hasForm(t.form)) return; // reported at task.form
      const form = getForm(t.form);
      if (t.candidates !== undefined && form.candidates && t.candidates > form.candidates.max)
        ctx.addIssue({
          code: 'custom',
          path: ['candidates'],
          message: `expected at most ${form.candidates.max} candidates for the ${t.form} form, got ${t.candidates}`,
        });
      const effective = { ...t, candidates: t.candidates ?? form.candidates?.default };
      for (const issue of form.checkConfig?.(effective as TaskConfig) ?? [])
        ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
    })
    .describe('How test cases are built from the data.'),
  prompts: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'Prompt templates: .prompt files relative to this config, or "builtin:<form>". Default ["builtin:<form>"].',
    ),
  models: unique(z.strictObject(modelShape), (m) => m.id, 'model id', 'id')
    .default([])
    .describe('LLM endpoints to evaluate. Default [].'),
  baselines: unique(z.enum(BASELINES), (b) => b, 'baseline')
    .optional()
    .describe('Built-in baselines run beside the models. Default: all that fit the task form.'),
  run: z.strictObject(runShape).prefault({}).describe('Run options.'),
};

/** The full schema: input = what a user writes; output = the effective config with every default filled. */
export const evalConfigSchema = z
  .strictObject(topShape)
  .superRefine((c, ctx) => {
    const t = c.task;
    for (const [i, p] of (c.prompts ?? []).entries()) {
      const m = /^builtin:(.*)$/.exec(p);
      if (m && m[1] !== t.form)
        ctx.addIssue({
          code: 'custom',
          path: ['prompts', i],
          message: hasForm(m[1])
            ? `"${p}" is the ${m[1]} template, but task.form is "${t.form}" (the task form owns the answer's shape)`
            : `unknown built-in template "${p}"; expected "builtin:${t.form}"`,
        });
    }
  })
  .transform((c) => {
    const form = c.task.form;
    const candidates = c.task.candidates ?? defaultCandidates(form);
    return {
      ...c,
      task: { ...c.task, candidates },
      prompts: c.prompts ?? [`builtin:${form}`],
      baselines: c.baselines ?? baselinesByForm(form),
    };
  });

/** The effective config: every default filled in. */
export type EvalConfig = z.output<typeof evalConfigSchema>;
/** What a user may write (defaults optional). */
export type EvalConfigInput = z.input<typeof evalConfigSchema>;
export type TaskConfig = EvalConfig['task'];
export type ModelConfig = EvalConfig['models'][number];
export type RunConfig = EvalConfig['run'];
export type DatasetConfig = EvalConfig['dataset'];

/** A config that cannot be used; the message lists every problem as `file: field.path: reason`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0].path ? `${problems[0].path}: ` : ''}${problems[0].message}`
        : `${file}: ${problems.length} problems:\n` +
            problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

// The fields of each object by its path (array indices left out), for "did you mean" on unknown fields: a
// name known in another object ("user" is a generic column) is no hint for this one.
const FIELDS_AT: Record<string, string[]> = {
  '': Object.keys(topShape),
  dataset: Object.keys(datasetShape),
  'dataset.columns': Object.keys(columnsShape),
  'dataset.columns.items': Object.keys(itemFileShape),
  task: Object.keys(taskShape),
  models: Object.keys(modelShape),
  'models.params': Object.keys(paramsShape),
  run: Object.keys(runShape),
};

// Every field name the schema knows: the hint's fallback for an object not in FIELDS_AT.
const KNOWN_FIELDS = [
  ...new Set(
    [
      topShape,
      datasetShape,
      columnsShape,
      itemFileShape,
      taskShape,
      modelShape,
      paramsShape,
      runShape,
    ].flatMap((s) => Object.keys(s)),
  ),
];

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return String(v);
}

function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

// One zod issue -> one or more readable problems.
function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  const where = formatPath(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const at = formatPath([...issue.path, key]);
        if (SECRET_FIELD.test(key)) return { path: at, message: `"${key}" is not allowed. ${KEY_HOME}` };
        const at0 = issue.path.filter((seg) => typeof seg === 'string').join('.');
        const names = FIELDS_AT[at0] ?? KNOWN_FIELDS.filter((n) => n !== key);
        const best = closestName(key, names, Math.max(1, Math.floor(key.length / 3)));
        const hint = best ? ` (did you mean "${best}"?)` : '';
        return { path: at, message: `unknown field${hint}` };
      });
    case 'invalid_type': {
      if (input === undefined) return [{ path: where, message: 'required field is missing' }];
      return [
        {
          path: where,
          message: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${show(input)}`,
        },
      ];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        const isInt =
          (issue as { format?: string }).format === 'safeint' ||
          Number.isInteger(input) ||
          issue.origin === 'int';
        const what =
          isInt && min === 1 && issue.inclusive
            ? 'a positive integer'
            : isInt && min === 0 && issue.inclusive
              ? 'a non-negative integer'
              : `a number ${issue.inclusive ? '>=' : '>'} ${min}`;
        return [{ path: where, message: `expected ${what}, got ${show(input)}` }];
      }
      if (issue.origin === 'string') return [{ path: where, message: 'must not be empty' }];
      if (issue.origin === 'array')
        return [{ path: where, message: `expected at least ${min} entr${min === 1 ? 'y' : 'ies'}` }];
      return [{ path: where, message: issue.message }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return [
          {
            path: where,
            message: `expected a number ${issue.inclusive ? '<=' : '<'} ${max}, got ${show(input)}`,
          },
        ];
      if (issue.origin === 'array') return [{ path: where, message: `expected at most ${max} entries` }];
      return [{ path: where, message: issue.message }];
    }
    case 'invalid_value':
      if (input === undefined)
        return [
          {
            path: where,
            message: `required field is missing (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`,
          },
        ];
      return [
        {
          path: where,
          message: `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(input)}`,
        },
      ];
    case 'invalid_format':
      if (issue.format === 'url')
        return [
          { path: where, message: `expected a URL such as http://localhost:11434/v1, got ${show(input)}` },
        ];
      return [{ path: where, message: `${issue.message}, got ${show(input)}` }];
    case 'invalid_union':
      return [{ path: where, message: `unexpected value ${show(input)}` }];
    default:
      return [{ path: where, message: issue.message }];
  }
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Parses and validates a config's text. `file` only names it in errors. Throws ConfigError. */
export function parseConfig(text: string, file: string): EvalConfig {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!body.trim())
    throw new ConfigError(file, [{ path: '', message: 'the file is empty; expected a JSON object' }]);
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /at position (\d+)/.exec(msg);
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const where = pos
      ? lineColumn(body, Number(pos[1]))
      : lc
        ? { line: Number(lc[1]), column: Number(lc[2]) }
        : /end of JSON input/.test(msg)
          ? lineColumn(body, body.length)
          : null;
    const reason = msg
      .replace(/\s*(in JSON )?at position \d+.*$/, '')
      .replace(/\s*\(line \d+ column \d+\)/, '');
    throw new ConfigError(file, [
      { path: '', message: `${where ? `${where.line}:${where.column}: ` : ''}invalid JSON: ${reason}` },
    ]);
  }
  // jitless: a config is parsed once per process, and zod's compiled fast path (a `new Function` per object
  // schema, built on first parse) costs more to build than it saves (~5 ms of `ubp run`'s start-up).
  const result = evalConfigSchema.safeParse(data, { reportInput: true, jitless: true });
  if (!result.success) throw new ConfigError(file, result.error.issues.flatMap(describeIssue));
  return result.data;
}

/** K of a task: its own `candidates`, else the form's default; undefined for forms without candidates. */
export function candidatesOf(task: { form: string; candidates?: number }): number | undefined {
  return task.candidates ?? defaultCandidates(task.form);
}

/**
 * The effective config a run records in its manifest: the parsed config (zod filled the plain defaults) with the
 * defaults that depend on other fields filled too (`task.candidates`), so no reader derives them again. Hashes
 * and run ids are computed from the parsed config, so they keep their meaning.
 */
export function effectiveConfig(config: EvalConfig): EvalConfig {
  const candidates = candidatesOf(config.task);
  if (candidates === undefined || config.task.candidates !== undefined) return config;
  return { ...config, task: { ...config.task, candidates } };
}

// Re-exported where it was defined before it became one module for every hash (config, run key, cache).
export { canonicalJson };

/** sha256 (hex) of the canonical JSON of an effective config: the run's fingerprint of its settings. */
export function configHash(config: EvalConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

export interface LoadedConfig {
  config: EvalConfig;
  /** Absolute path of the config file. */
  file: string;
  /** Its folder: relative paths inside the config are resolved from here. */
  dir: string;
  /** configHash(config). */
  hash: string;
}

/** Reads, parses and validates a config file. Throws ConfigError (also for a missing or unreadable file). */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a config file'
          : `cannot read: ${(e as Error).message}`;
    throw new ConfigError(file, [{ path: '', message: reason }]);
  }
  const config = parseConfig(text, file);
  return { config, file: abs, dir: path.dirname(abs), hash: configHash(config) };
}

/**
 * Resolves a path written in a config (dataset.path, prompts[i]) against the config's folder. "bundled:" and
 * "builtin:" references and absolute paths are returned unchanged.
 */
export function resolveConfigPath(_config: EvalConfig | null, dir: string, p: string): string {
  if (/^(bundled|builtin):/.test(p) || path.isAbsolute(p)) return p;
  return path.resolve(dir, p);
}

/** The JSON schema of what a user may write, for the editor's `jsonValidation`. */
export function configJsonSchema(): object {
  const schema = z.toJSONSchema(evalConfigSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: { task?: { properties?: { form?: Record<string, unknown> } } };
  };
  // The form is checked against the registry at parse time; the editor gets the registered ids as an enum.
  const form = schema.properties?.task?.properties?.form;
  if (form) form.enum = formIds();
  return schema;
}
