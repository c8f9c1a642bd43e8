// From Interactions and the task config to test cases: sample users, hold out items (temporal or random split),
// build the history shown, the candidates (forms that show them) and the expected answer (the form builds it). Every random
// choice comes from a stream keyed by (seed, purpose, user or case), so the same config gives byte-identical
// cases and a prefix of the list does not depend on its length.
import type { TaskConfig } from '../config';
import { candidateLabel, getForm, type TaskFormDef } from '../forms';
import type { Candidate, HistoryEntry, Interactions, TargetItem, TestCase } from '../types';
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

export type SplitKind = 'temporal' | 'random';

export interface BuiltCases {
  /** In sample order: users in their seeded order, each user's cases oldest target first. */
  cases: TestCase[];
  /** Per row: 1 = usable for fitting baselines, 0 = a held-out target. */
  trainMask: Uint8Array;
  split: SplitKind;
  /** Users with at least minHistory + casesPerUser interactions (the pool users are sampled from). */
  eligibleUsers: number;
  /** Users the cases come from (min(users, eligible) unless some had to be passed over). */
  sampledUsers: number;
  /** Sampled users passed over because a case lacked negatives that existed at its time (temporal split). */
  skippedUsers: number;
}

export { candidateLabel };

/** One case as one JSONL line (keys in a fixed order, so equal cases give equal bytes). */
export function caseToJson(c: TestCase): string {
  return JSON.stringify(c);
}

/** The split a task uses on a dataset ("auto": temporal when the data has timestamps). */
export function resolveSplit(data: Interactions, task: TaskConfig): SplitKind {
  if (task.split === 'temporal' && !data.time)
    throw new TaskError(
      `task.split is "temporal" but ${data.name} has no timestamps; use "random" or "auto" (random hold-out)`,
    );
  return task.split === 'auto' ? (data.time ? 'temporal' : 'random') : task.split;
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
  const form = formDef.id;
  // K candidates for a form that shows them (1 true item + K-1 negatives); 0 otherwise.
  const k = formDef.candidates ? (task.candidates ?? formDef.candidates.default) : 0;
  checkTask(data, task, formDef, k);
  const split = resolveSplit(data, task);
  const index = options.index ?? buildUserIndex(data);
  const perUser = task.casesPerUser;
  const need = task.minHistory + perUser;

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
  for (let u = 0; u < index.users; u++) {
    const count = index.offsets[u + 1] - index.offsets[u];
    most = Math.max(most, count);
    if (count < need) continue;
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
      tooFewNegatives
        ? `no user of ${data.name} can be asked: the ${tooFewNegatives} with minHistory + casesPerUser = ${need} interactions have fewer than ${k - 1} untouched items left for negatives`
        : `no user of ${data.name} has minHistory + casesPerUser = ${need} interactions (the most any user has is ${most})`,
    );
  // Held-out positions (into each user's ordered rows), and the training mask.
  const trainMask = new Uint8Array(data.n).fill(1);
  const heldOut = new Map<number, number[]>();
  for (const u of holdable) {
    const rows = userRows(index, u);
    let positions: number[];
    if (split === 'temporal') {
      positions = Array.from({ length: perUser }, (_, j) => rows.length - perUser + j);
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
    for (const p of positions) trainMask[rows[p]] = 0;
    heldOut.set(u, positions);
  }
  const order = Rng.of(task.seed, 'users').shuffle(eligible);

  const trainCounts = itemCounts(data, trainMask);
  const sampler = k ? new NegativeSampler(data.itemIds.length, task.negatives, trainCounts) : null;
  const names = task.probe ? opaqueItemNames(data.itemIds) : null;
  const itemText = (i: number): TargetItem => ({
    item: data.itemIds[i],
    title: names ? names[i] : data.items[i].title,
    genres: names ? [] : [...data.items[i].genres],
  });
  const entry = (r: number): HistoryEntry => ({
    ...itemText(data.item[r]),
    value: data.value[r],
    time: data.time ? data.time[r] : null,
  });

  // Temporal split: a negative must have existed when the user met the target (its first interaction in the
  // data is not later), or a model could rule out a 2013 film for a user whose history ends in 1996.
  let firstSeen: Float64Array | null = null;
  if (k && split === 'temporal' && data.time) {
    firstSeen = new Float64Array(data.itemIds.length).fill(Infinity);
    for (let r = 0; r < data.n; r++)
      if (data.time[r] < firstSeen[data.item[r]]) firstSeen[data.item[r]] = data.time[r];
  }

  const cases: TestCase[] = [];
  const ids = new Set<string>();
  let sampledUsers = 0;
  let skippedUsers = 0;
  users: for (const u of order) {
    if (sampledUsers >= task.users) break;
    const userCases: TestCase[] = [];
    const rows = userRows(index, u);
    const userId = data.userIds[u];
    const positions = heldOut.get(u)!;
    const held = new Set(positions);
    const touched = new Set<number>();
    for (const r of rows) touched.add(data.item[r]);

    for (const p of positions) {
      const row = rows[p];
      const target = data.item[row];
      // History: temporal = everything before the target in time (earlier held-out targets included: they
      // happened before it); random = the user's training rows in file order. Re-interactions with the target
      // item are left out, they would give the answer away.
      const before: number[] = [];
      if (split === 'temporal') {
        for (let i = 0; i < p; i++) if (data.item[rows[i]] !== target) before.push(rows[i]);
      } else {
        for (let i = 0; i < rows.length; i++)
          if (!held.has(i) && data.item[rows[i]] !== target) before.push(rows[i]);
      }
      let id = `u${userId}-i${data.itemIds[target]}`;
      for (let dup = 2; ids.has(id) || userCases.some((c) => c.id === id); dup++)
        id = `u${userId}-i${data.itemIds[target]}-${dup}`;
      let shown: number[];
      if (before.length <= task.history) shown = before;
      else if (split === 'temporal') shown = before.slice(before.length - task.history);
      else {
        // No time order: a seeded sample of the training rows, kept in file order.
        const idx = Rng.of(task.seed, 'history', id).shuffle(Array.from(before.keys()));
        shown = idx
          .slice(0, task.history)
          .sort((a, b) => a - b)
          .map((i) => before[i]);
      }

      let candidates: Candidate[] | undefined;
      let label: string | undefined;
      if (k) {
        const at = firstSeen ? data.time![row] : Infinity;
        const existed = firstSeen ? (item: number) => firstSeen[item] <= at : undefined;
        const negatives = sampler!.sample(Rng.of(task.seed, 'negatives', id), k - 1, touched, existed);
        if (negatives.length < k - 1) {
          // Too early in the data for K-1 untouched items to exist: pass this user over, deterministically.
          skippedUsers++;
          continue users;
        }
        const shuffled = Rng.of(task.seed, 'order', id).shuffle([target, ...negatives]);
        candidates = shuffled.map((item, i) => ({ label: candidateLabel(i), ...itemText(item) }));
        label = candidateLabel(shuffled.indexOf(target));
      }
      const expected = formDef.expected({ data, task, row, userRows: rows, ...(label ? { label } : {}) });
      const c: TestCase = {
        id,
        form,
        user: userId,
        historyLength: before.length,
        history: shown.map(entry),
        target: itemText(target),
        ...(candidates ? { candidates } : {}),
        expected,
        targetPopularity: trainCounts[target],
      };
      userCases.push(c);
    }
    for (const c of userCases) {
      ids.add(c.id);
      cases.push(c);
    }
    sampledUsers++;
  }
  if (!cases.length)
    throw new TaskError(
      `none of the ${skippedUsers} users tried had ${k - 1} untouched items that existed at their target's time; lower task.candidates`,
    );
  return { cases, trainMask, split, eligibleUsers: eligible.length, sampledUsers, skippedUsers };
}
