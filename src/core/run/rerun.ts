// Re-running failed units of a finished (or cancelled) run: picks the units whose last line is invalid, error or
// (when asked) wrong, re-asks exactly those with the response cache bypassed, and appends their new lines to the
// same results.jsonl (readers take the last line of a unit, so the new answer wins). The run keeps its id and
// `startedAt`; the manifest records the re-run in `reruns`. Every other unit is left alone, even one that never
// ran (that is what resume is for).
import path from 'node:path';
import { loadConfig, type EvalConfig } from '../config';
import { getForm } from '../forms';
import { scoreResult, type ScoringContext } from '../scoring/aggregate';
import { scoringContext } from '../scoring/report';
import { StringTable } from '../scoring/columns';
import { casesWhere } from '../tasks/caseList';
import type { CaseResult, Outcome } from '../types';
import { prepareEval, type PrepareOptions } from './prepare';
import { runEval, type RunHandle } from './runner';
import { parseWithoutMessages, readResults, UnitRows } from './results';
import {
  openRunStore,
  readRunManifest,
  resolveRunDir,
  RUN_RESULTS_FILE,
  unitKey,
  withLiveStatus,
  type RerunRecord,
  type RunManifest,
  type RunStatus,
  type RunStore,
  type RunTotals,
} from './store';

/** Why a unit counts as failed: no valid answer (invalid, error), or a valid one that is wrong. */
export type FailureKind = 'invalid' | 'error' | 'wrong';
export const FAILURE_KINDS: readonly FailureKind[] = ['invalid', 'error', 'wrong'];
/** What a re-run re-asks unless told otherwise: at temperature 0 a wrong answer would only repeat. */
export const DEFAULT_RERUN_OUTCOMES: readonly FailureKind[] = ['invalid', 'error'];

/**
 * A valid answer that is wrong by its form's own per-case indicator (the form registry's `caseOutcome().hit`):
 * choice and binary not correct, a rating off by more than half a star, a ranking without the true item in the
 * top k.
 */
export function isWrongAnswer(r: CaseResult, ctx: ScoringContext): boolean {
  if (r.outcome !== 'success') return false;
  return getForm(r.expected.form).caseOutcome(scoreResult(r, ctx), ctx.k).hit === 0;
}

/** The failure kind of a result, or undefined when it is a right answer. */
export function failureOf(r: CaseResult, ctx: ScoringContext): FailureKind | undefined {
  if (r.outcome === 'invalid' || r.outcome === 'error') return r.outcome;
  return isWrongAnswer(r, ctx) ? 'wrong' : undefined;
}

/** One unit of a run: a case, a variant, a sample. */
export interface UnitRef {
  caseId: string;
  variant: string;
  sample: number;
}

export interface RerunSelection {
  /** Which failures to re-ask. Default DEFAULT_RERUN_OUTCOMES. Ignored when `units` is given. */
  outcomes?: readonly FailureKind[];
  /** Only these models or baselines (model ids, or variant ids). */
  models?: readonly string[];
  /** Exactly these units (e.g. one case from the Test Explorer), whatever their outcome. */
  units?: readonly UnitRef[];
}

/** Whether a selection picks a unit, by its latest line (the one test of selectRerunUnits and readRerunUnits). */
function rerunPicker(manifest: RunManifest, sel: RerunSelection): (r: CaseResult) => boolean {
  const models = sel.models?.length ? new Set(sel.models) : null;
  const inModels = (r: CaseResult): boolean => !models || models.has(r.model) || models.has(r.variant);
  if (sel.units) {
    const want = new Set(sel.units.map((u) => unitKey(u.caseId, u.variant, u.sample)));
    return (r) => want.has(unitKey(r.caseId, r.variant, r.sample)) && inModels(r);
  }
  const outcomes = new Set(sel.outcomes?.length ? sel.outcomes : DEFAULT_RERUN_OUTCOMES);
  const ctx = scoringContext(manifest);
  return (r) => {
    if (!inModels(r)) return false;
    const f = failureOf(r, ctx);
    return f !== undefined && outcomes.has(f);
  };
}

/** The units of a run's latest lines that a selection picks, in file order. */
export function selectRerunUnits(
  manifest: RunManifest,
  results: readonly CaseResult[],
  sel: RerunSelection = {},
): CaseResult[] {
  return results.filter(rerunPicker(manifest, sel));
}

/**
 * selectRerunUnits over a run's results file in one streaming pass, holding no result: per unit its place (the
 * first line's, as the store reads a run) and whether its last line is picked; the picked units come back in
 * that order with their model.
 */
export async function readRerunUnits(
  dir: string,
  manifest: RunManifest,
  sel: RerunSelection = {},
): Promise<(UnitRef & { model: string })[]> {
  const picks = rerunPicker(manifest, sel);
  // Per unit (in order of its first line) what a pick needs.
  const units = new UnitRows();
  const names = new StringTable();
  const grow = <T extends Int32Array | Uint8Array>(x: T): T => {
    const y = new (x.constructor as new (k: number) => T)(x.length * 2);
    y.set(x);
    return y;
  };
  let picked = new Uint8Array(1024);
  let caseIndex = new Int32Array(1024);
  let variant = new Int32Array(1024);
  let sample = new Int32Array(1024);
  let model = new Int32Array(1024);
  await readResults(path.join(dir, RUN_RESULTS_FILE), () => undefined, {
    parse: (buf, start, end) => {
      const r = parseWithoutMessages(buf, start, end);
      const u = units.rowOf(r.caseId, r.variant, r.sample);
      if (units.added) {
        if (u === picked.length) {
          [picked, caseIndex, variant, sample, model] = [
            grow(picked),
            grow(caseIndex),
            grow(variant),
            grow(sample),
            grow(model),
          ];
        }
        caseIndex[u] = units.caseIndex;
        variant[u] = names.id(r.variant);
        sample[u] = r.sample;
      }
      // The last line of a unit decides: its pick and its model.
      picked[u] = picks(r) ? 1 : 0;
      model[u] = names.id(r.model);
      return null;
    },
  });
  const caseOf = units.caseIds();
  const out: (UnitRef & { model: string })[] = [];
  for (let u = 0; u < units.count; u++)
    if (picked[u])
      out.push({
        caseId: caseOf[caseIndex[u]!]!,
        variant: names.values[variant[u]!]!,
        sample: sample[u]!,
        model: names.values[model[u]!]!,
      });
  return out;
}

export interface RerunOptions
  extends RerunSelection, Omit<PrepareOptions, 'only' | 'fresh' | 'limit' | 'cache' | 'addModels'> {}

export interface PreparedRerun {
  runId: string;
  dir: string;
  /** The units it will re-ask (empty: nothing to re-run; `start` then must not be called). */
  units: UnitRef[];
  /** Their variants, in manifest order. */
  variants: string[];
  /** Opens the run (taking its lock) and re-asks the units. */
  start(options?: { signal?: AbortSignal; progressIntervalMs?: number }): Promise<RunHandle>;
}

/**
 * Prepares a re-run of a run's chosen units (the run's folder, or its id under `opts.root`) from the run's own config file. Refuses when the config now asks
 * something else (another run key): new answers would then be mixed with old ones under the same run.
 */
export async function prepareRerun(dirOrId: string, opts: RerunOptions): Promise<PreparedRerun> {
  // The failed units are found in one streaming pass (a million results are never held as objects).
  const run = { dir: resolveRunDir(dirOrId, opts.root) };
  const manifest = withLiveStatus(run.dir, readRunManifest(run.dir));
  // A model the run has not is a typo, not "nothing to re-run".
  const names = new Set(manifest.variants.flatMap((v) => [v.model, v.id]));
  const unknown = (opts.models ?? []).filter((m) => !names.has(m));
  if (unknown.length)
    throw new Error(
      `--models names ${unknown.map((m) => `"${m}"`).join(', ')}, not in run ${manifest.id} (models: ${[
        ...new Set(manifest.variants.map((v) => v.model)),
      ].join(', ')})`,
    );
  const chosen = await readRerunUnits(run.dir, manifest, opts);
  const units = chosen.map(({ caseId, variant, sample }) => ({ caseId, variant, sample }));
  const variantIds = manifest.variants.map((v) => v.id).filter((id) => chosen.some((r) => r.variant === id));
  const base = { runId: manifest.id, dir: run.dir, units, variants: variantIds };
  if (!units.length)
    return {
      ...base,
      start: () => Promise.reject(new Error(`run ${manifest.id} has nothing to re-run`)),
    };
  if (!manifest.configFile)
    throw new Error(`run ${manifest.id} does not record its config file, so its cases cannot be asked again`);

  const models = [...new Set(chosen.map((r) => r.model))];
  // Models a run added on the command line (`ubp run --endpoint`) are in its recorded config, not in the file.
  const inFile = new Set((await loadConfig(manifest.configFile)).config.models.map((m) => m.id));
  const recorded = (manifest.config as Partial<EvalConfig> | undefined)?.models ?? [];
  const prepared = await prepareEval(manifest.configFile, {
    ...opts,
    addModels: recorded.filter((m) => !inFile.has(m.id)),
    only: models,
    // The point of a re-run is a fresh answer: the cache would hand back the same failure.
    cache: false,
  });
  if (prepared.runKeyHash !== manifest.runKeyHash)
    throw new Error(
      `${path.basename(manifest.configFile)} has changed since run ${manifest.id} (its dataset, task, models or templates): ` +
        're-asking now would mix answers to different questions; run the config again instead',
    );
  const caseIds = new Set(units.map((u) => u.caseId));
  const cases = [...casesWhere(prepared.cases, (id) => caseIds.has(id))];
  if (cases.length !== caseIds.size)
    throw new Error(
      `run ${manifest.id}: ${caseIds.size - cases.length} of the cases to re-run are not in its config's cases`,
    );
  const variants = prepared.variants.filter((v) => variantIds.includes(v.id));
  const missing = variantIds.filter((id) => !variants.some((v) => v.id === id));
  if (missing.length)
    throw new Error(`run ${manifest.id}: variants ${missing.join(', ')} are not in its config any more`);

  return {
    ...base,
    async start(o = {}) {
      const root = path.dirname(path.dirname(run.dir));
      const store = await openRunStore({
        root,
        dir: run.dir,
        runId: manifest.id,
        // The recorded config stays the run's own (this session only bypassed the cache).
        manifest: {
          ...prepared.manifest,
          id: manifest.id,
          config: manifest.config,
          configHash: manifest.configHash,
        },
        tool: opts.tool,
      });
      const record: RerunRecord = {
        at: new Date().toISOString(),
        outcomes: opts.units
          ? ['chosen']
          : [...(opts.outcomes?.length ? opts.outcomes : DEFAULT_RERUN_OUTCOMES)],
        ...(opts.models?.length ? { models: [...opts.models] } : {}),
        units: units.length,
        finished: 0,
        status: 'running',
      };
      return runEval({
        store: onlyUnits(store, units, manifest, record),
        cases,
        variants,
        scoring: { scale: prepared.data.scale, k: prepared.config.task.k },
        concurrency: prepared.config.run.concurrency,
        budgetUsd: prepared.config.run.budgetUsd,
        ...o,
      });
    },
  };
}

/**
 * The store as the runner sees it during a re-run: every unit but the chosen ones looks finished (so exactly the
 * chosen ones are asked), and the totals it writes are put right for the whole run, whose other units it never
 * looked at.
 */
function onlyUnits(store: RunStore, units: UnitRef[], before: RunManifest, record: RerunRecord): RunStore {
  const chosen = new Set(units.map((u) => unitKey(u.caseId, u.variant, u.sample)));
  const outcomes = new Map<string, Outcome>(store.previous);
  const looksDone: ReadonlyMap<string, Outcome> = {
    get: (key: string) => (chosen.has(key) ? undefined : 'success'),
    has: (key: string) => !chosen.has(key),
    size: Math.max(1, store.previous.size),
    forEach: () => {},
    entries: () => new Map<string, Outcome>().entries(),
    keys: () => new Map<string, Outcome>().keys(),
    values: () => new Map<string, Outcome>().values(),
    [Symbol.iterator]: () => new Map<string, Outcome>()[Symbol.iterator](),
  };
  const unitsOfRun = before.totals?.units ?? 0;
  const fixTotals = (t: RunTotals): RunTotals => {
    const counts = { success: 0, invalid: 0, error: 0 };
    for (const o of outcomes.values()) counts[o]++;
    return { ...t, ...counts, units: Math.max(unitsOfRun, counts.success + counts.invalid + counts.error) };
  };
  const fix = (patch: Partial<RunManifest> = {}, final = false): Partial<RunManifest> => {
    const out: Partial<RunManifest> = { ...patch, resumes: before.resumes ?? 0 };
    if (patch.totals) out.totals = fixTotals(patch.totals);
    if (final) {
      const t = out.totals ?? fixTotals(store.manifest().totals);
      const complete = t.success + t.invalid + t.error >= t.units;
      const ended: RunStatus = patch.status ?? 'done';
      // A re-run that went through leaves the run as complete as it was; one that stopped says why.
      out.status =
        ended !== 'done'
          ? ended
          : complete
            ? 'done'
            : before.status === 'running'
              ? 'cancelled'
              : before.status;
      out.reruns = [...(before.reruns ?? []), { ...record, status: ended }];
    } else out.reruns = [...(before.reruns ?? []), record];
    return out;
  };
  return {
    id: store.id,
    dir: store.dir,
    resumed: store.resumed,
    tookOverFrom: store.tookOverFrom,
    previous: looksDone,
    scan: store.scan,
    spent: store.spent,
    manifest: () => store.manifest(),
    append(result) {
      outcomes.set(unitKey(result.caseId, result.variant, result.sample), result.outcome);
      record.finished++;
      store.append(result);
    },
    flush: () => store.flush(),
    updateManifest: (patch) => store.updateManifest(fix(patch)),
    close: (patch) => store.close(fix(patch, true)),
  };
}
