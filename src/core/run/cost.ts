// How a run's cost is stated: unknown stays unknown. A model without a price (hosted and missing from the table,
// or a local server without `price`) makes the cost null, shown as "unknown", never $0; $0 only when every model
// that answered has a price, zero included.
import { fmtUsd } from '../scoring/render';
import type { RunEstimate } from './prepare';
import type { RunManifest } from './store';

/** The manifest's cost: null when the run has a model without a price. */
export function manifestCostUsd(m: Pick<RunManifest, 'totals' | 'unpricedModels'>): number | null {
  return m.unpricedModels?.length ? null : m.totals.costUsd;
}

/** The estimate's cost in words: the priced models' sum, and the models it (and the budget) cannot bound. */
export function estimateCostText(e: Pick<RunEstimate, 'costUsd' | 'unpriced'>): string {
  // fmtUsd keeps small sums readable: a $0.0019 estimate is "~$0.00190", not "~$0.00".
  const known = e.costUsd === null ? '' : `~${fmtUsd(e.costUsd)}`;
  if (!e.unpriced.length) return known;
  const unknown = `cost unknown for ${e.unpriced.join(', ')} (no price)`;
  return known ? `${known} for the priced models; ${unknown}` : unknown;
}
