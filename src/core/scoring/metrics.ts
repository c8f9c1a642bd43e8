// The aggregate metrics of each task form, written as functions of weighted sums ("components") of per-case
// values, so the bootstrap can resample users cheaply (see bootstrap.ts). AUC, the one metric that is not a
// function of sums, is marked `general` and computed by aggregate.ts.
import type { Outcome, TaskForm } from '../types';
import { rankingCutoffs } from './caseScore';
import type { TotalsStatistic } from './bootstrap';

export interface MetricDef {
  /** Stable key used in reports, thresholds (`ndcg@10>=0.3`) and exports. */
  key: string;
  label: string;
  higherIsBetter: boolean;
  /** One line: what it measures. */
  description: string;
  /** The metric from component totals; absent for `general` metrics. */
  stat?: TotalsStatistic;
  general?: 'auc';
}

export interface FormScoring {
  form: TaskForm;
  /** Component names; component 0 is always `n`, the summed case weight. */
  components: string[];
  /**
   * Adds one observation's components: `add(j, value)`, values NOT yet multiplied by the observation's weight.
   * `score` is the case's scoreCase output (missing answers already scored as wrong).
   */
  fill(
    score: Record<string, number>,
    add: (component: number, value: number) => void,
    observation?: { outcome: Outcome },
  ): void;
  metrics: MetricDef[];
  /** The key of the headline metric. */
  headline: string;
}

/** Number of equal-width probability bins of the expected calibration error. */
export const ECE_BINS = 10;

const ratio = (a: number, b: number) => (t: Float64Array, o: number) =>
  t[o + b] > 0 ? t[o + a] / t[o + b] : NaN;

/**
 * The effective probability of "like" of a binary answer: the stated probability, else the hard answer (1 or 0).
 * A missing answer has pred = 1 - truth (scoreCase), so it counts as confidently wrong.
 */
export function binaryScore(score: Record<string, number>): number {
  return typeof score.prob === 'number' ? score.prob : score.pred;
}

export function formScoring(form: TaskForm, k: number): FormScoring {
  switch (form) {
    case 'rating':
      return {
        form,
        components: ['n', 'absError', 'sqError', 'exact', 'within05', 'signedError'],
        fill(s, add) {
          add(0, 1);
          add(1, s.absError);
          add(2, s.sqError);
          add(3, s.exact);
          add(4, s.within05);
          add(5, s.pred - s.truth);
        },
        metrics: [
          {
            key: 'rmse',
            label: 'RMSE',
            higherIsBetter: false,
            description: 'Root mean squared error of the predicted rating',
            stat: (t, o) => (t[o] > 0 ? Math.sqrt(t[o + 2] / t[o]) : NaN),
          },
          {
            key: 'mae',
            label: 'MAE',
            higherIsBetter: false,
            description: 'Mean absolute error of the predicted rating',
            stat: ratio(1, 0),
          },
          {
            key: 'exact',
            label: 'Exact',
            higherIsBetter: true,
            description: 'Share of predictions that, rounded to the scale step, equal the true rating',
            stat: ratio(3, 0),
          },
          {
            key: 'within0.5',
            label: 'Within ½',
            higherIsBetter: true,
            description: 'Share of predictions within half a star of the true rating',
            stat: ratio(4, 0),
          },
          {
            key: 'bias',
            label: 'Bias',
            higherIsBetter: false,
            description: 'Mean signed error (prediction − truth); > 0 means ratings are overestimated',
            stat: ratio(5, 0),
          },
        ],
        headline: 'rmse',
      };
    case 'binary': {
      const bins = Array.from({ length: ECE_BINS }, (_, i) => `calib${i}`);
      return {
        form,
        components: ['n', 'correct', 'tp', 'fp', 'fn', 'brier', ...bins],
        fill(s, add) {
          add(0, 1);
          add(1, s.correct);
          add(2, s.pred === 1 && s.truth === 1 ? 1 : 0);
          add(3, s.pred === 1 && s.truth === 0 ? 1 : 0);
          add(4, s.pred === 0 && s.truth === 1 ? 1 : 0);
          const p = binaryScore(s);
          add(5, (p - s.truth) * (p - s.truth));
          add(6 + Math.min(ECE_BINS - 1, Math.floor(p * ECE_BINS)), p - s.truth);
        },
        metrics: [
          {
            key: 'accuracy',
            label: 'Accuracy',
            higherIsBetter: true,
            description: 'Share of correct like/dislike answers',
            stat: ratio(1, 0),
          },
          {
            key: 'precision',
            label: 'Precision',
            higherIsBetter: true,
            description: 'Of the predicted likes, the share the user liked',
            stat: (t, o) => (t[o + 2] + t[o + 3] > 0 ? t[o + 2] / (t[o + 2] + t[o + 3]) : NaN),
          },
          {
            key: 'recall',
            label: 'Recall',
            higherIsBetter: true,
            description: 'Of the true likes, the share predicted',
            stat: (t, o) => (t[o + 2] + t[o + 4] > 0 ? t[o + 2] / (t[o + 2] + t[o + 4]) : NaN),
          },
          {
            key: 'f1',
            label: 'F1',
            higherIsBetter: true,
            description: 'Harmonic mean of precision and recall (2TP / (2TP + FP + FN))',
            stat: (t, o) => {
              const d = 2 * t[o + 2] + t[o + 3] + t[o + 4];
              return d > 0 ? (2 * t[o + 2]) / d : NaN;
            },
          },
          {
            key: 'auc',
            label: 'AUC',
            higherIsBetter: true,
            description:
              'Probability that a liked item gets a higher probability than a disliked one (ties ½)',
            general: 'auc',
          },
          {
            key: 'brier',
            label: 'Brier',
            higherIsBetter: false,
            description: 'Mean squared error of the stated probability of "like"',
            stat: ratio(5, 0),
          },
          {
            key: 'ece',
            label: 'ECE',
            higherIsBetter: false,
            description: `Expected calibration error over ${ECE_BINS} equal-width probability bins`,
            stat: (t, o) => {
              if (!(t[o] > 0)) return NaN;
              let sum = 0;
              for (let b = 0; b < ECE_BINS; b++) sum += Math.abs(t[o + 6 + b]);
              return sum / t[o];
            },
          },
        ],
        headline: 'accuracy',
      };
    }
    case 'choice':
      return {
        form,
        components: ['n', 'correct'],
        fill(s, add) {
          add(0, 1);
          add(1, s.correct);
        },
        metrics: [
          {
            key: 'accuracy',
            label: 'Accuracy (HR@1)',
            higherIsBetter: true,
            description: 'Share of cases where the chosen candidate is the true item',
            stat: ratio(1, 0),
          },
        ],
        headline: 'accuracy',
      };
    case 'ranking': {
      const cutoffs = rankingCutoffs(k);
      const components = ['n', 'mrr', 'rank'];
      for (const c of cutoffs) components.push(`hr${c}`, `ndcg${c}`);
      const metrics: MetricDef[] = [];
      for (const c of cutoffs) {
        const hr = components.indexOf(`hr${c}`);
        const nd = components.indexOf(`ndcg${c}`);
        metrics.push(
          {
            key: `ndcg@${c}`,
            label: `NDCG@${c}`,
            higherIsBetter: true,
            description: `Normalised discounted cumulative gain of the true item in the top ${c}`,
            stat: ratio(nd, 0),
          },
          {
            key: `hr@${c}`,
            label: `HR@${c}`,
            higherIsBetter: true,
            description: `Share of cases with the true item in the top ${c}`,
            stat: ratio(hr, 0),
          },
        );
      }
      metrics.push(
        {
          key: 'mrr',
          label: 'MRR',
          higherIsBetter: true,
          description: 'Mean reciprocal rank of the true item',
          stat: ratio(1, 0),
        },
        {
          key: 'meanRank',
          label: 'Mean rank',
          higherIsBetter: false,
          description: 'Mean 1-based rank of the true item',
          stat: ratio(2, 0),
        },
      );
      return {
        form,
        components,
        fill(s, add) {
          for (let j = 0; j < components.length; j++) add(j, j === 0 ? 1 : s[components[j]]);
        },
        metrics,
        headline: `ndcg@${k}`,
      };
    }
  }
}

/** The shares of invalid and error outcomes (and of successes), as a scoring of their own. */
export function outcomeScoring(): FormScoring {
  return {
    form: 'choice',
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
        stat: ratio(1, 0),
      },
      {
        key: 'errorShare',
        label: 'Error',
        higherIsBetter: false,
        description: 'Share of requests that failed',
        stat: ratio(2, 0),
      },
      {
        key: 'successShare',
        label: 'Valid',
        higherIsBetter: true,
        description: 'Share of valid answers',
        stat: (t, o) => (t[o] > 0 ? 1 - (t[o + 1] + t[o + 2]) / t[o] : NaN),
      },
    ],
    headline: 'invalidShare',
  };
}

/**
 * The headline metric alone, on two components (the summed weight and the one per-case value it averages): what
 * breakdown buckets need, at a fraction of the full scoring's width.
 */
export function headlineScoring(form: TaskForm, k: number): FormScoring {
  const full = formScoring(form, k);
  const def = full.metrics.find((m) => m.key === full.headline)!;
  const value = form === 'rating' ? 'sqError' : form === 'ranking' ? `ndcg${k}` : 'correct';
  return {
    form,
    components: ['n', value],
    fill(s, add) {
      add(0, 1);
      add(1, s[value]);
    },
    metrics: [
      {
        ...def,
        stat: form === 'rating' ? (t, o) => (t[o] > 0 ? Math.sqrt(t[o + 1] / t[o]) : NaN) : ratio(1, 0),
      },
    ],
    headline: def.key,
  };
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
