// The high-level entry both front ends call: from a config file to everything a run needs (config, data, cases,
// templates, fitted baselines, LLM predictors, the run id and a cost estimate), then `start()` opens the store and
// runs. API keys come from the front end through `getApiKey` (CLI: an environment variable; VS Code:
// SecretStorage); none is ever written anywhere. `prepareEval` is the recipe; each step below is a function of
// its inputs that can be tested alone: overrides, run id, cases, variant selection, baselines, LLM variants,
// estimate (estimate.ts), manifest.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson } from '../canonicalJson';
import { skippedRowsOf, skippedRowsWarning, type SkippedRows } from '../dataset/errors';
import {
  candidatesOf,
  configHash,
  effectiveConfig,
  loadConfig,
  parseConfig,
  resolveConfigPath,
  type EvalConfig,
  type ModelConfig,
} from '../config';
import { fitBaselines } from '../models/baselines';
import { flushResponseCaches } from '../models/cache';
import { originOf } from '../models/origin';
import {
  analyzePrompt,
  buildPromptVariables,
  loadPromptTemplate,
  readPromptTemplate,
  renderVariables,
} from '../prompt';
import { expectedAnswerTokens, loadChatTokenizer } from '../prompt/tokens';
import { PromptError, hasErrors } from '../prompt/diagnostics';
import type { PromptRenderInfo } from '../prompt/render';
import type { ParsedPrompt } from '../prompt';
import { buildCases, CASES_VERSION, type BuiltCases } from '../tasks';
import { casesWhere, firstCases } from '../tasks/caseList';
import type { CaseList, ChatMessage, Interactions, TestCase } from '../types';
import { ENGINE_VERSION } from '../version';
import { addToEstimate, emptyEstimate, finishedUnits, reasoningReserve, type RunEstimate } from './estimate';
import { openBatchUnits } from '../batch/state';
import { shardLabel, shardOfCase, type ShardSpec } from '../shard/shard';
import { LOCAL_POOL, runEval, type RunEvalOptions, type RunHandle, type RunVariant } from './runner';
import { lockHolder, RunLockedError } from './lock';
import {
  chooseRunId,
  openRunStore,
  RUN_LOCK_FILE,
  RUN_RESULTS_FILE,
  runsDir,
  runSlug,
  type OpenRunStoreOptions,
  type RunStore,
} from './store';
import {
  baseUrlOf,
  loadEvalDataset,
  llmFactory,
  openaiVersion,
  type LlmFactory,
  type RetryListener,
} from './wiring';

export interface PrepareOptions {
  /** The store root: `<workspace>/.ubp` by default; runs go in `<root>/runs/<id>`, the response cache in `<root>/cache`. */
  root: string;
  /** Models added for this run only (CLI --endpoint/--model): part of the effective config and so of the run id. */
  addModels?: ModelConfig[];
  /** Run only these models and baselines (ids; a baseline as "popularity" or "baseline:popularity"). */
  only?: string[];
  /** Overrides run.concurrency. */
  concurrency?: number;
  /** false bypasses the response cache (run.cache). */
  cache?: boolean;
  /** Run only the first N cases (the run keeps its id: a later run without a limit continues it). */
  limit?: number;
  /** Run one deterministic slice of the cases (by case id): its own run, `ubp merge` joins the slices. */
  shard?: ShardSpec;
  /** Start a fresh run instead of resuming the latest one of this config. */
  fresh?: boolean;
  /**
   * Continue exactly this run (the extension's Resume on a chosen run), not the config's latest: an error when
   * the config (edited since) no longer makes that run, instead of quietly starting or resuming another one.
   */
  resume?: string;
  /** The API key of an LLM entry, by the front end (never stored). Undefined: no key (local servers). */
  getApiKey: (model: ModelConfig, origin: string) => string | undefined | Promise<string | undefined>;
  /** The folder holding media/datasets (the extension's folder); found from this module when absent. */
  packageRoot?: string;
  /** Prices by model name overriding the default table (the VS Code setting `ubp.prices`). */
  priceOverrides?: Readonly<Record<string, { inputPerMTok: number; outputPerMTok: number }>>;
  /** Names the writer in the run lock ("ubp run", "VS Code"). */
  tool?: string;
  /** Stops the preparation (Ctrl-C while the data loads): the loader stops between chunks, and prepareEval
   * rejects with the signal's reason after each step; nothing is written. */
  signal?: AbortSignal;
  /** Builds LLM predictors (tests pass fakes). Default: the OpenAI-compatible client. */
  createLlm?: LlmFactory;
  /** Told about every failed request that will be retried (for a request log). */
  onRetry?: RetryListener;
  /**
   * false: no tokenizer is loaded (the estimate and token limits count ~4 characters a token). A batch import
   * sends nothing, and the o200k tokenizer holds ~75 MB.
   */
  tokenizer?: boolean;
}

export type { RunEstimate } from './estimate';

export interface PreparedEval {
  config: EvalConfig;
  configFile: string;
  configHash: string;
  runKeyHash: string;
  data: Interactions;
  fingerprint: string;
  /** The cases this invocation runs (after --limit), built one at a time when asked for (see tasks/caseList.ts). */
  cases: CaseList;
  /** All cases of the run. */
  caseCount: number;
  trainMask: Uint8Array;
  split: string;
  variants: RunVariant[];
  runId: string;
  estimate: RunEstimate;
  manifest: OpenRunStoreOptions['manifest'];
  /** Things a user should know (unpriced models, skipped baselines, …). */
  warnings: string[];
  /** Opens the store (taking the lock) and starts the run. */
  start(
    options?: Partial<Pick<RunEvalOptions, 'signal' | 'progressIntervalMs' | 'breaker'>>,
  ): Promise<RunHandle>;
  /** Opens the store without running (e.g. to inspect what a resume would skip). */
  openStore(): Promise<RunStore>;
}

/**
 * What decides the answers, hence the run id: the effective config without the settings that cannot change an
 * answer (so changing them resumes the same run), plus the text of every template when the config has models
 * (editing a template changes what is asked).
 */
export function runKeyOf(config: EvalConfig, templateHashes?: Record<string, string>): unknown {
  const { description: _d, run, models, ...rest } = config;
  return {
    ...rest,
    models: models.map(({ concurrency: _c, rpm: _r, tpm: _t, price: _p, apiKeyEnv: _k, ...m }) => m),
    run: { samples: run.samples },
    ...(templateHashes ? { templates: templateHashes } : {}),
  };
}

export function runKeyHash(config: EvalConfig, templateHashes?: Record<string, string>): string {
  return sha256(canonicalJson(runKeyOf(config, templateHashes)));
}

/** The base run id of a config: `<name>-<hash8>`. */
export function baseRunId(config: EvalConfig, templateHashes?: Record<string, string>): string {
  return `${runSlug(config.name)}-${runKeyHash(config, templateHashes).slice(0, 8)}`;
}

/** sha256 of each template a config names (only when it has models: baselines use no template). */
export function templateHashesOf(config: EvalConfig, configDir: string): Record<string, string> | undefined {
  if (!config.models.length) return undefined;
  const refs = config.prompts ?? [`builtin:${config.task.form}`];
  return Object.fromEntries(refs.map((ref) => [ref, sha256(readPromptTemplate(ref, configDir).text)]));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Steps

/** The config this invocation runs: the file's, plus models from the command line, concurrency and cache. */
export function applyOverrides(
  config: EvalConfig,
  file: string,
  opts: Pick<PrepareOptions, 'addModels' | 'concurrency' | 'cache'>,
): EvalConfig {
  let out = config;
  if (opts.addModels?.length) {
    const taken = new Set(out.models.map((m) => m.id));
    const added = opts.addModels.map((m) => {
      let id = m.id;
      for (let n = 2; taken.has(id); n++) id = `${m.id}-${n}`;
      taken.add(id);
      return { ...m, id };
    });
    out = parseConfig(
      JSON.stringify({ ...out, models: [...out.models, ...added] }),
      `${file} (with models from the command line)`,
    );
  }
  if (opts.concurrency !== undefined) out = { ...out, run: { ...out.run, concurrency: opts.concurrency } };
  if (opts.cache !== undefined) out = { ...out, run: { ...out.run, cache: opts.cache } };
  return out;
}

/** The run id (resume the latest of this config, or a fresh one) and its hashes; refuses a run being written. */
export function chooseRun(
  root: string,
  config: EvalConfig,
  configDir: string,
  fresh: boolean,
  shard?: ShardSpec,
  resume?: string,
): { runId: string; configHash: string; runKeyHash: string; wholeRunKeyHash: string } {
  const hash = configHash(config);
  const wholeRunKeyHash = runKeyHash(config, templateHashesOf(config, configDir));
  // A shard is its own run: its key and id name it, so shard 2 never resumes shard 1 (nor the whole run).
  const keyHash = shard ? sha256(`${wholeRunKeyHash}\u0000${shardLabel(shard)}`) : wholeRunKeyHash;
  const base = `${runSlug(config.name)}-${keyHash.slice(0, 8)}${shard ? `-${shardLabel(shard)}` : ''}`;
  const runId = resume ?? chooseRunId(root, base, fresh);
  if (resume !== undefined && !isRunOfBase(resume, base))
    throw new Error(
      `run ${resume} cannot be continued: its config now makes run ${base} (edited since, so other cases or answers; or the run was made with models added on the command line). Undo the change to resume it, or run the config to start the new run.`,
    );
  const lockFile = path.join(runsDir(root), runId, RUN_LOCK_FILE);
  const holder = lockHolder(lockFile);
  if (holder) throw new RunLockedError(lockFile, holder);
  return { runId, configHash: hash, runKeyHash: keyHash, wholeRunKeyHash };
}

/** A run id of base `<name>-<hash8>[-shard]`: the base itself or a fresh numbered one (`base-2`). */
function isRunOfBase(runId: string, base: string): boolean {
  return runId === base || (runId.startsWith(`${base}-`) && /^\d+$/.test(runId.slice(base.length + 1)));
}

export interface LoadedCases {
  data: Interactions;
  fingerprint: string;
  datasetPath: string;
  built: BuiltCases;
  /** The run's cases: all built, or the shard's (before --limit). */
  runCases: CaseList;
  /** The cases this invocation runs (after --limit). */
  cases: CaseList;
  /** Malformed rows the load skipped (absent when none): never silent, see prepareEval's warnings. */
  skippedRows?: SkippedRows;
}

/** The dataset and the test cases (all of them, and the --limit subset). */
export async function loadCases(
  config: EvalConfig,
  configDir: string,
  opts: Pick<PrepareOptions, 'limit' | 'packageRoot' | 'shard' | 'signal'>,
): Promise<LoadedCases> {
  const datasetPath = config.dataset.path.startsWith('bundled:')
    ? config.dataset.path
    : resolveConfigPath(config, configDir, config.dataset.path);
  const dataset = await loadEvalDataset(datasetPath, config.dataset, opts.packageRoot, opts.signal);
  opts.signal?.throwIfAborted();
  const { data, fingerprint } = dataset;
  const built = buildCases(data, config.task);
  const shard = opts.shard;
  const runCases = shard
    ? casesWhere(built.list, (id) => shardOfCase(id, shard.count) === shard.index)
    : built.list;
  const cases = opts.limit !== undefined ? firstCases(runCases, opts.limit) : runCases;
  const skippedRows = skippedRowsOf(dataset);
  return { data, fingerprint, datasetPath, built, runCases, cases, ...(skippedRows ? { skippedRows } : {}) };
}

/** Which models and baselines this invocation runs (--models); unknown names are an error naming the choices. */
export function selectVariants(
  config: EvalConfig,
  only: readonly string[] | undefined,
): { models: ModelConfig[]; baselines: string[] } {
  const allBaselines = config.baselines; // the config fills the form's default list
  const wanted = only?.length ? new Set(only.map((s) => s.trim()).filter(Boolean)) : null;
  if (!wanted) return { models: config.models, baselines: allBaselines };
  const known = new Set([
    ...config.models.map((m) => m.id),
    ...allBaselines.flatMap((n) => [n, `baseline:${n}`]),
  ]);
  const unknown = [...wanted].filter((w) => !known.has(w));
  if (unknown.length)
    throw new Error(
      `--models names ${unknown.map((u) => `"${u}"`).join(', ')}, not in the config (models: ${config.models.map((m) => m.id).join(', ') || 'none'}; baselines: ${allBaselines.join(', ')})`,
    );
  return {
    models: config.models.filter((m) => wanted.has(m.id)),
    baselines: allBaselines.filter((n) => wanted.has(n) || wanted.has(`baseline:${n}`)),
  };
}

/** The baselines, fitted on the training side of the split only. */
export function baselineVariants(
  names: readonly string[],
  data: Interactions,
  trainMask: Uint8Array,
  task: EvalConfig['task'],
): RunVariant[] {
  if (!names.length) return [];
  const fitted = fitBaselines(
    [...names],
    data,
    trainMask,
    { form: task.form, seed: task.seed, likeThreshold: task.likeThreshold, topShare: task.topShare },
    { scale: data.scale },
  );
  return fitted.map((p) => ({
    id: p.id,
    kind: 'baseline',
    predictor: p,
    model: p.id,
    template: null,
    samples: 1,
    pool: LOCAL_POOL,
  }));
}

export interface LoadedTemplate {
  ref: string;
  parsed: ParsedPrompt;
  name: string;
}

/** The templates the config names (the form's built-in one by default), checked: an error stops the run. */
export function loadTemplates(config: EvalConfig, configDir: string): LoadedTemplate[] {
  const refs = config.prompts ?? [`builtin:${config.task.form}`];
  return refs.map((ref) => {
    const parsed = loadPromptTemplate(ref, configDir);
    const diagnostics = [...parsed.diagnostics, ...analyzePrompt(parsed)];
    if (hasErrors(diagnostics)) throw new PromptError(parsed.file, diagnostics);
    const name = parsed.frontMatter.name ?? path.basename(ref).replace(/\.prompt$/, '');
    return { ref, parsed, name };
  });
}

/** An LLM variant with what the estimate needs about it. */
export interface LlmVariantPlan {
  variant: RunVariant;
  /** Mean prompt tokens of a sample of rendered cases. */
  promptTokensPerUnit: number;
  answerTokens: number;
  reasoningTokens: number;
}

/** Templates × models: one variant each, with its predictor, renderer, pool, limits, price and token counts. */
export async function llmVariants(args: {
  config: EvalConfig;
  models: readonly ModelConfig[];
  templates: readonly LoadedTemplate[];
  data: Interactions;
  cases: CaseList;
  root: string;
  opts: Pick<PrepareOptions, 'getApiKey' | 'createLlm' | 'onRetry' | 'priceOverrides' | 'tokenizer'>;
  /** Things a user should know are added here. */
  warnings: string[];
}): Promise<LlmVariantPlan[]> {
  const { config, models, templates, data, cases, opts, warnings } = args;
  if (!models.length) return [];
  const task = config.task;
  const renderInfo: PromptRenderInfo = {
    dataset: { name: data.name, kind: data.kind, scale: data.scale },
    task: { likeThreshold: task.likeThreshold, topShare: task.topShare, k: task.k, probe: task.probe },
  };
  // Keys first: a missing one is reported before anything is loaded or sent.
  const keys = new Map<string, string | undefined>();
  for (const m of models) {
    // No base URL: no key to look up; binding the entry reports what is missing.
    const base = baseUrlOf(m);
    keys.set(m.id, base ? await opts.getApiKey(m, originOf(base)) : undefined);
  }
  const createLlm = opts.createLlm ?? (await llmFactory(opts.onRetry));
  // A sample of rendered prompts sizes the estimate (rendering every case up front would cost time).
  const sample = [...firstCases(cases, 50)];
  const answerTokens = expectedAnswerTokens(task.form, candidatesOf(task));
  const out: LlmVariantPlan[] = [];
  for (const m of models) {
    const llm = await createLlm({
      model: m,
      config,
      cacheDir: path.join(args.root, 'cache'),
      apiKey: keys.get(m.id),
      priceOverrides: opts.priceOverrides,
    });
    let countTokens = llm.countTokens;
    if (!countTokens && opts.tokenizer === false) countTokens = roughTokenCount;
    else if (!countTokens) {
      const tokenizer = await loadChatTokenizer(m.model);
      countTokens = (msgs: ChatMessage[]) => tokenizer.count(msgs).total;
    }
    for (const t of templates) {
      const render = (tc: TestCase): ChatMessage[] =>
        renderVariables(t.parsed, buildPromptVariables(tc, renderInfo));
      const templateParams = t.parsed.frontMatter.params ?? {};
      // The model's params win over the template's (as the binding merges them).
      const params = { ...templateParams, ...(m.params ?? {}) } as Record<string, unknown>;
      const reasoning = reasoningReserve(m.model, params, answerTokens);
      const temperature = m.params?.temperature ?? templateParams.temperature;
      if (config.run.samples > 1 && temperature === 0)
        warnings.push(
          `run.samples is ${config.run.samples} but ${t.name}×${m.id} runs at temperature 0: its samples will be (nearly) identical; raise the temperature or use samples: 1`,
        );
      let promptTokens = 0;
      for (const tc of sample) promptTokens += countTokens(render(tc));
      out.push({
        variant: {
          id: `${t.name}×${m.id}`,
          kind: 'llm',
          predictor: llm.forTemplate(templateParams),
          model: m.id,
          template: t.name,
          samples: config.run.samples,
          render,
          pool: llm.origin,
          concurrency: m.concurrency,
          rpm: m.rpm,
          tpm: m.tpm,
          cost: llm.cost,
          countTokens,
          expectedOutputTokens: answerTokens + reasoning,
        },
        promptTokensPerUnit: sample.length ? promptTokens / sample.length : 0,
        answerTokens,
        reasoningTokens: reasoning,
      });
    }
  }
  return out;
}

/** About 4 characters a token, and 4 tokens of overhead a message (when no tokenizer is loaded). */
function roughTokenCount(messages: ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += m.content.length;
  return Math.ceil(n / 4) + 4 * messages.length;
}

/** What is left to send and what it may cost, with the warnings a user should read before it starts. */
export function estimateRun(
  config: EvalConfig,
  baselines: readonly RunVariant[],
  llms: readonly LlmVariantPlan[],
  cases: number,
  done: ReadonlyMap<string, number>,
): { estimate: RunEstimate; warnings: string[] } {
  const estimate = emptyEstimate();
  for (const v of baselines)
    addToEstimate(estimate, { kind: 'baseline', model: v.model, units: cases, done: done.get(v.id) ?? 0 });
  for (const p of llms) {
    const v = p.variant;
    addToEstimate(estimate, {
      kind: 'llm',
      model: v.model,
      units: cases * v.samples,
      done: done.get(v.id) ?? 0,
      promptTokensPerUnit: p.promptTokensPerUnit,
      answerTokens: p.answerTokens,
      reasoningTokens: p.reasoningTokens,
      ...(v.cost ? { cost: v.cost } : {}),
    });
  }
  const warnings: string[] = [];
  const budget = config.run.budgetUsd;
  if (budget !== undefined && estimate.costUsd !== null && estimate.costUsd > budget)
    warnings.push(
      `the estimated cost ($${estimate.costUsd.toFixed(2)}) is above run.budgetUsd ($${budget}): the run will stop at the budget`,
    );
  if (estimate.unpriced.length) {
    warnings.push(
      `no price known for ${estimate.unpriced.join(', ')}: their cost is not counted${budget !== undefined ? ' and the budget cannot bound them' : ''} (set "price" on the model)`,
    );
    const llmModels = new Set(llms.map((p) => p.variant.model));
    if (estimate.unpriced.length === llmModels.size) estimate.costUsd = null;
  }
  return { estimate, warnings };
}

/** The manifest of the run: the effective config (defaults filled, see config.ts), data, variants, versions. */
export function buildManifest(args: {
  runId: string;
  config: EvalConfig;
  configFile: string;
  configHash: string;
  runKeyHash: string;
  loaded: LoadedCases;
  variants: readonly RunVariant[];
  /** Models without a price (the estimate's `unpriced`): the run's cost is unknown. */
  unpricedModels: string[];
  /** A shard run: its slice and the run key of the whole eval. */
  shard?: ShardSpec & { wholeRunKeyHash: string };
}): OpenRunStoreOptions['manifest'] {
  const { config, loaded } = args;
  return {
    format: 1,
    id: args.runId,
    name: config.name,
    configFile: args.configFile,
    config: effectiveConfig(config),
    configHash: args.configHash,
    runKeyHash: args.runKeyHash,
    engineVersion: ENGINE_VERSION,
    openaiVersion: openaiVersion(),
    node: process.version,
    dataset: {
      name: loaded.data.name,
      path: loaded.datasetPath,
      fingerprint: loaded.fingerprint,
      form: config.task.form,
      scale: loaded.data.scale,
    },
    variants: args.variants.map((v) => ({
      id: v.id,
      kind: v.kind,
      model: v.model,
      template: v.template,
      samples: v.kind === 'baseline' ? 1 : v.samples,
      ...(v.kind === 'llm' ? { origin: v.pool } : {}),
    })),
    cases: loaded.runCases.length,
    casesVersion: CASES_VERSION,
    split: {
      kind: loaded.built.split,
      ...(loaded.built.cutoff !== undefined ? { cutoff: loaded.built.cutoff } : {}),
    },
    ...(loaded.skippedRows ? { skippedRows: loaded.skippedRows } : {}),
    unpricedModels: args.unpricedModels,
    ...(args.shard
      ? {
          shard: {
            index: args.shard.index,
            count: args.shard.count,
            casesOfAll: loaded.built.list.length,
            runKeyHash: args.shard.wholeRunKeyHash,
          },
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The recipe

export async function prepareEval(configFile: string, opts: PrepareOptions): Promise<PreparedEval> {
  const loaded = await loadConfig(configFile);
  opts.signal?.throwIfAborted();
  const config = applyOverrides(loaded.config, loaded.file, opts);
  const task = config.task;
  // The run id first: a run another process is writing is refused before any data is loaded.
  const run = chooseRun(opts.root, config, loaded.dir, Boolean(opts.fresh), opts.shard, opts.resume);
  const data = await loadCases(config, loaded.dir, opts);
  opts.signal?.throwIfAborted();
  const { cases } = data;
  const selected = selectVariants(config, opts.only);
  const variants = baselineVariants(selected.baselines, data.data, data.built.trainMask, task);
  const baselines = [...variants];
  const templates = selected.models.length ? loadTemplates(config, loaded.dir) : [];
  const llmWarnings: string[] = [];
  const llms = await llmVariants({
    config,
    models: selected.models,
    templates,
    data: data.data,
    cases,
    root: opts.root,
    opts,
    warnings: llmWarnings,
  });
  opts.signal?.throwIfAborted();
  variants.push(...llms.map((p) => p.variant));
  if (!variants.length) throw new Error('nothing to run: no model and no baseline selected');
  // A resume estimates only what is left: units with a final line in the run being continued are not counted.
  const done = await finishedUnits(path.join(runsDir(opts.root), run.runId, RUN_RESULTS_FILE), cases);
  const { estimate, warnings: costWarnings } = estimateRun(config, baselines, llms, cases.length, done);
  // Never silent: the same count and first rows as `ubp stats`, in the warnings and the manifest.
  const skipped = data.skippedRows ? [skippedRowsWarning(data.skippedRows).join('\n')] : [];
  // Recency orders by release year: over data with none (Last.fm's artists) every candidate ties and it is the
  // random baseline under another name, which a reader of its figures must know.
  const yearless =
    selected.baselines.includes('recency') && !data.data.items.some((it) => it.year !== undefined)
      ? [
          `baseline recency: no item of ${data.data.name} has a release year, so it orders the candidates as random does (its figures are random's, not a release-year cue's)`,
        ]
      : [];
  const warnings = [...skipped, ...yearless, ...llmWarnings, ...costWarnings];
  const manifest = buildManifest({
    runId: run.runId,
    config,
    configFile: loaded.file,
    configHash: run.configHash,
    runKeyHash: run.runKeyHash,
    loaded: data,
    variants,
    unpricedModels: estimate.unpriced,
    ...(opts.shard ? { shard: { ...opts.shard, wholeRunKeyHash: run.wholeRunKeyHash } } : {}),
  });
  const candidates = candidatesOf(task);

  const openStore = (): Promise<RunStore> =>
    openRunStore({ root: opts.root, runId: run.runId, manifest, tool: opts.tool });
  return {
    config,
    configFile: loaded.file,
    configHash: run.configHash,
    runKeyHash: run.runKeyHash,
    data: data.data,
    fingerprint: data.fingerprint,
    cases,
    caseCount: data.runCases.length,
    trainMask: data.built.trainMask,
    split: data.built.split,
    variants,
    runId: run.runId,
    estimate,
    manifest,
    warnings,
    openStore,
    async start(o = {}) {
      const store = await openStore();
      // Units in a provider batch not imported yet are never sent interactively (no double spending).
      const inBatches = openBatchUnits(store.dir);
      const handle = runEval({
        store,
        cases,
        variants,
        scoring: { scale: data.data.scale, k: task.k, ...(candidates !== undefined ? { candidates } : {}) },
        concurrency: config.run.concurrency,
        budgetUsd: config.run.budgetUsd,
        ...(inBatches.size ? { skip: inBatches } : {}),
        ...o,
      });
      // The response cache appends in the background: make sure its lines are on disk when the run is done.
      const done = handle.done.then(async (summary) => {
        if (selected.models.length) await flushResponseCaches();
        return summary;
      });
      return { ...handle, done, [Symbol.asyncIterator]: () => handle[Symbol.asyncIterator]() };
    },
  };
}
