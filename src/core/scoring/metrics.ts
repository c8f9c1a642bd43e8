// The aggregate metrics of a task form, compiled from the form's named declarations (src/core/forms) into
// weighted sums ("components") of per-case values, so the bootstrap can resample users cheaply (bootstrap.ts).
// AUC, the one metric that is not a function of sums, is marked `general` and computed by aggregate.ts.
import { getForm, type CaseScore, type FormMetric } from '../forms';
import type { Outcome, TaskForm } from '../types';
import type { TotalsStatistic } from './bootstrap';

export { ECE_BINS } from '../forms';

export interface MetricDef {
  /** Stable key used in reports, thresholds (`ndcg@10>=0.3`) and exports. */
  key: string;
  label: string;
  /** null: a signed figure with no better direction. */
  higherIsBetter: boolean | null;
  /** One line: what it measures. */
  description: string;
  /** The metric from component totals; absent for `general` metrics. */
  stat?: TotalsStatistic;
  general?: 'auc';
  /** Reported only when answers state probabilities. */
  needsProbabilities?: boolean;
  /** Computed on valid answers only, in every column. */
  validOnly?: boolean;
}

export interface FormScoring {
  form: TaskForm;
  /** Component names; component 0 is always `n`, the summed case weight. */
  components: string[];
  /** Adds one observation's components: `add(j, value)`, values NOT yet multiplied by the observation's weight. */
  fill(
    score: Record<string, number>,
    add: (component: number, value: number) => void,
    observation?: { outcome: Outcome },
  ): void;
  metrics: MetricDef[];
  /** The key of the headline metric. */
  headline: string;
}

/**
 * The effective probability of "like" of a per-case score (the AUC's input): the stated probability `prob`,
 * else the hard answer `pred` (1 or 0).
 */
export function binaryScore(score: Record<string, number>): number {
  return typeof score.prob === 'number' ? score.prob : score.pred;
}

/** Compiles named sums and metrics into components; `only` keeps the sums those metrics read. */
function compile(
  form: TaskForm,
  sums: Record<string, (s: CaseScore) => number>,
  metrics: FormMetric[],
  headline: string,
  only?: FormMetric[],
): FormScoring {
  const needed = only ? new Set(only.flatMap((m) => m.sums ?? [])) : null;
  const names = Object.keys(sums).filter((name) => !needed || needed.has(name));
  const getters = names.map((name) => sums[name]!);
  const index = new Map(names.map((name, i) => [name, i + 1]));
  const toDef = (m: FormMetric): MetricDef => {
    const def: MetricDef = {
      key: m.key,
      label: m.label,
      higherIsBetter: m.higherIsBetter,
      description: m.description,
    };
    if (m.general) def.general = m.general;
    if (m.needsProbabilities) def.needsProbabilities = true;
    if (m.validOnly) def.validOnly = true;
    if (m.value) {
      const value = m.value;
      const slots = (m.sums ?? []).map((name) => {
        const j = index.get(name);
        if (j === undefined)
          throw new Error(`metric "${m.key}" of the ${form} form reads an unknown sum "${name}"`);
        return [name, j] as const;
      });
      def.stat = (t, o) => {
        const named: Record<string, number> = { n: t[o]! };
        for (const [name, j] of slots) named[name] = t[o + j]!;
        return value(named);
      };
    }
    return def;
  };
  return {
    form,
    components: ['n', ...names],
    fill(s, add) {
      add(0, 1);
      for (let j = 0; j < getters.length; j++) add(j + 1, getters[j]!(s));
    },
    metrics: (only ?? metrics).map(toDef),
    headline,
  };
}

/** The scoring of a form: its named metrics over weighted sums of per-case values. */
export function formScoring(form: TaskForm, k: number, candidates?: number): FormScoring {
  const spec = getForm(form).scoring({ k, candidates });
  return compile(form, spec.sums, spec.metrics, spec.headline);
}

/** The shares of invalid and error outcomes (and of successes), as a scoring of their own. */
export function outcomeScoring(): FormScoring {
  const share = (t: Float64Array, o: number, j: number) => (t[o]! > 0 ? t[o + j]! / t[o]! : NaN);
  return {
    form: 'outcomes',
    components: ['n', 'invalid', 'error'],
    fill(_s, add, o) {
      add(0, 1);
      if (o?.outcome === 'invalid') add(1, 1);
      if (o?.outcome === 'error') add(2, 1);
    },
    metrics: [
      {
        key: 'invalidShare',
        label: 'Invalid',
        higherIsBetter: false,
        description: 'Share of answers that could not be parsed',
        stat: (t, o) => share(t, o, 1),
      },
      {
        key: 'errorShare',
        label: 'Error',
        higherIsBetter: false,
        description: 'Share of requests that failed',
        stat: (t, o) => share(t, o, 2),
      },
      {
        key: 'successShare',
        label: 'Valid',
        higherIsBetter: true,
        description: 'Share of valid answers',
        stat: (t, o) => (t[o]! > 0 ? 1 - (t[o + 1]! + t[o + 2]!) / t[o]! : NaN),
      },
    ],
    headline: 'invalidShare',
  };
}

/**
 * The headline metric alone, on the sums it reads: what breakdown buckets need, at a fraction of the full
 * scoring's width.
 */
export function headlineScoring(form: TaskForm, k: number, candidates?: number): FormScoring {
  const spec = getForm(form).scoring({ k, candidates });
  const def = spec.metrics.find((m) => m.key === spec.headline);
  if (!def) throw new Error(`the ${form} form's headline "${spec.headline}" is not one of its metrics`);
  return compile(form, spec.sums, spec.metrics, spec.headline, [def]);
}

/** Normalises a metric name as a user writes it: case-insensitive, `ndcg10` = `ndcg@10`, `within05` = `within0.5`. */
export function normaliseMetricKey(name: string): string {
  const s = name.trim().toLowerCase();
  const m = /^(ndcg|hr)@?(\d+)$/.exec(s);
  if (m) return `${m[1]}@${m[2]}`;
  if (s === 'within05' || s === 'within0.5' || s === 'within_0.5') return 'within0.5';
  if (s === 'meanrank' || s === 'mean_rank') return 'meanRank';
  if (s === 'hr1' || s === 'acc') return s === 'acc' ? 'accuracy' : 'hr@1';
  if (s === 'invalid' || s === 'invalidshare') return 'invalidShare';
  if (s === 'error' || s === 'errorshare') return 'errorShare';
  return s;
}
