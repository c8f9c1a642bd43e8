// From Interactions and the task config to test cases: sample users, hold out items (temporal or random split),
// build the history shown, the candidates (forms that show them) and the expected answer (the form builds it). Every random
// choice comes from a stream keyed by (seed, purpose, user or case), so the same config gives byte-identical
// cases and a prefix of the list does not depend on its length.
import type { TaskConfig } from '../config';
import { candidateLabel, getForm, type OwnCases, type TaskFormDef } from '../forms';
import type { CaseList, Interactions, TestCase } from '../types';
import { CompactCases, type CompactCase } from './caseList';
import { NegativeSampler } from './negatives';
import { opaqueItemNames } from './probe';
import { Rng } from './random';
import { buildUserIndex, itemCounts, userRows, type UserIndex } from './user-index';

/** The task cannot be built on this dataset (e.g. a temporal split without timestamps). */
export class TaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskError';
  }
}

/** temporal = leave-last-out per user; global = one time cut for everyone; random = seeded hold-out. */
export type SplitKind = 'temporal' | 'global' | 'random';

/**
 * Version of the case-building rules. A run records it in its manifest and a resume refuses a run built under
 * another version (its cases would differ). 2: seeded same-second tie-break, global split, negatives that
 * existed strictly before the target in every timed split.
 */
export const CASES_VERSION = 2;

/** The global split's default cut: the time below which 90% of the interactions lie. */
export const DEFAULT_CUTOFF = 0.9;

export interface BuiltCases {
  /**
   * In sample order: users in their seeded order, each user's cases oldest target first. Held compactly: each
   * case is built when asked for (a million cases fit in bounded memory; see caseList.ts).
   */
  list: CaseList;
  /** The same cases as one array, made on first use (small evals, tests; avoid at scale). */
  readonly cases: TestCase[];
  /** Per row: 1 = usable for fitting baselines, 0 = a held-out target. */
  trainMask: Uint8Array;
  /** The split, or how a form that builds its own cases drew them. */
  split: SplitKind | OwnCases['split'];
  /** Users with at least minHistory + casesPerUser interactions (the pool users are sampled from). */
  eligibleUsers: number;
  /** Users the cases come from (min(users, eligible) unless some had to be passed over). */
  sampledUsers: number;
  /** Sampled users passed over because a case lacked negatives that existed at its time (timed splits). */
  skippedUsers: number;
  /** Global split: the cut in Unix seconds (histories and baselines see only interactions before it). */
  cutoff?: number;
}

export { candidateLabel };

/** One case as one JSONL line (keys in a fixed order, so equal cases give equal bytes). */
export function caseToJson(c: TestCase): string {
  return JSON.stringify(c);
}

/** The split a task uses on a dataset ("auto": temporal when the data has timestamps). */
export function resolveSplit(data: Interactions, task: TaskConfig): SplitKind {
  if ((task.split === 'temporal' || task.split === 'global') && !data.time)
    throw new TaskError(
      `task.split is "${task.split}" but ${data.name} has no timestamps; use "random" or "auto" (random hold-out)`,
    );
  return task.split === 'auto' ? (data.time ? 'temporal' : 'random') : task.split;
}

/**
 * The global split's cut in Unix seconds: an ISO date as given, or for a share c in (0, 1) the timestamp below
 * which the share c of all interactions lies (the value at rank floor(c·n) of the sorted times).
 */
export function resolveCutoff(data: Interactions, cutoff: number | string | undefined): number {
  const time = data.time;
  if (!time) throw new TaskError(`the global split needs timestamps, and ${data.name} has none`);
  const c = cutoff ?? DEFAULT_CUTOFF;
  if (typeof c === 'string') {
    const ms = Date.parse(c);
    if (!Number.isFinite(ms)) throw new TaskError(`task.cutoff "${c}" is not a date`);
    return ms / 1000;
  }
  const sorted = Float64Array.from(time).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(c * sorted.length))];
}

/**
 * A user's rows in time order with each same-timestamp group in a seeded order (not file order, which in
 * MovieLens sorts a same-second group by movieId): the held-out item of a tie is then a seeded choice. A view of
 * the index when the user has no ties (nothing to reorder).
 */
export function tieOrderedRows(data: Interactions, index: UserIndex, u: number, seed: number): Int32Array {
  const rows = userRows(index, u);
  const time = data.time;
  if (!time) return rows;
  let ties = false;
  for (let i = 1; i < rows.length && !ties; i++) ties = time[rows[i]] === time[rows[i - 1]];
  if (!ties) return rows;
  const out = rows.slice();
  const rng = Rng.of(seed, 'ties', data.userIds[u]);
  for (let from = 0; from < out.length;) {
    let to = from + 1;
    while (to < out.length && time[out[to]] === time[out[from]]) to++;
    if (to - from > 1) rng.shuffle(out.subarray(from, to));
    from = to;
  }
  return out;
}

/** Number of leading rows (time-ordered) strictly before `cut`. */
function countBefore(time: Float64Array, rows: Int32Array, cut: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[rows[mid]] < cut) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkTask(data: Interactions, task: TaskConfig, form: TaskFormDef, k: number): void {
  const problem = form.checkData?.(data, task);
  if (problem) throw new TaskError(problem);
  if (form.candidates && k > data.itemIds.length)
    throw new TaskError(`task.candidates is ${k} but ${data.name} has only ${data.itemIds.length} items`);
}

export interface BuildOptions {
  /** A per-user index already built for this dataset (saves rebuilding it). */
  index?: UserIndex;
}

export function buildCases(data: Interactions, task: TaskConfig, options: BuildOptions = {}): BuiltCases {
  const formDef = getForm(task.form);
  // K candidates for a form that shows them (1 true item + K-1 negatives); 0 otherwise.
  const k = formDef.candidates ? (task.candidates ?? formDef.candidates.default) : 0;
  checkTask(data, task, formDef, k);
  if (formDef.buildCases) {
    // A memorisation probe: no split, nothing held out, so every interaction is on the training side.
    const { cases, ...own } = formDef.buildCases(data, task);
    return { ...own, list: cases, cases, trainMask: new Uint8Array(data.n).fill(1), skippedUsers: 0 };
  }
  const split = resolveSplit(data, task);
  const index = options.index ?? buildUserIndex(data);
  const perUser = task.casesPerUser;
  const need = task.minHistory + perUser;
  const time = data.time;
  const cut = split === 'global' ? resolveCutoff(data, task.cutoff) : undefined;

  // Every user with enough interactions gets held-out items (the standard leave-last-out protocol: baselines
  // train without ANY user's held-out items, so the training side does not depend on how many users are
  // sampled, and a smaller sample is a prefix of a larger one). Of these, the eligible ones (choice and
  // ranking also need K-1 items the user never touched) are shuffled with the seed: the first `users` are the
  // sample. A marker array counts distinct items without a Set per user.
  const holdable: number[] = [];
  const eligible: number[] = [];
  const seenBy = k ? new Int32Array(data.itemIds.length).fill(-1) : null;
  let most = 0;
  let tooFewNegatives = 0;
  let tiedOut = 0;
  for (let u = 0; u < index.users; u++) {
    const count = index.offsets[u + 1] - index.offsets[u];
    most = Math.max(most, count);
    if (count < need) continue;
    if (cut !== undefined) {
      // Global split: minHistory interactions before the cut and casesPerUser at or after it.
      const before = countBefore(time!, userRows(index, u), cut);
      if (before < task.minHistory || count - before < perUser) continue;
    } else if (split === 'temporal') {
      // The history is what happened strictly before the first target: a same-second group does not count.
      const rows = userRows(index, u);
      if (countBefore(time!, rows, time![rows[count - perUser]]) < task.minHistory) {
        tiedOut++;
        continue;
      }
    }
    holdable.push(u);
    if (seenBy) {
      let distinct = 0;
      for (let i = index.offsets[u]; i < index.offsets[u + 1]; i++) {
        const item = data.item[index.rows[i]];
        if (seenBy[item] !== u) {
          seenBy[item] = u;
          distinct++;
        }
      }
      if (data.itemIds.length - distinct < k - 1) {
        tooFewNegatives++;
        continue;
      }
    }
    eligible.push(u);
  }
  if (!eligible.length)
    throw new TaskError(
      cut !== undefined && !tooFewNegatives
        ? `no user of ${data.name} has minHistory = ${task.minHistory} interactions before the cut (${new Date(cut * 1000).toISOString()}) and casesPerUser = ${perUser} after it; move task.cutoff`
        : tooFewNegatives
          ? `no user of ${data.name} can be asked: the ${tooFewNegatives} with minHistory + casesPerUser = ${need} interactions have fewer than ${k - 1} untouched items left for negatives`
          : tiedOut
            ? `no user of ${data.name} has minHistory = ${task.minHistory} interactions strictly before the latest ${perUser}: the ${tiedOut} with ${need} or more rated several of their latest items in the same second (same-second ties are not history)`
            : `no user of ${data.name} has minHistory + casesPerUser = ${need} interactions (the most any user has is ${most})`,
    );
  // Held-out rows of each user, and the training mask. Leave-last-out and random hold out only the targets
  // (baselines still see other users' later interactions); the global split trains on what precedes the cut.
  const trainMask = new Uint8Array(data.n).fill(1);
  if (cut !== undefined) for (let r = 0; r < data.n; r++) trainMask[r] = time![r] < cut ? 1 : 0;
  // Held-out rows of holdable user u: heldRows[heldAt[u] .. heldAt[u] + perUser) (no Set per user).
  const heldAt = new Int32Array(index.users).fill(-1);
  const heldRows = new Int32Array(holdable.length * perUser);
  const isHeld = (u: number, r: number): boolean => {
    for (let i = heldAt[u], end = i + perUser; i < end; i++) if (heldRows[i] === r) return true;
    return false;
  };
  const orderOf = (u: number): Int32Array =>
    split === 'random' ? userRows(index, u) : tieOrderedRows(data, index, u, task.seed);
  for (const [h, u] of holdable.entries()) {
    const rows = orderOf(u);
    let positions: number[];
    if (split === 'temporal') {
      positions = Array.from({ length: perUser }, (_, j) => rows.length - perUser + j);
    } else if (cut !== undefined) {
      const first = countBefore(time!, rows, cut);
      positions = Array.from({ length: perUser }, (_, j) => first + j);
    } else {
      const all = Array.from({ length: rows.length }, (_, i) => i);
      const rng = Rng.of(task.seed, 'split', data.userIds[u]);
      // Partial Fisher–Yates: the first perUser entries are a uniform sample without replacement.
      for (let i = 0; i < perUser; i++) {
        const j = i + rng.int(all.length - i);
        [all[i], all[j]] = [all[j], all[i]];
      }
      positions = all.slice(0, perUser).sort((a, b) => a - b);
    }
    heldAt[u] = h * perUser;
    for (const [j, p] of positions.entries()) {
      trainMask[rows[p]] = 0;
      heldRows[h * perUser + j] = rows[p];
    }
  }
  const order = Rng.of(task.seed, 'users').shuffle(eligible);

  const trainCounts = itemCounts(data, trainMask);
  const sampler = k ? new NegativeSampler(data.itemIds.length, task.negatives, trainCounts) : null;
  const names = task.probe ? opaqueItemNames(data.itemIds) : null;

  // Every split with timestamps: a negative must have had an interaction strictly before the target (global
  // split: before the cut), or a model could rule out a 2013 film for a user whose history ends in 1996.
  let firstSeen: Float64Array | null = null;
  if (k && time) {
    firstSeen = new Float64Array(data.itemIds.length).fill(Infinity);
    for (let r = 0; r < data.n; r++) if (time[r] < firstSeen[data.item[r]]) firstSeen[data.item[r]] = time[r];
  }

  const expectedCases = Math.min(task.users, order.length) * perUser;
  const cases = new CompactCases(
    { data, task, form: formDef, index, k, names, trainCounts },
    { cases: expectedCases, historyRows: expectedCases * task.history },
  );
  // Ids of two users can only meet when an id holds "-i" (user "1-i2" with item "3", user "1" with item
  // "2-i3"): only then is a set of every id kept to make them unique.
  const ids = [...data.userIds, ...data.itemIds].some((x) => x.includes('-i')) ? new Set<string>() : null;
  let sampledUsers = 0;
  let skippedUsers = 0;
  users: for (const u of order) {
    if (sampledUsers >= task.users) break;
    const userCases: CompactCase[] = [];
    // Targets in their (seeded tie) time order; histories come from the index's order, which does not depend
    // on the seed, so a case's history is the same whichever seed picked its target.
    const rows = userRows(index, u);
    const userId = data.userIds[u];
    const targets = orderOf(u).filter((r) => isHeld(u, r));
    const touched = new Set<number>();
    for (const r of rows) touched.add(data.item[r]);

    for (const row of targets) {
      const target = data.item[row];
      // History: temporal = everything strictly before the target in time (earlier held-out targets included:
      // they happened before it; the rest of a same-second group is not shown, it is not "before"); global =
      // everything before the cut; random = the user's training rows in file order. Re-interactions with the
      // target item are left out, they would give the answer away.
      const before: number[] = [];
      if (split !== 'random') {
        const until = cut ?? time![row];
        for (let i = 0; i < rows.length && time![rows[i]] < until; i++)
          if (data.item[rows[i]] !== target) before.push(rows[i]);
      } else {
        for (const r of rows) if (!isHeld(u, r) && data.item[r] !== target) before.push(r);
      }
      let id = `u${userId}-i${data.itemIds[target]}`;
      for (let dup = 2; ids?.has(id) || userCases.some((c) => c.id === id); dup++)
        id = `u${userId}-i${data.itemIds[target]}-${dup}`;
      let shown: number[];
      if (before.length <= task.history) shown = before;
      else if (split !== 'random') shown = before.slice(before.length - task.history);
      else {
        // No time order: a seeded sample of the training rows, kept in file order.
        const idx = Rng.of(task.seed, 'history', id).shuffle(Array.from(before.keys()));
        shown = idx
          .slice(0, task.history)
          .sort((a, b) => a - b)
          .map((i) => before[i]);
      }

      let candidates: number[] | undefined;
      let labelAt: number | undefined;
      if (k) {
        const at = cut ?? (time ? time[row] : Infinity);
        const existed = firstSeen ? (item: number) => firstSeen[item] < at : undefined;
        const negatives = sampler!.sample(Rng.of(task.seed, 'negatives', id), k - 1, touched, existed);
        if (negatives.length < k - 1) {
          // Too early in the data for K-1 untouched items to exist: pass this user over, deterministically.
          skippedUsers++;
          continue users;
        }
        candidates = Rng.of(task.seed, 'order', id).shuffle([target, ...negatives]);
        labelAt = candidates.indexOf(target);
      }
      userCases.push({ id, user: u, row, historyLength: before.length, shown, candidates, labelAt });
    }
    for (const c of userCases) {
      ids?.add(c.id);
      cases.add(c);
    }
    sampledUsers++;
  }
  if (!cases.length)
    throw new TaskError(
      `none of the ${skippedUsers} users tried had ${k - 1} untouched items that existed at their target's time; lower task.candidates`,
    );
  let array: TestCase[] | undefined;
  const list = cases.seal();
  return {
    list,
    get cases() {
      return (array ??= Array.from(list));
    },
    trainMask,
    split,
    eligibleUsers: eligible.length,
    sampledUsers,
    skippedUsers,
    ...(cut !== undefined ? { cutoff: cut } : {}),
  };
}
