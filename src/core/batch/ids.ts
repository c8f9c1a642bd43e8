// Batch request keys: every unit (case, variant, sample) gets a short `custom_id` (at most 64 characters of
// [A-Za-z0-9_-], Anthropic's rule, which OpenAI and vLLM accept too), derived from the unit so the same unit has
// the same key in every export, and kept in a table in the run folder (`batch/ids.jsonl`) that maps it back.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { LineBuffer } from '../run/lineBuffer';
import path from 'node:path';
import { readAppendedResults } from '../run/results';
import { unitKey } from '../run/store';
import { IntPool } from '../tasks/caseList';

export const CUSTOM_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface BatchUnit {
  caseId: string;
  variant: string;
  sample: number;
}

/** "u" + 24 hex digits of sha256 of the unit key: 96 bits, so two units of one run never share a key. */
export function customIdOf(unit: BatchUnit): string {
  return `u${createHash('sha256')
    .update(unitKey(unit.caseId, unit.variant, unit.sample))
    .digest('hex')
    .slice(0, 24)}`;
}

export const ID_TABLE_FILE = 'ids.jsonl';

const OUR_ID = /^u[0-9a-f]{24}$/;

/**
 * custom_id → slot. Our ids (u + 24 hex digits) are kept as 12 bytes in an open-addressing hash table (about 20
 * bytes an id, against ~90 for a string in a Map: a million ids is the difference the scale bench measures);
 * any other id (a hand-made table) in a Map.
 */
class IdIndex {
  /** The 96 bits of slot s's id: words[3s], words[3s + 1], words[3s + 2]. */
  private words = new Uint32Array(3 * 1024);
  /** slot + 1 per bucket (0: empty); its size a power of two, at most half full. */
  private table = new Int32Array(2048);
  private count = 0;
  private readonly others = new Map<string, number>();
  private readonly key = new Uint32Array(3);

  get(id: string): number | undefined {
    if (!this.parse(id)) return this.others.get(id);
    const [a, b, c] = this.key;
    const mask = this.table.length - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const v = this.table[i];
      if (v === 0) return undefined;
      const w = 3 * (v - 1);
      if (this.words[w] === a && this.words[w + 1] === b && this.words[w + 2] === c) return v - 1;
    }
  }

  /** Records a new id's slot (the caller checks it is not there yet). */
  set(id: string, slot: number): void {
    if (!this.parse(id)) {
      this.others.set(id, slot);
      return;
    }
    if (3 * (slot + 1) > this.words.length) {
      const next = new Uint32Array(Math.max(2 * this.words.length, 3 * (slot + 1)));
      next.set(this.words);
      this.words = next;
    }
    this.words.set(this.key, 3 * slot);
    if (2 * (this.count + 1) > this.table.length) this.rehash(2 * this.table.length);
    this.insert(slot);
    this.count++;
  }

  private insert(slot: number): void {
    const mask = this.table.length - 1;
    let i = this.words[3 * slot] & mask;
    while (this.table[i] !== 0) i = (i + 1) & mask;
    this.table[i] = slot + 1;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size);
    for (const v of old) if (v !== 0) this.insert(v - 1);
  }

  private parse(id: string): boolean {
    if (!OUR_ID.test(id)) return false;
    this.key[0] = parseInt(id.slice(1, 9), 16);
    this.key[1] = parseInt(id.slice(9, 17), 16);
    this.key[2] = parseInt(id.slice(17, 25), 16);
    return true;
  }
}

/**
 * The custom_id → unit table of a run (`<run>/batch/ids.jsonl`, append-only, one {id, caseId, variant, sample}
 * per line). Read line by line and held compactly (a slot per id: the case id, an interned variant, the sample),
 * and appended through a buffer, so a million units stay in bounded memory.
 */
export class IdTable {
  private readonly slotOf = new IdIndex();
  private readonly caseIds: string[] = [];
  private readonly variantOf = new IntPool();
  private readonly samples = new IntPool();
  private readonly variants: string[] = [];
  private readonly variantIndex = new Map<string, number>();
  private readonly file: string;
  /** New lines of the table file, appended when a megabyte is queued and on flush. */
  private readonly pending: LineBuffer;
  private count = 0;
  /** False: only ids and slots are kept (an import needs no more); `get` and `unitAt` then throw. */
  private readonly units: boolean;

  constructor(batchDir: string, options: { units?: boolean } = {}) {
    this.units = options.units ?? true;
    this.file = path.join(batchDir, ID_TABLE_FILE);
    this.pending = new LineBuffer((bytes) => {
      mkdirSync(path.dirname(this.file), { recursive: true });
      appendFileSync(this.file, bytes);
    });
    if (!existsSync(this.file)) return;
    // A torn last line of an interrupted write is not read: its units are written again by the next export.
    readAppendedResults<(BatchUnit & { id: string }) | null>(
      this.file,
      0,
      (r) => {
        if (r && this.slotOf.get(r.id) === undefined) this.put(r.id, r);
      },
      (buf, start, end) => JSON.parse(buf.toString('utf8', start, end)) as BatchUnit & { id: string },
    );
  }

  get size(): number {
    return this.count;
  }

  /** The id a unit has (or will have once added). */
  peek(unit: BatchUnit): string {
    return customIdOf(unit);
  }

  /** The table's slot of an id (0..size-1), or undefined. */
  slot(id: string): number | undefined {
    return this.slotOf.get(id);
  }

  get(id: string): BatchUnit | undefined {
    const s = this.slotOf.get(id);
    return s === undefined ? undefined : this.unitAt(s);
  }

  unitAt(slot: number): BatchUnit {
    if (!this.units) throw new Error('this id table keeps ids only');
    return {
      caseId: this.caseIds[slot],
      variant: this.variants[this.variantOf.get(slot)],
      sample: this.samples.get(slot),
    };
  }

  /** Adds a unit if it is not in the table yet (the line is buffered: call flush); returns its id. */
  addOne(u: BatchUnit): string {
    const id = customIdOf(u);
    const s = this.slotOf.get(id);
    if (s === undefined) {
      this.put(id, u);
      this.pending.write(
        JSON.stringify({ id, caseId: u.caseId, variant: u.variant, sample: u.sample }) + '\n',
      );
    } else {
      const had = this.unitAt(s);
      if (had.caseId !== u.caseId || had.variant !== u.variant || had.sample !== u.sample)
        throw new Error(`custom_id ${id} would name two units: a hash collision (report it)`);
    }
    return id;
  }

  /** Adds units not in the table yet and writes them; returns their ids in the order given. */
  add(units: readonly BatchUnit[]): string[] {
    const ids = units.map((u) => this.addOne(u));
    this.flush();
    return ids;
  }

  /** Appends the buffered lines to the file. */
  flush(): void {
    this.pending.flush();
  }

  private put(id: string, u: BatchUnit): void {
    let v = this.variantIndex.get(u.variant);
    if (v === undefined) {
      v = this.variants.length;
      this.variants.push(u.variant);
      this.variantIndex.set(u.variant, v);
    }
    this.slotOf.set(id, this.count++);
    if (!this.units) return;
    this.caseIds.push(u.caseId);
    this.variantOf.push(v);
    this.samples.push(u.sample);
  }
}
