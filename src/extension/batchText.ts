// Words for batch mode in the extension (the run's batches in the Runs tree, the choice in "Run UBP Eval").
// No `vscode` import: unit-tested in plain Node.
import type { BatchRecord } from '../core';

/** What the engine's `batchOffer` says, as far as the choice needs it (batch mode loads on demand). */
export interface BatchOfferLike {
  models: { id: string }[];
  refused: { id: string; reason: string }[];
  costUsd: number | null;
}

/** "2 batches · 120/300 answered" (open ones only; none open: how many were imported). */
export function batchProgress(batches: readonly BatchRecord[]): string {
  const sent = batches.filter((b) => b.batchId && !b.error);
  const open = sent.filter((b) => !b.importedAt);
  const plural = (n: number) => `${n} batch${n === 1 ? '' : 'es'}`;
  if (!open.length) return sent.length ? `${plural(sent.length)} imported` : 'no batch sent';
  const total = open.reduce((s, b) => s + (b.counts?.total ?? b.requests), 0);
  const done = open.reduce((s, b) => s + (b.counts?.completed ?? 0) + (b.counts?.failed ?? 0), 0);
  const states = [...new Set(open.map((b) => b.status))].join(', ');
  return `${plural(open.length)} ${states} · ${done}/${total} answered`;
}

/** One line per batch for a tooltip. */
export function batchLines(batches: readonly BatchRecord[]): string[] {
  return batches.map((b) => {
    const c = b.counts;
    const counts = c ? `, ${c.completed} done, ${c.failed} failed of ${c.total}` : `, ${b.requests} requests`;
    const end = b.error ? ` (not created: ${b.error})` : b.importedAt ? ' (imported)' : '';
    return `${b.name} · ${b.model}: ${b.status}${counts}${end}`;
  });
}

const money = (usd: number | null): string => (usd === null ? 'cost unknown' : `est. $${usd.toFixed(4)}`);

/**
 * The two ways to run, when every model of the run can go in a provider batch; undefined when batch mode is
 * not on offer (a local server, a provider without a batch API, or baselines only).
 */
export function runModeChoices(
  interactiveUsd: number | null,
  offer: BatchOfferLike,
): { mode: 'interactive' | 'batch'; label: string; detail: string }[] | undefined {
  if (!offer.models.length || offer.refused.length) return undefined;
  return [
    {
      mode: 'interactive',
      label: `Interactive — ${money(interactiveUsd)}`,
      detail: 'One request per case now, with live progress.',
    },
    {
      mode: 'batch',
      label: `Batch (about half price, results within 24 h) — ${money(offer.costUsd)}`,
      detail: `Sent through ${offer.models.map((m) => m.id).join(', ')}'s batch API; refresh the run in the Runs tree to import the answers.`,
    },
  ];
}
