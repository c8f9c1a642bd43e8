// Number formatting shared by the results panel's tables and charts. Missing values show as an en dash.
import type { EstimateView, Num } from '../../protocol/resultsPanel';
import { formatDate } from '../../protocol/dates';

export const DASH = '–';

/** 3 significant decimals for metrics, as `ubp report` prints them. */
export function fmt(x: Num | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : DASH;
}

export function pct(x: Num | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : DASH;
}

/** "0.812 ± 0.021" (half-width of the interval; asymmetric intervals are in the cell's tooltip). */
export function plusMinus(e: EstimateView | undefined, digits = 3): string {
  if (!e || e.value === null) return DASH;
  if (e.lo === null || e.hi === null) return fmt(e.value, digits);
  return `${fmt(e.value, digits)} ± ${((e.hi - e.lo) / 2).toFixed(digits)}`;
}

export function interval(e: EstimateView | undefined, digits = 3): string {
  if (!e || e.lo === null || e.hi === null) return '';
  return `95% CI [${fmt(e.lo, digits)}, ${fmt(e.hi, digits)}], n = ${Math.round(e.n * 100) / 100}`;
}

export function pValue(p: Num | undefined): string {
  if (typeof p !== 'number') return DASH;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}

/** USD as text; null (a model without a price) is "unknown", never "$0". */
export function usd(n: number | null): string {
  if (n === null) return 'unknown';
  if (!(n > 0)) return '$0';
  return n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

export function duration(ms: number | null): string {
  if (ms === null || !(ms >= 0)) return DASH;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function date(iso: string | null): string {
  if (!iso) return DASH;
  return formatDate(iso);
}
