// Step 1 of a run: from the store's earlier outcomes, the cases and the variants to the work queues. A unit
// (case × variant × sample) is pending unless its last line is a success or an invalid answer: an earlier error
// is asked again. Variants of one model share a gate (its concurrency cap, rate limits and fatal stop).
import { caseIdAt } from '../tasks/caseList';
import type { CaseList, Outcome } from '../types';
import { RateLimiter } from './limits';
import type { RunVariant } from './runner';
import { emptyTotals, unitKey, type RunTotals } from './store';

export interface Unit {
  caseIndex: number;
  sample: number;
}

/** Shared by every variant of one model (its templates): concurrency cap, rate limits, and the fatal stop. */
export interface ModelGate {
  /** The model id (variant.model). */
  model: string;
  pool: string;
  inFlight: number;
  cap: number;
  limiter: RateLimiter;
  /** Set on the model's first fatal error: nothing more is sent to it. */
  stopped?: string;
}

export interface VariantQueue {
  v: RunVariant;
  index: number;
  /** Pending units, as caseIndex * samples + sample. */
  pending: Int32Array;
  next: number;
  model: ModelGate;
  /** Running mean of completion tokens, for the budget projection. */
  outTokens: number;
  outSeen: number;
}

export interface RunPlan {
  queues: VariantQueue[];
  /** Outcome counts of the final state so far; tokens and spend of every earlier line. */
  totals: RunTotals;
  /** Units already final (success or invalid) before this session. */
  alreadyDone: number;
  /** Units whose last line is an error: their new line supersedes it. */
  earlierErrors: Set<string>;
  /** Pending units at the start, by kind (they are paced apart). */
  pending: { llm: number; baseline: number };
  /** Units by kind (all cases, every sample). */
  units: { llm: number; baseline: number };
  /** Units left out by `skip` (e.g. held by an open provider batch). */
  skipped: number;
}

export function planRun(
  previous: ReadonlyMap<string, Outcome>,
  spent: Partial<RunTotals>,
  cases: CaseList,
  variants: readonly RunVariant[],
  /** Unit keys not to run in this session (they stay without a line). */
  skip?: ReadonlySet<string>,
  /** Variants none of whose units run in this session (no key per unit: a million-case export needs none). */
  skipVariants?: ReadonlySet<string>,
): RunPlan {
  const totals: RunTotals = { ...emptyTotals(0), ...spent };
  const earlierErrors = new Set<string>();
  const queues: VariantQueue[] = [];
  const gates = new Map<string, ModelGate>();
  const pendingByKind = { llm: 0, baseline: 0 };
  const unitsByKind = { llm: 0, baseline: 0 };
  let alreadyDone = 0;
  let skipped = 0;
  for (const [index, v] of variants.entries()) {
    const samples = v.kind === 'baseline' ? 1 : Math.max(1, v.samples);
    const pending: number[] = [];
    const skipAll = skipVariants?.has(v.id) ?? false;
    const keyed = previous.size > 0 || (!skipAll && (skip?.size ?? 0) > 0);
    if (skipAll && !keyed) skipped += cases.length * samples;
    else
      for (let c = 0; c < cases.length; c++) {
        for (let s = 0; s < samples; s++) {
          const key = keyed ? unitKey(caseIdAt(cases, c), v.id, s) : '';
          const prev = previous.size ? previous.get(key) : undefined;
          if (prev) totals[prev]++;
          if (prev === 'error') earlierErrors.add(key);
          if (prev && prev !== 'error') alreadyDone++;
          else if (skipAll || skip?.has(key)) skipped++;
          else pending.push(c * samples + s);
        }
      }
    totals.units += cases.length * samples;
    unitsByKind[v.kind] += cases.length * samples;
    pendingByKind[v.kind] += pending.length;
    const gateKey = `${v.pool}\u0000${v.model}`;
    let gate = gates.get(gateKey);
    if (!gate) {
      gate = {
        model: v.model,
        pool: v.pool,
        inFlight: 0,
        cap: v.concurrency ?? Infinity,
        limiter: new RateLimiter(v.rpm, v.tpm),
      };
      gates.set(gateKey, gate);
    }
    queues.push({
      v: { ...v, samples },
      index,
      pending: Int32Array.from(pending),
      next: 0,
      model: gate,
      outTokens: v.expectedOutputTokens ?? 64,
      outSeen: 0,
    });
  }
  return { queues, totals, alreadyDone, earlierErrors, pending: pendingByKind, units: unitsByKind, skipped };
}

/** Groups queues by pool (the endpoint origin, or "local" for baselines): each pool has its own workers. */
export function poolsOf(queues: readonly VariantQueue[]): Map<string, VariantQueue[]> {
  const pools = new Map<string, VariantQueue[]>();
  for (const q of queues) {
    const list = pools.get(q.v.pool);
    if (list) list.push(q);
    else pools.set(q.v.pool, [q]);
  }
  return pools;
}

/**
 * The next queue a pool's worker serves, in turn: skips exhausted queues and stopped models; 'wait' when only
 * models at their concurrency cap have work; null when the pool has nothing left.
 */
export function pickQueue(list: readonly VariantQueue[], turn: { at: number }): VariantQueue | 'wait' | null {
  let blocked = false;
  for (let i = 0; i < list.length; i++) {
    const q = list[(turn.at + i) % list.length]!;
    if (q.next >= q.pending.length || q.model.stopped !== undefined) continue;
    if (q.model.inFlight >= q.model.cap) {
      blocked = true;
      continue;
    }
    turn.at = (turn.at + i + 1) % list.length;
    return q;
  }
  return blocked ? 'wait' : null;
}

/** Decodes a queue's next pending unit. */
export function unitAt(q: VariantQueue, position: number): Unit {
  const code = q.pending[position]!;
  return { caseIndex: Math.floor(code / q.v.samples), sample: code % q.v.samples };
}
