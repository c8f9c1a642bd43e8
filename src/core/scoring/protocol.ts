// The evaluation protocol a run's cases were built under (split, cut, K, negatives, probe), read from its
// manifest, with the plain-language caveats every report carries: what the baselines could see, and that choice
// and ranking metrics are sampled (Krichene & Rendle, KDD 2020).
import type { RunManifest } from '../run/store';
import { getForm, hasForm } from '../forms';
import type { TaskForm } from '../types';

/**
 * 'auto' only for runs made before the manifest recorded the resolved split; 'items' and 'file order' for the
 * memorisation probes, which hold nothing out (forms/recall.ts, forms/completion.ts).
 */
export type ReportSplit = 'temporal' | 'global' | 'random' | 'auto' | 'items' | 'file order';

export interface SampledMetrics {
  /** Candidates per case: 1 true item + K − 1 negatives. */
  K: number;
  negatives: string;
  note: string;
}

export interface RunProtocol {
  split: ReportSplit;
  /** Global split: the cut as an ISO time; null otherwise. */
  cutoff: string | null;
  /** How negatives were drawn (choice, ranking); null for forms without candidates. */
  negatives: string | null;
  /** Choice and ranking: the metrics are sampled. */
  sampledMetrics?: SampledMetrics;
  probe: boolean;
  /** One line for report headers. */
  summary: string;
  /** Caveats for the report's notes. */
  notes: string[];
}

interface TaskLike {
  split?: string;
  candidates?: number;
  negatives?: string;
  probe?: boolean;
}

export const SAMPLED_METRICS_NOTE =
  'Sampled metrics: each case ranks its true item among K − 1 sampled negatives, not the whole catalogue ' +
  '(Krichene & Rendle, KDD 2020); figures are comparable only at the same K and negatives mode.';

const SPLIT_TEXT: Record<ReportSplit, string> = {
  temporal: 'leave-last-out (temporal)',
  global: 'global temporal',
  random: 'random hold-out',
  auto: 'auto (temporal when the data has timestamps; recorded by older versions)',
  items: 'no (items sampled by popularity stratum, a memorisation probe)',
  'file order': "no (each user's first rows in file order, a memorisation probe)",
};

/** The protocol of a run, from its manifest (older manifests fall back to the config). */
export function runProtocol(manifest: RunManifest, form: TaskForm): RunProtocol {
  const task = ((manifest.config as { task?: TaskLike } | undefined)?.task ?? {}) as TaskLike;
  const recorded = manifest.split?.kind;
  const split: ReportSplit =
    recorded ??
    (task.split === 'temporal' || task.split === 'global' || task.split === 'random' ? task.split : 'auto');
  const cut = manifest.split?.cutoff;
  const cutoff = split === 'global' && cut !== undefined ? new Date(cut * 1000).toISOString() : null;
  const spec = hasForm(form) ? getForm(form).candidates : undefined;
  const candidates = Boolean(spec);
  const K = task.candidates ?? spec?.default ?? 0;
  const negatives = candidates ? (task.negatives ?? 'uniform') : null;
  const probe = Boolean(task.probe);
  const notes: string[] = [];
  if (split === 'temporal' || split === 'auto')
    notes.push(
      'Leave-last-out split: only the held-out items are kept from training, so the baselines (and the popularity ' +
        'figures) saw other users\' interactions from after the targets\' time. Use "split": "global" for baselines that never see the future.',
    );
  else if (split === 'random')
    notes.push(
      "Random hold-out: histories and baselines include interactions from after the targets' time (nothing orders them).",
    );
  if (negatives)
    notes.push(
      SAMPLED_METRICS_NOTE.replace('K − 1', `K − 1 = ${K - 1}`) + ` Here K = ${K}, ${negatives} negatives.`,
    );
  const summary =
    `protocol: ${SPLIT_TEXT[split]} split` +
    (cutoff ? ` at ${cutoff}` : '') +
    (negatives ? ` · K = ${K} candidates, ${negatives} negatives (sampled metrics)` : '') +
    ` · knowledge probe ${probe ? 'on (opaque ids)' : 'off'}`;
  return {
    split,
    cutoff,
    negatives,
    ...(negatives ? { sampledMetrics: { K, negatives, note: SAMPLED_METRICS_NOTE } } : {}),
    probe,
    summary,
    notes,
  };
}

/** Task settings that decide which cases a run has (the probe only changes their text). */
const CASE_FIELDS = [
  'split',
  'cutoff',
  'seed',
  'users',
  'minHistory',
  'history',
  'casesPerUser',
  'candidates',
  'negatives',
  'likeThreshold',
  'topShare',
] as const;

/**
 * Why two runs' cases may differ (another dataset, seed, split, …), as sentences; empty when they were built
 * alike. A comparison pairs only the case ids both have, and a shared id may still hold other candidates.
 */
export function caseDifferences(a: RunManifest, b: RunManifest): string[] {
  const diffs: string[] = [];
  if (a.dataset.fingerprint !== b.dataset.fingerprint)
    diffs.push(
      `dataset ${a.dataset.name} (${a.dataset.fingerprint.slice(0, 8)}) vs ${b.dataset.name} (${b.dataset.fingerprint.slice(0, 8)})`,
    );
  const ta = ((a.config as { task?: Record<string, unknown> } | undefined)?.task ?? {}) as Record<
    string,
    unknown
  >;
  const tb = ((b.config as { task?: Record<string, unknown> } | undefined)?.task ?? {}) as Record<
    string,
    unknown
  >;
  for (const f of CASE_FIELDS) {
    const x = JSON.stringify(ta[f]);
    const y = JSON.stringify(tb[f]);
    if (x !== y) diffs.push(`${f} ${x ?? 'default'} vs ${y ?? 'default'}`);
  }
  const sa = a.split?.kind;
  const sb = b.split?.kind;
  if (sa && sb && sa !== sb && !diffs.some((d) => d.startsWith('split '))) diffs.push(`split ${sa} vs ${sb}`);
  if ((a.casesVersion ?? 1) !== (b.casesVersion ?? 1))
    diffs.push(`case rules version ${a.casesVersion ?? 1} vs ${b.casesVersion ?? 1}`);
  return diffs.length
    ? [
        `The runs' cases differ (${diffs.join('; ')}): only case ids present in both are paired, and a shared id may hold other candidates or history.`,
      ]
    : [];
}
