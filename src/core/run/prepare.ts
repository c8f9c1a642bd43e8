// The high-level entry both front ends call: from a config file to everything a run needs (config, data, cases,
// templates, fitted baselines, LLM predictors, the run id and a cost estimate), then `start()` opens the store and
// runs. API keys come from the front end through `getApiKey` (CLI: an environment variable; VS Code:
// SecretStorage); none is ever written anywhere.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson } from '../canonicalJson';
import { skippedRowsOf, skippedRowsWarning } from '../dataset/errors';
import {
  BASELINES_BY_FORM,
  DEFAULT_CANDIDATES,
  configHash,
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
import { buildCases, CASES_VERSION } from '../tasks';
import type { ChatMessage, Interactions, TestCase } from '../types';
import { ENGINE_VERSION } from '../version';
import { openBatchUnits } from '../batch/state';
import { LOCAL_POOL, runEval, type RunEvalOptions, type RunHandle, type RunVariant } from './runner';
import { lockHolder, RunLockedError } from './lock';
import {
  chooseRunId,
  openRunStore,
  RUN_LOCK_FILE,
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
  /** Start a fresh run instead of resuming the latest one of this config. */
  fresh?: boolean;
  /** The API key of an LLM entry, by the front end (never stored). Undefined: no key (local servers). */
  getApiKey: (model: ModelConfig, origin: string) => string | undefined | Promise<string | undefined>;
  /** The folder holding media/datasets (the extension's folder); found from this module when absent. */
  packageRoot?: string;
  /** Prices by model name overriding the default table (the VS Code setting `ubp.prices`). */
  priceOverrides?: Readonly<Record<string, { inputPerMTok: number; outputPerMTok: number }>>;
  /** Names the writer in the run lock ("ubp run", "VS Code"). */
  tool?: string;
  /** Builds LLM predictors (tests pass fakes). Default: the OpenAI-compatible client. */
  createLlm?: LlmFactory;
  /** Told about every failed request that will be retried (for a request log). */
  onRetry?: RetryListener;
}

export interface RunEstimate {
  /** Units still to run (case × variant × sample), before resume skips finished ones. */
  units: number;
  llmRequests: number;
  promptTokens: number;
  completionTokens: number;
  /** USD; null when some model has no known price. */
  costUsd: number | null;
  /** Models without a price (their cost is not counted and the budget cannot bound them). */
  unpriced: string[];
}

export interface PreparedEval {
  config: EvalConfig;
  configFile: string;
  configHash: string;
  runKeyHash: string;
  data: Interactions;
  fingerprint: string;
  /** The cases this invocation runs (after --limit). */
  cases: TestCase[];
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
  start(options?: Partial<Pick<RunEvalOptions, 'signal' | 'progressIntervalMs'>>): Promise<RunHandle>;
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

export async function prepareEval(configFile: string, opts: PrepareOptions): Promise<PreparedEval> {
  const loaded = await loadConfig(configFile);
  let config = loaded.config;
  if (opts.addModels?.length) {
    const taken = new Set(config.models.map((m) => m.id));
    const added = opts.addModels.map((m) => {
      let id = m.id;
      for (let n = 2; taken.has(id); n++) id = `${m.id}-${n}`;
      taken.add(id);
      return { ...m, id };
    });
    config = parseConfig(
      JSON.stringify({ ...config, models: [...config.models, ...added] }),
      `${loaded.file} (with models from the command line)`,
    );
  }
  if (opts.concurrency !== undefined)
    config = { ...config, run: { ...config.run, concurrency: opts.concurrency } };
  if (opts.cache !== undefined) config = { ...config, run: { ...config.run, cache: opts.cache } };
  const warnings: string[] = [];
  const task = config.task;

  // The run id first: a run another process is writing is refused before any data is loaded.
  const hash = configHash(config);
  const keyHash = runKeyHash(config, templateHashesOf(config, loaded.dir));
  const base = `${runSlug(config.name)}-${keyHash.slice(0, 8)}`;
  const runId = chooseRunId(opts.root, base, Boolean(opts.fresh));
  const lockFile = path.join(runsDir(opts.root), runId, RUN_LOCK_FILE);
  const holder = lockHolder(lockFile);
  if (holder) throw new RunLockedError(lockFile, holder);

  // Data and cases.
  const datasetPath = config.dataset.path.startsWith('bundled:')
    ? config.dataset.path
    : resolveConfigPath(config, loaded.dir, config.dataset.path);
  const dataset = await loadEvalDataset(datasetPath, config.dataset, opts.packageRoot);
  const { data, fingerprint } = dataset;
  // Never silent: the same count and first rows as `ubp stats`, in the warnings and the manifest.
  const skippedRows = skippedRowsOf(dataset);
  if (skippedRows) warnings.push(skippedRowsWarning(skippedRows).join('\n'));
  const built = buildCases(data, task);
  const caseCount = built.cases.length;
  const cases = opts.limit !== undefined ? built.cases.slice(0, opts.limit) : built.cases;
  const candidates =
    task.form === 'choice' || task.form === 'ranking'
      ? (task.candidates ?? DEFAULT_CANDIDATES[task.form])
      : undefined;

  const wanted = opts.only?.length ? new Set(opts.only.map((s) => s.trim()).filter(Boolean)) : null;
  const isWanted = (id: string, alt?: string): boolean =>
    !wanted || wanted.has(id) || (alt !== undefined && wanted.has(alt));

  // Baselines, fitted on the training side only.
  const variants: RunVariant[] = [];
  const baselineNames = (config.baselines ?? BASELINES_BY_FORM[task.form]).filter((n) =>
    isWanted(`baseline:${n}`, n),
  );
  if (baselineNames.length) {
    const fitted = fitBaselines(
      baselineNames,
      data,
      built.trainMask,
      {
        form: task.form,
        seed: task.seed,
        likeThreshold: task.likeThreshold,
        topShare: task.topShare,
      },
      { scale: data.scale },
    );
    for (const p of fitted) {
      variants.push({
        id: p.id,
        kind: 'baseline',
        predictor: p,
        model: p.id,
        template: null,
        samples: 1,
        pool: LOCAL_POOL,
      });
    }
  }

  // Templates × models.
  const models = config.models.filter((m) => isWanted(m.id));
  if (wanted) {
    const known = new Set([
      ...config.models.map((m) => m.id),
      ...(config.baselines ?? BASELINES_BY_FORM[task.form]).flatMap((n) => [n, `baseline:${n}`]),
    ]);
    const unknown = [...wanted].filter((w) => !known.has(w));
    if (unknown.length)
      throw new Error(
        `--models names ${unknown.map((u) => `"${u}"`).join(', ')}, not in the config (models: ${config.models.map((m) => m.id).join(', ') || 'none'}; baselines: ${(config.baselines ?? BASELINES_BY_FORM[task.form]).join(', ')})`,
      );
  }
  const renderInfo: PromptRenderInfo = {
    dataset: { name: data.name, kind: data.kind, scale: data.scale },
    task: { likeThreshold: task.likeThreshold, topShare: task.topShare, k: task.k },
  };
  const estimate: RunEstimate = {
    units: variants.length * cases.length,
    llmRequests: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    unpriced: [],
  };
  if (models.length) {
    const refs = config.prompts ?? [`builtin:${task.form}`];
    const templates = refs.map((ref) => {
      const parsed = loadPromptTemplate(ref, loaded.dir);
      const diagnostics = [...parsed.diagnostics, ...analyzePrompt(parsed)];
      if (hasErrors(diagnostics)) throw new PromptError(parsed.file, diagnostics);
      const name = parsed.frontMatter.name ?? path.basename(ref).replace(/\.prompt$/, '');
      return { ref, parsed, name };
    });
    // Keys first: a missing one is reported before anything is loaded or sent.
    const keys = new Map<string, string | undefined>();
    for (const m of models) {
      // No base URL: no key to look up; binding the entry reports what is missing.
      const base = baseUrlOf(m);
      keys.set(m.id, base ? await opts.getApiKey(m, originOf(base)) : undefined);
    }
    const createLlm = opts.createLlm ?? (await llmFactory(opts.onRetry));
    // A sample of rendered prompts sizes the estimate (rendering every case up front would cost time).
    const sample = cases.slice(0, Math.min(cases.length, 50));
    for (const m of models) {
      const llm = await createLlm({
        model: m,
        config,
        cacheDir: path.join(opts.root, 'cache'),
        apiKey: keys.get(m.id),
        priceOverrides: opts.priceOverrides,
      });
      let countTokens = llm.countTokens;
      if (!countTokens) {
        const tokenizer = await loadChatTokenizer(m.model);
        countTokens = (msgs: ChatMessage[]) => tokenizer.count(msgs).total;
      }
      for (const t of templates) {
        const render = (tc: TestCase): ChatMessage[] =>
          renderVariables(t.parsed, buildPromptVariables(tc, renderInfo));
        const predictor = llm.forTemplate(t.parsed.frontMatter.params ?? {});
        const samples = config.run.samples;
        const temperature = m.params?.temperature ?? t.parsed.frontMatter.params?.temperature;
        if (samples > 1 && temperature === 0)
          warnings.push(
            `run.samples is ${samples} but ${t.name}×${m.id} runs at temperature 0: its samples will be (nearly) identical; raise the temperature or use samples: 1`,
          );
        const expectedOut = expectedAnswerTokens(task.form, candidates);
        const variant: RunVariant = {
          id: `${t.name}×${m.id}`,
          kind: 'llm',
          predictor,
          model: m.id,
          template: t.name,
          samples,
          render,
          pool: llm.origin,
          concurrency: m.concurrency,
          rpm: m.rpm,
          tpm: m.tpm,
          cost: llm.cost,
          countTokens,
          expectedOutputTokens: expectedOut,
        };
        variants.push(variant);
        let promptTokens = 0;
        for (const tc of sample) promptTokens += countTokens(render(tc));
        const perCase = sample.length ? promptTokens / sample.length : 0;
        const n = cases.length * samples;
        estimate.units += n;
        estimate.llmRequests += n;
        estimate.promptTokens += Math.round(perCase * n);
        estimate.completionTokens += expectedOut * n;
        const c = llm.cost?.({ prompt: Math.round(perCase * n), completion: expectedOut * n });
        if (c === undefined) {
          if (!estimate.unpriced.includes(m.id)) estimate.unpriced.push(m.id);
        } else if (estimate.costUsd !== null) estimate.costUsd += c;
      }
    }
    const budget = config.run.budgetUsd;
    if (budget !== undefined && estimate.costUsd !== null && estimate.costUsd > budget)
      warnings.push(
        `the estimated cost ($${estimate.costUsd.toFixed(2)}) is above run.budgetUsd ($${budget}): the run will stop at the budget`,
      );
    if (estimate.unpriced.length) {
      warnings.push(
        `no price known for ${estimate.unpriced.join(', ')}: their cost is not counted${config.run.budgetUsd !== undefined ? ' and the budget cannot bound them' : ''} (set "price" on the model)`,
      );
      if (estimate.unpriced.length === models.length) estimate.costUsd = null;
    }
  }
  if (!variants.length) throw new Error('nothing to run: no model and no baseline selected');

  const manifest: OpenRunStoreOptions['manifest'] = {
    format: 1,
    id: runId,
    name: config.name,
    configFile: loaded.file,
    config,
    configHash: hash,
    runKeyHash: keyHash,
    engineVersion: ENGINE_VERSION,
    openaiVersion: openaiVersion(),
    node: process.version,
    dataset: { name: data.name, path: datasetPath, fingerprint, form: task.form, scale: data.scale },
    variants: variants.map((v) => ({
      id: v.id,
      kind: v.kind,
      model: v.model,
      template: v.template,
      samples: v.kind === 'baseline' ? 1 : v.samples,
      ...(v.kind === 'llm' ? { origin: v.pool } : {}),
    })),
    cases: caseCount,
    casesVersion: CASES_VERSION,
    split: { kind: built.split, ...(built.cutoff !== undefined ? { cutoff: built.cutoff } : {}) },
    ...(skippedRows ? { skippedRows } : {}),
    unpricedModels: estimate.unpriced,
  };

  const openStore = (): Promise<RunStore> =>
    openRunStore({ root: opts.root, runId, manifest, tool: opts.tool });
  return {
    config,
    configFile: loaded.file,
    configHash: hash,
    runKeyHash: keyHash,
    data,
    fingerprint,
    cases,
    caseCount,
    trainMask: built.trainMask,
    split: built.split,
    variants,
    runId,
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
        scoring: { scale: data.scale, k: task.k, candidates },
        concurrency: config.run.concurrency,
        budgetUsd: config.run.budgetUsd,
        ...(inBatches.size ? { skip: inBatches } : {}),
        ...o,
      });
      // The response cache appends in the background: make sure its lines are on disk when the run is done.
      const done = handle.done.then(async (summary) => {
        if (models.length) await flushResponseCaches();
        return summary;
      });
      return { ...handle, done, [Symbol.asyncIterator]: () => handle[Symbol.asyncIterator]() };
    },
  };
}
