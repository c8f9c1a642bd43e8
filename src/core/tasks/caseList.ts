// Cases held compactly: per case only what is needed to build it again (the user, the target row, the shown
// history rows, the candidates' item indices and the true label's position), in typed arrays, and a `TestCase`
// made on demand. A million cases then take tens of megabytes instead of gigabytes of objects. Views (a prefix,
// a shard) are index lists over a list. Every case a list makes is equal, byte for byte in `caseToJson`, to the
// one the builder used to keep (test/unit/tasks/compact.test.ts checks golden hashes).
import type { TaskConfig } from '../config';
import { candidateLabel, type TaskFormDef } from '../forms';
import type { CaseList, HistoryEntry, Interactions, TestCase } from '../types';
import { userRows, type UserIndex } from './user-index';

const LABELS = Array.from({ length: 64 }, (_, i) => candidateLabel(i));
const labelOf = (i: number): string => LABELS[i] ?? candidateLabel(i);

/** A growable Int32Array (doubling): a million cases' pools without a JavaScript number per entry. */
export class IntPool {
  private buf: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Int32Array(Math.max(16, capacity));
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  get(i: number): number {
    return this.buf[i];
  }

  /** Entries [from, to) as a view (valid until the next push). */
  view(from: number, to: number): Int32Array {
    return this.buf.subarray(from, to);
  }

  /** Gives back the spare capacity once filling is done. */
  trim(): void {
    if (this.buf.length > this.length) this.buf = this.buf.slice(0, this.length);
  }
}

/** What a compact list needs to turn its numbers back into cases. */
export interface CaseContext {
  data: Interactions;
  task: TaskConfig;
  form: TaskFormDef;
  index: UserIndex;
  /** Candidates per case (0: the form has none). */
  k: number;
  /** Opaque item names (the knowledge probe), or null for titles. */
  names: string[] | null;
  /** Training interactions per item (the target's popularity). */
  trainCounts: Int32Array;
}

/** One case in numbers, as the builder adds it. */
export interface CompactCase {
  id: string;
  user: number;
  row: number;
  historyLength: number;
  shown: ArrayLike<number>;
  /** Candidates' item indices in their shown order (k of them), and the true item's position. */
  candidates?: ArrayLike<number>;
  labelAt?: number;
}

/** A case list that can give a case's id without building the case. */
export interface IdentifiedCases extends CaseList {
  idAt(index: number): string;
}

/** The cases of a build, held as numbers (see the file comment). */
export class CompactCases implements IdentifiedCases {
  private readonly ids: string[] = [];
  private readonly users: IntPool;
  private readonly rows: IntPool;
  private readonly historyLengths: IntPool;
  /** Case i's shown history is history[historyFrom[i] .. historyFrom[i + 1]). */
  private readonly historyFrom: IntPool;
  private readonly history: IntPool;
  /** Case i's candidates are candidates[i·k .. (i+1)·k). */
  private readonly candidates: IntPool;
  private readonly labelAt: IntPool;

  /** `expect`: sizes to allocate at once (at most what is expected: growing a big pool copies it). */
  constructor(
    private readonly ctx: CaseContext,
    expect: { cases: number; historyRows: number } = { cases: 1024, historyRows: 1024 },
  ) {
    const n = expect.cases + 1;
    this.users = new IntPool(n);
    this.rows = new IntPool(n);
    this.historyLengths = new IntPool(n);
    this.historyFrom = new IntPool(n);
    this.history = new IntPool(expect.historyRows);
    this.candidates = new IntPool(ctx.k ? n * ctx.k : 0);
    this.labelAt = new IntPool(ctx.k ? n : 0);
    this.historyFrom.push(0);
  }

  get length(): number {
    return this.ids.length;
  }

  add(c: CompactCase): void {
    this.ids.push(c.id);
    this.users.push(c.user);
    this.rows.push(c.row);
    this.historyLengths.push(c.historyLength);
    for (let i = 0; i < c.shown.length; i++) this.history.push(c.shown[i]);
    this.historyFrom.push(this.history.length);
    if (this.ctx.k) {
      for (let i = 0; i < this.ctx.k; i++) this.candidates.push(c.candidates![i]);
      this.labelAt.push(c.labelAt!);
    }
  }

  /** Called once the list is complete. */
  seal(): this {
    for (const p of [
      this.users,
      this.rows,
      this.historyLengths,
      this.historyFrom,
      this.history,
      this.candidates,
    ])
      p.trim();
    this.labelAt.trim();
    return this;
  }

  idAt(i: number): string {
    return this.ids[i];
  }

  at(i: number): TestCase | undefined {
    if (i < 0) i += this.ids.length;
    if (!(i >= 0 && i < this.ids.length)) return undefined;
    const { data, task, form, index, k, trainCounts } = this.ctx;
    const row = this.rows.get(i);
    const u = this.users.get(i);
    const target = data.item[row];
    // Object literals with their keys in place (a spread is several times slower per object), in the order the
    // builder always wrote them: equal cases give equal bytes.
    const history: HistoryEntry[] = [];
    for (let h = this.historyFrom.get(i), end = this.historyFrom.get(i + 1); h < end; h++) {
      const r = this.history.get(h);
      const item = data.item[r];
      history.push({
        item: data.itemIds[item],
        title: this.titleOf(item),
        genres: this.genresOf(item),
        value: data.value[r],
        time: data.time ? data.time[r] : null,
      });
    }
    let label: string | undefined;
    let candidates: TestCase['candidates'];
    if (k) {
      candidates = [];
      for (let j = 0; j < k; j++) {
        const item = this.candidates.get(i * k + j);
        candidates.push({
          label: labelOf(j),
          item: data.itemIds[item],
          title: this.titleOf(item),
          genres: this.genresOf(item),
        });
      }
      label = labelOf(this.labelAt.get(i));
    }
    const expected = form.expected({
      data,
      task,
      row,
      userRows: userRows(index, u),
      ...(label ? { label } : {}),
    });
    return {
      id: this.ids[i],
      form: form.id,
      user: data.userIds[u],
      historyLength: this.historyLengths.get(i),
      history,
      target: { item: data.itemIds[target], title: this.titleOf(target), genres: this.genresOf(target) },
      ...(candidates ? { candidates } : {}),
      expected,
      targetPopularity: trainCounts[target],
    };
  }

  *[Symbol.iterator](): Iterator<TestCase> {
    for (let i = 0; i < this.ids.length; i++) yield this.at(i)!;
  }

  private titleOf(i: number): string {
    return this.ctx.names ? this.ctx.names[i] : this.ctx.data.items[i].title;
  }

  /** The dataset's own genre array (shared, not copied); none in the knowledge probe. */
  private genresOf(i: number): string[] {
    return this.ctx.names ? [] : this.ctx.data.items[i].genres;
  }
}

/** Some cases of a list, by position (a prefix, a shard), in the list's order. */
export class CaseView implements IdentifiedCases {
  constructor(
    private readonly base: CaseList,
    private readonly positions: Int32Array,
  ) {}

  get length(): number {
    return this.positions.length;
  }

  at(i: number): TestCase | undefined {
    if (i < 0) i += this.positions.length;
    return i >= 0 && i < this.positions.length ? this.base.at(this.positions[i]) : undefined;
  }

  idAt(i: number): string {
    return caseIdAt(this.base, this.positions[i]);
  }

  *[Symbol.iterator](): Iterator<TestCase> {
    for (let i = 0; i < this.positions.length; i++) yield this.base.at(this.positions[i])!;
  }
}

/** Case i's id, without building the case when the list knows it. */
export function caseIdAt(list: CaseList, i: number): string {
  const known = (list as Partial<IdentifiedCases>).idAt;
  return known ? known.call(list, i) : list.at(i)!.id;
}

/** The first `n` cases (the list itself when it has no more). */
export function firstCases(list: CaseList, n: number): CaseList {
  if (n >= list.length) return list;
  if (Array.isArray(list)) return (list as readonly TestCase[]).slice(0, Math.max(0, n));
  return new CaseView(
    list,
    Int32Array.from({ length: Math.max(0, n) }, (_, i) => i),
  );
}

/** The cases whose id passes `keep`, in order (an array stays an array; a compact list gives a view). */
export function casesWhere(list: CaseList, keep: (id: string) => boolean): CaseList {
  if (Array.isArray(list)) return (list as readonly TestCase[]).filter((c) => keep(c.id));
  const positions = new IntPool();
  for (let i = 0; i < list.length; i++) if (keep(caseIdAt(list, i))) positions.push(i);
  return new CaseView(list, positions.view(0, positions.length).slice());
}
