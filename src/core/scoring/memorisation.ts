// Memorisation beside behaviour: when the runs folder of a behaviour run also holds a recall run (the recall
// form: item titles from ids) over the same data set, each model's recall rate is reported beside its
// behaviour scores with a plain-language note, so a reader knows how much of the data set the model has seen.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readRun, readRunManifest, type RunManifest } from '../run/store';
import type { CaseResult } from '../types';
import { latestResults, summariseVariant } from './aggregate';
import type { BootstrapOptions, Estimate } from './bootstrap';
import { scoringContext } from './report';

/** The form whose runs measure recall (src/core/forms/recall.ts). */
export const RECALL_FORM = 'recall';

export interface MemorisationRow {
  /** The model id, as in the behaviour run. */
  model: string;
  /** The recall run it comes from. */
  run: string;
  dataset: string;
  /** Items the model was asked about. */
  items: number;
  /** Share of item titles named exactly from their ids, with its 95% interval. */
  exact: Estimate;
  /** Mean token F1 of the named titles. */
  partial?: Estimate;
  /** Share of the recall answers that were invalid or failed (counted as not recalled). */
  failShare: number;
  /** One plain sentence for reports. */
  note: string;
}

/** Recall runs in the same runs folder as `runDir` over the same data set (same fingerprint), newest first. */
export async function siblingRecallRuns(
  runDir: string,
  manifest: RunManifest,
): Promise<{ manifest: RunManifest; results: CaseResult[] }[]> {
  if (manifest.dataset.form === RECALL_FORM) return [];
  const parent = path.dirname(path.resolve(runDir));
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const found: { manifest: RunManifest; results: CaseResult[] }[] = [];
  for (const name of names) {
    const dir = path.join(parent, name);
    if (dir === path.resolve(runDir)) continue;
    let m: RunManifest;
    try {
      m = readRunManifest(dir);
    } catch {
      continue; // not a run folder
    }
    if (m.dataset.form !== RECALL_FORM || m.dataset.fingerprint !== manifest.dataset.fingerprint) continue;
    const run = await readRun(dir);
    found.push({ manifest: run.manifest, results: run.results });
  }
  return found.sort((a, b) => b.manifest.startedAt.localeCompare(a.manifest.startedAt));
}

const pct = (x: number) => `${Math.round(100 * x)}%`;

/** What a recall rate says, in plain words. */
export function memorisationNote(row: Omit<MemorisationRow, 'note'>): string {
  const e = row.exact;
  const ci = Number.isFinite(e.lo) ? ` (95% CI ${pct(e.lo)}–${pct(e.hi)})` : '';
  const failed =
    row.failShare >= 0.05
      ? `; ${pct(row.failShare)} of its answers could not be read, so this is a lower bound`
      : '';
  const head = `${row.model} recalls ${pct(e.value)}${ci} of ${row.items} ${row.dataset} item titles from their ids (recall run ${row.run}${failed})`;
  if (e.value >= 0.2)
    return `${head}: the data set is in its training data, so its behaviour scores may rest partly on memory of the data set, not on the user's history alone.`;
  if (e.value >= 0.05)
    return `${head}: part of the data set is in its training data; read its behaviour scores with that in mind.`;
  return `${head}: little sign that it memorised the data set's item ids.`;
}

/** What a model id stood for in a run: the model name sent and the endpoint, as its config recorded them. */
function modelEntry(m: RunManifest, id: string): { model?: string; origin?: string } {
  const models = (m.config as { models?: { id?: string; model?: string }[] } | undefined)?.models ?? [];
  const entry = models.find((e) => e.id === id);
  const origin = m.variants.find((v) => v.kind === 'llm' && v.model === id)?.origin;
  return { ...(entry?.model ? { model: entry.model } : {}), ...(origin ? { origin } : {}) };
}

/** Model ids are the user's labels: "gpt" in two configs may be two models. Compared where both runs say. */
function sameModel(a: RunManifest, b: RunManifest, id: string): boolean {
  const x = modelEntry(a, id);
  const y = modelEntry(b, id);
  if (x.model && y.model && x.model !== y.model) return false;
  return !(x.origin && y.origin && x.origin !== y.origin);
}

/**
 * Each LLM model of the behaviour run that a recall run also asked: its recall rate (the newest recall run
 * holding the model wins).
 */
export function memorisationBeside(
  manifest: RunManifest,
  recallRuns: { manifest: RunManifest; results: CaseResult[] }[],
  bootstrap: BootstrapOptions = {},
): MemorisationRow[] {
  const models = [...new Set(manifest.variants.filter((v) => v.kind === 'llm').map((v) => v.model))];
  const rows: MemorisationRow[] = [];
  for (const model of models) {
    for (const run of recallRuns) {
      const variants = run.manifest.variants.filter((v) => v.kind === 'llm' && v.model === model);
      if (!variants.length || !sameModel(manifest, run.manifest, model)) continue;
      // With several recall templates, the first one the recall run lists.
      const variant = variants[0]!.id;
      const results = latestResults(run.results).filter(
        (r) => r.variant === variant && r.expected?.form === RECALL_FORM,
      );
      if (!results.length) continue;
      const ctx = { ...scoringContext(run.manifest), bootstrap };
      const summary = summariseVariant(results, ctx);
      const exact = summary.metrics.find((m) => m.key === 'exact')?.all;
      if (!exact) continue;
      const partial = summary.metrics.find((m) => m.key === 'partial')?.all;
      const base = {
        model,
        run: run.manifest.id,
        dataset: run.manifest.dataset.name,
        items: summary.counts.cases,
        exact,
        failShare: summary.invalidShare.value + summary.errorShare.value,
        ...(partial ? { partial } : {}),
      };
      rows.push({ ...base, note: memorisationNote(base) });
      break;
    }
  }
  return rows;
}
