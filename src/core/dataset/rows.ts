// Interning of external ids to dense indices, and the growable typed-array columns rows are written into.

/** Numeric ids below this are interned through a flat table (fast); larger ones through a Map. */
const TABLE_LIMIT = 1 << 24;

/** External ids to dense indices 0..size-1, in order of first appearance. */
export class IdTable {
  readonly ids: string[] = [];
  /** numeric id -> dense index + 1 (0 = not seen), for ids below TABLE_LIMIT. */
  table = new Int32Array(1024);
  private readonly big = new Map<number, number>();
  private readonly byString = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  /** Dense index of a numeric id, or -1 when it was never interned. */
  lookupNumber(id: number): number {
    if (id < this.table.length) return this.table[id] - 1;
    return this.big.get(id) ?? -1;
  }

  internNumber(id: number): number {
    if (id < TABLE_LIMIT) {
      if (id >= this.table.length) this.growTable(id);
      const known = this.table[id];
      if (known > 0) return known - 1;
      this.table[id] = this.ids.length + 1;
    } else {
      const known = this.big.get(id);
      if (known !== undefined) return known;
      this.big.set(id, this.ids.length);
    }
    this.ids.push(String(id));
    return this.ids.length - 1;
  }

  internString(id: string): number {
    const known = this.byString.get(id);
    if (known !== undefined) return known;
    this.byString.set(id, this.ids.length);
    this.ids.push(id);
    return this.ids.length - 1;
  }

  private growTable(id: number): void {
    let len = this.table.length;
    while (len <= id) len *= 2;
    const next = new Int32Array(Math.min(len, TABLE_LIMIT));
    next.set(this.table);
    this.table = next;
  }
}

/** Row columns that grow as rows arrive; `finish` trims them to the row count. */
export class RowColumns {
  n = 0;
  cap: number;
  user: Int32Array;
  item: Int32Array;
  value: Float64Array;
  time: Float64Array | null;

  constructor(capacity: number, withTime: boolean) {
    this.cap = Math.max(16, Math.ceil(capacity));
    this.user = new Int32Array(this.cap);
    this.item = new Int32Array(this.cap);
    this.value = new Float64Array(this.cap);
    this.time = withTime ? new Float64Array(this.cap) : null;
  }

  /** Makes room for at least one more row (by half again: doubling would peak too high on 25M rows). */
  grow(): void {
    const cap = Math.ceil(this.cap * 1.5) + 16;
    const copy = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(a);
      return next;
    };
    this.user = copy(this.user, (k) => new Int32Array(k));
    this.item = copy(this.item, (k) => new Int32Array(k));
    this.value = copy(this.value, (k) => new Float64Array(k));
    if (this.time) this.time = copy(this.time, (k) => new Float64Array(k));
    this.cap = cap;
  }

  /** Sets the capacity (at least n), e.g. once the size of a row is known. */
  resize(capacity: number): void {
    const cap = Math.max(this.n, Math.ceil(capacity));
    if (cap === this.cap) return;
    const n = this.n;
    const move = <T extends Int32Array | Float64Array>(a: T, make: (k: number) => T): T => {
      const next = make(cap);
      next.set(a.subarray(0, n));
      return next;
    };
    this.user = move(this.user, (k) => new Int32Array(k));
    this.item = move(this.item, (k) => new Int32Array(k));
    this.value = move(this.value, (k) => new Float64Array(k));
    if (this.time) this.time = move(this.time, (k) => new Float64Array(k));
    this.cap = cap;
  }

  push(user: number, item: number, value: number, time: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.user[i] = user;
    this.item[i] = item;
    this.value[i] = value;
    if (this.time) this.time[i] = time;
  }

  /** The columns cut to n rows: a view when little is wasted, a copy otherwise (so memory is returned). */
  finish(): { user: Int32Array; item: Int32Array; value: Float64Array; time: Float64Array | null } {
    const n = this.n;
    // Pages of a typed array that were never written are not resident: a view costs little unless most of
    // the capacity is unused.
    const copy = n < this.cap * 0.5;
    const cut = <T extends Int32Array | Float64Array>(a: T): T =>
      copy ? (a.slice(0, n) as T) : (a.subarray(0, n) as T);
    return {
      user: cut(this.user),
      item: cut(this.item),
      value: cut(this.value),
      time: this.time ? cut(this.time) : null,
    };
  }
}
