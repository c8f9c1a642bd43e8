// Words for batch mode in the extension (the run's batches in the Runs tree, the choice in "Run UBP Eval", the
// Cancel Batch confirmation). No `vscode` import: unit-tested in plain Node.
import type { BatchRecord } from '../core';

/** What the engine's `batchOffer` says, as far as the choice needs it (batch mode loads on demand). */
export interface BatchOfferLike {
  models: { id: string }[];
  refused: { id: string; reason: string }[];
  costUsd: number | null;
}

/** A batch that exists at a provider (not an offline export, not one whose creation failed). */
const sent = (b: BatchRecord): boolean => b.format !== 'offline' && b.batchId !== undefined && !b.error;
/** The provider has finished with it (its answers may still wait for the import). */
const ended = (b: BatchRecord): boolean => b.terminal === true || b.importedAt !== undefined;
const totalOf = (b: BatchRecord): number => b.counts?.total || b.requests;
/** Answered requests, successfully or not (the engine's `completed` counts both). */
const doneOf = (b: BatchRecord): number => Math.min(b.counts?.completed ?? 0, totalOf(b));
const CANCELLING = new Set(['cancelling', 'canceling']);

/** Open at the provider, still running and not already being cancelled: what "Cancel Batch" can stop. */
export function isCancellable(b: BatchRecord): boolean {
  return sent(b) && !ended(b) && !CANCELLING.has(b.status);
}

/** Some batch is being cancelled at the provider (asked, not stopped yet). */
export function isCancelling(batches: readonly BatchRecord[]): boolean {
  return batches.some((b) => sent(b) && !ended(b) && CANCELLING.has(b.status));
}

/** A number in the tree's locale ("1,204"); an unknown locale falls back to the host's. */
export function formatCount(n: number, locale?: string): string {
  try {
    return n.toLocaleString(locale);
  } catch {
    return n.toLocaleString();
  }
}

export interface BatchFigures {
  /** Batches that exist at a provider, and of them the ones the provider has finished with. */
  sent: number;
  ended: number;
  /** Requests answered and requests in all, over the sent batches. */
  done: number;
  total: number;
}

export function batchFigures(batches: readonly BatchRecord[]): BatchFigures {
  const s = batches.filter(sent);
  return {
    sent: s.length,
    ended: s.filter(ended).length,
    done: s.reduce((n, b) => n + doneOf(b), 0),
    total: s.reduce((n, b) => n + totalOf(b), 0),
  };
}

/** The row of a run waiting on batches: "batch · 2 of 3 done · 1,204/2,000 requests" ("batch cancelling · …"). */
export function batchRunLabel(batches: readonly BatchRecord[], locale?: string): string {
  const f = batchFigures(batches);
  if (!f.sent) return 'batch · no batch sent';
  // The state leads: a narrow sidebar cuts the end of a row.
  const state = isCancelling(batches) ? 'batch cancelling' : 'batch';
  return `${state} · ${f.ended} of ${f.sent} done · ${formatCount(f.done, locale)}/${formatCount(f.total, locale)} requests`;
}

/** "2 batches · 120/300 answered" (open ones only; none open: how many were imported). */
export function batchProgress(batches: readonly BatchRecord[]): string {
  const all = batches.filter(sent);
  const open = all.filter((b) => !b.importedAt);
  const plural = (n: number) => `${n} batch${n === 1 ? '' : 'es'}`;
  if (!open.length) return all.length ? `${plural(all.length)} imported` : 'no batch sent';
  const total = open.reduce((s, b) => s + totalOf(b), 0);
  const done = open.reduce((s, b) => s + doneOf(b), 0);
  const states = [...new Set(open.map((b) => b.status))].join(', ');
  return `${plural(open.length)} ${states} · ${done}/${total} answered`;
}

/**
 * One line per batch for a tooltip: "p1 · gpt · batch_12: in_progress · 40/100 done, 2 failed · created …
 * · expires …". `date` formats an ISO time the way the tree does.
 */
export function batchLines(
  batches: readonly BatchRecord[],
  date: (iso: string) => string = (iso) => iso,
  locale?: string,
): string[] {
  const n = (x: number) => formatCount(x, locale);
  return batches.map((b) => {
    const head = `${b.name} · ${b.model}${b.batchId ? ` · ${b.batchId}` : ''}: ${b.status}`;
    if (b.error) return `${head} (not created: ${b.error})`;
    if (b.format === 'offline') {
      const got = b.imported
        ? ` · ${n(b.imported.lines)} imported${b.imported.notRun ? `, ${n(b.imported.notRun)} never ran` : ''}`
        : '';
      return `${head} → ${b.file ?? 'file'} · ${n(b.requests)} requests${got}`;
    }
    const c = b.counts;
    const counts = c
      ? ` · ${n(doneOf(b))}/${n(totalOf(b))} done${c.failed ? `, ${n(c.failed)} failed` : ''}`
      : ` · ${n(b.requests)} requests`;
    const when = ` · created ${date(b.createdAt)}${b.expiresAt && !ended(b) ? ` · expires ${date(b.expiresAt)}` : ''}`;
    const end = b.importedAt
      ? ` · imported${b.imported?.notRun ? ` (${n(b.imported.notRun)} never ran)` : ''}`
      : '';
    return `${head}${counts}${when}${end}`;
  });
}

/** The Cancel Batch confirmation: how many requests would not run, and that answered ones are billed. */
export function cancelPrompt(
  runName: string,
  batches: readonly BatchRecord[],
  locale?: string,
): { message: string; detail: string } | undefined {
  const open = batches.filter(isCancellable);
  if (!open.length) return undefined;
  const n = (x: number) => formatCount(x, locale);
  const total = open.reduce((s, b) => s + totalOf(b), 0);
  const done = open.reduce((s, b) => s + doneOf(b), 0);
  const plural = open.length === 1 ? 'its open batch' : `its ${open.length} open batches`;
  return {
    message: `Cancel ${plural} of "${runName}"? ${n(total - done)} of ${n(total)} requests are still pending.`,
    detail:
      `The provider stops the pending requests; they stay unanswered in the run (Resume sends them interactively). ` +
      // Requests may finish between the last poll and the cancel: those are billed too.
      (done
        ? `The ${n(done)} requests answered so far (as last checked) are billed all the same, and their answers are imported.`
        : 'Requests answered before the provider stops are billed all the same, and their answers are imported.'),
  };
}

const money = (usd: number | null): string => (usd === null ? 'cost unknown' : `est. $${usd.toFixed(4)}`);

/**
 * The two ways to run, when every model of the run can go in a provider batch; undefined when batch mode is
 * not on offer (a local server, a provider without a batch API, or baselines only). `pollSeconds`: how often
 * the Runs tree follows batches (0: only on request).
 */
export function runModeChoices(
  interactiveUsd: number | null,
  offer: BatchOfferLike,
  pollSeconds = 0,
): { mode: 'interactive' | 'batch'; label: string; detail: string }[] | undefined {
  if (!offer.models.length || offer.refused.length) return undefined;
  const follow =
    pollSeconds > 0
      ? 'the Runs tree checks them and imports the answers when they are ready.'
      : 'refresh the run in the Runs tree to import the answers.';
  return [
    {
      mode: 'interactive',
      label: `Interactive — ${money(interactiveUsd)}`,
      detail: 'One request per case now, with live progress.',
    },
    {
      mode: 'batch',
      label: `Batch (about half price, results within 24 h) — ${money(offer.costUsd)}`,
      detail: `Sent through ${offer.models.map((m) => m.id).join(', ')}'s batch API; ${follow}`,
    },
  ];
}
