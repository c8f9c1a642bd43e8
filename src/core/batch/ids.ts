// Batch request keys: every unit (case, variant, sample) gets a short `custom_id` (at most 64 characters of
// [A-Za-z0-9_-], Anthropic's rule, which OpenAI and vLLM accept too), derived from the unit so the same unit has
// the same key in every export, and kept in a table in the run folder (`batch/ids.jsonl`) that maps it back.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { unitKey } from '../run/store';

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

/** The custom_id → unit table of a run (`<run>/batch/ids.jsonl`, append-only, one {id, caseId, variant, sample} per line). */
export class IdTable {
  private readonly byId = new Map<string, BatchUnit>();
  private readonly file: string;

  constructor(batchDir: string) {
    this.file = path.join(batchDir, ID_TABLE_FILE);
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as BatchUnit & { id: string };
        this.byId.set(r.id, { caseId: r.caseId, variant: r.variant, sample: r.sample });
      } catch {
        // A torn last line of an interrupted write: its units are written again by the next export.
      }
    }
  }

  get size(): number {
    return this.byId.size;
  }

  /** The id a unit has (or will have once added). */
  peek(unit: BatchUnit): string {
    return customIdOf(unit);
  }

  get(id: string): BatchUnit | undefined {
    return this.byId.get(id);
  }

  /** Adds units not in the table yet and writes them in one append; returns their ids in the order given. */
  add(units: readonly BatchUnit[]): string[] {
    const ids: string[] = [];
    const fresh: string[] = [];
    for (const u of units) {
      const id = customIdOf(u);
      const had = this.byId.get(id);
      if (!had) {
        this.byId.set(id, u);
        fresh.push(JSON.stringify({ id, caseId: u.caseId, variant: u.variant, sample: u.sample }) + '\n');
      } else if (had.caseId !== u.caseId || had.variant !== u.variant || had.sample !== u.sample) {
        throw new Error(`custom_id ${id} would name two units: a hash collision (report it)`);
      }
      ids.push(id);
    }
    if (fresh.length) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      appendFileSync(this.file, fresh.join(''));
    }
    return ids;
  }
}
