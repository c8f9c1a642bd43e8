// Summary statistics of a loaded dataset: what `ubp stats` prints and the extension's statistics panel shows.
import type { FeedbackKind, Interactions, ValueScale, DatasetFormat } from '../types';

export interface HistogramBin {
  /** "4.5" for a rating; "8–15" for a range of counts. */
  label: string;
  /** Inclusive bounds. */
  from: number;
  to: number;
  count: number;
}

export interface Quantiles {
  min: number;
  p10: number;
  p25: number;
  median: number;
  p75: number;
  p90: number;
  max: number;
  mean: number;
}

export interface PopularItem {
  item: string;
  title: string;
  /** Interactions with the item. */
  count: number;
  /** count / interactions. */
  share: number;
}

export interface DatasetStats {
  name: string;
  format: DatasetFormat;
  kind: FeedbackKind;
  users: number;
  /** Items with at least one interaction. */
  items: number;
  interactions: number;
  /** interactions / (users × items). */
  density: number;
  scale: ValueScale | null;
  values: { min: number; max: number; mean: number; histogram: HistogramBin[] };
  /** Interactions per user. */
  historyLength: Quantiles;
  /** Interactions per item. */
  itemPopularity: Quantiles;
  /** First and last timestamp (Unix seconds and ISO), null without timestamps. */
  timeSpan: { first: number; last: number; firstIso: string; lastIso: string; days: number } | null;
  /** The most interacted-with items, most first. */
  popular: PopularItem[];
}

/** Quantiles of integer counts (nearest-rank). */
function quantiles(counts: Int32Array): Quantiles {
  if (counts.length === 0) return { min: 0, p10: 0, p25: 0, median: 0, p75: 0, p90: 0, max: 0, mean: 0 };
  const s = Int32Array.from(counts).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  let sum = 0;
  for (const c of s) sum += c;
  return {
    min: s[0],
    p10: q(0.1),
    p25: q(0.25),
    median: q(0.5),
    p75: q(0.75),
    p90: q(0.9),
    max: s[s.length - 1],
    mean: sum / s.length,
  };
}

function valueHistogram(data: Interactions): HistogramBin[] {
  const { value, n, scale } = data;
  if (scale && scale.step > 0 && (scale.max - scale.min) / scale.step <= 200) {
    const bins = Math.round((scale.max - scale.min) / scale.step) + 1;
    const counts = new Float64Array(bins);
    for (let i = 0; i < n; i++) {
      const k = Math.round((value[i] - scale.min) / scale.step);
      if (k >= 0 && k < bins) counts[k]++;
    }
    return Array.from(counts, (count, k) => {
      const v = +(scale.min + k * scale.step).toFixed(10);
      return { label: String(v), from: v, to: v, count };
    });
  }
  // Counts (plays): powers of two, 1, 2–3, 4–7, …; a bin for zero when there are zeros.
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = value[i];
    const k = v < 1 ? -1 : Math.floor(Math.log2(v));
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, count]) => {
      if (k < 0) return { label: '<1', from: 0, to: 1, count };
      const from = 2 ** k;
      const to = 2 ** (k + 1) - 1;
      return { label: from === to ? String(from) : `${from}–${to}`, from, to, count };
    });
}

export function datasetStats(data: Interactions, topK = 10): DatasetStats {
  const { n, user, item, value, time } = data;
  const perUser = new Int32Array(data.userIds.length);
  const perItem = new Int32Array(data.itemIds.length);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    perUser[user[i]]++;
    perItem[item[i]]++;
    const v = value[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const users = perUser.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
  const items = perItem.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
  let timeSpan: DatasetStats['timeSpan'] = null;
  if (time && n > 0) {
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < n; i++) {
      if (time[i] < first) first = time[i];
      if (time[i] > last) last = time[i];
    }
    const iso = (s: number) => new Date(s * 1000).toISOString();
    timeSpan = { first, last, firstIso: iso(first), lastIso: iso(last), days: (last - first) / 86400 };
  }
  const order = Array.from(perItem.keys())
    .filter((k) => perItem[k] > 0)
    .sort((a, b) => perItem[b] - perItem[a] || a - b)
    .slice(0, topK);
  return {
    name: data.name,
    format: data.format,
    kind: data.kind,
    users,
    items,
    interactions: n,
    density: users && items ? n / (users * items) : 0,
    scale: data.scale,
    values: { min: n ? min : 0, max: n ? max : 0, mean: n ? sum / n : 0, histogram: valueHistogram(data) },
    historyLength: quantiles(perUser.filter((c) => c > 0)),
    itemPopularity: quantiles(perItem.filter((c) => c > 0)),
    timeSpan,
    popular: order.map((k) => ({
      item: data.itemIds[k],
      title: data.items[k]?.title ?? data.itemIds[k],
      count: perItem[k],
      share: perItem[k] / n,
    })),
  };
}
