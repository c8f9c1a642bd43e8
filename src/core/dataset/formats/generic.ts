// Any other CSV/TSV, read through a column map (dataset.columns in the eval config): user, item, value and an
// optional timestamp, explicit ratings or implicit counts, and an optional item file with titles and text.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { FeedbackKind, Interactions, ItemMeta, ValueScale } from '../../types';
import { dataFile, type LoadContext, readingOf } from '../context';
import { readDelimited } from '../delimited';
import { DatasetError } from '../errors';
import { IdTable, RowColumns } from '../rows';

/** A column by header name or 0-based index. */
export type ColumnRef = string | number;

export interface GenericItemFileMap {
  /** Item file, relative to the dataset folder. */
  file: string;
  id: ColumnRef;
  title?: ColumnRef;
  genres?: ColumnRef;
  /** Separator inside the genres column; default "|". */
  genreSeparator?: string;
  /** Other text columns kept as item text (ItemMeta.extra, keyed by header name or "column N"). */
  extra?: ColumnRef[];
  delimiter?: string;
  header?: boolean;
}

/** How to read a generic CSV/TSV. Matches `dataset.columns` of the eval config (src/core/config.ts). */
export interface GenericColumnMap {
  /** Interactions file, relative to the dataset folder; default: the path itself when it is a file, else the
   * only .csv/.tsv/.txt/.dat file in the folder. */
  file?: string;
  user: ColumnRef;
  item: ColumnRef;
  /** Rating or count; without it every row counts 1 (implicit). */
  value?: ColumnRef;
  /** Unix seconds, or an ISO 8601 date. */
  timestamp?: ColumnRef;
  /** ',', '\t', ';' or '|'; detected from the first line when absent. */
  delimiter?: string;
  /** Whether the first line names the columns; default true. */
  header?: boolean;
  /** Default: explicit when a value column is mapped, else implicit. */
  kind?: FeedbackKind;
  /** Explicit data: values off this scale are errors. Inferred from the values when absent. */
  scale?: ValueScale;
  items?: GenericItemFileMap;
}

const DATA_EXT = /\.(csv|tsv|txt|dat)$/i;

/** The interactions file: the one named, else the only data-looking file in the folder. */
function interactionsFile(ctx: LoadContext, map: GenericColumnMap): string {
  if (map.file) return map.file;
  const skip = map.items?.file;
  const found = readdirSync(ctx.dir).filter((f) => DATA_EXT.test(f) && f !== skip);
  if (found.length === 1) return found[0];
  throw new DatasetError(
    ctx.displayDir,
    null,
    null,
    found.length === 0
      ? 'no .csv, .tsv, .txt or .dat file for the generic format: name it in columns.file'
      : `several data files (${found.join(', ')}): name the interactions file in columns.file`,
  );
}

/** Resolves column refs against a header line (or indexes without one). */
function resolver(display: string, line: number, header: string[] | null) {
  return (ref: ColumnRef, what: string): number => {
    if (typeof ref === 'number') {
      if (header && ref >= header.length) {
        throw new DatasetError(
          display,
          line,
          1,
          `columns.${what}: column ${ref} does not exist (the header has ${header.length})`,
        );
      }
      return ref;
    }
    if (!header)
      throw new DatasetError(
        display,
        null,
        null,
        `columns.${what}: "${ref}" names a column, but the file has no header (header: false): use a 0-based index`,
      );
    let k = header.indexOf(ref);
    if (k < 0) k = header.findIndex((h) => h.toLowerCase() === ref.toLowerCase());
    if (k < 0)
      throw new DatasetError(
        display,
        line,
        1,
        `columns.${what}: no column "${ref}" in the header (${header.join(', ')})`,
      );
    return k;
  };
}

async function readItemFile(
  ctx: LoadContext,
  map: GenericItemFileMap,
): Promise<{ meta: Map<string, ItemMeta>; display: string }> {
  const { file, display } = dataFile(ctx, map.file);
  const meta = new Map<string, ItemMeta>();
  const useHeader = map.header ?? true;
  let cols: { id: number; title?: number; genres?: number; extra: { key: string; at: number }[] } | null =
    null;
  let width = 0;
  for await (const records of readDelimited(file, {
    ...readingOf(ctx, file, display),
    delimiter: map.delimiter,
    encoding: 'utf8',
    maxRecordLines: 100,
  })) {
    for (const rec of records) {
      const { line, fields } = rec;
      if (!cols) {
        const header = useHeader ? fields.map((f) => f.trim()) : null;
        const at = resolver(display, line, header);
        cols = {
          id: at(map.id, 'items.id'),
          title: map.title === undefined ? undefined : at(map.title, 'items.title'),
          genres: map.genres === undefined ? undefined : at(map.genres, 'items.genres'),
          extra: (map.extra ?? []).map((r) => ({
            key: header ? header[at(r, 'items.extra')] : `column ${r}`,
            at: at(r, 'items.extra'),
          })),
        };
        width = fields.length;
        if (useHeader) continue;
      }
      if (fields.length !== width) {
        ctx.log.skip(
          display,
          line,
          fields.length > width ? rec.columns[width] : 1,
          `expected ${width} fields, found ${fields.length}`,
          meta.size,
        );
        continue;
      }
      const id = fields[cols.id].trim();
      if (id === '') {
        ctx.log.skip(display, line, rec.columns[cols.id], 'empty item id', meta.size);
        continue;
      }
      if (meta.has(id)) {
        ctx.log.skip(display, line, rec.columns[cols.id], `duplicate item id "${id}"`, meta.size);
        continue;
      }
      const item: ItemMeta = {
        title: cols.title === undefined ? id : fields[cols.title].trim(),
        genres:
          cols.genres === undefined
            ? []
            : fields[cols.genres]
                .split(map.genreSeparator ?? '|')
                .map((g) => g.trim())
                .filter((g) => g && g !== '(no genres listed)'),
      };
      if (cols.extra.length)
        item.extra = Object.fromEntries(cols.extra.map((e) => [e.key, fields[e.at].trim()]));
      meta.set(id, item);
    }
  }
  return { meta, display };
}

/** Smallest decimal step (1, 0.5, 0.1, 0.05, 0.01, …) that every value is a multiple of. */
function inferStep(values: Float64Array, n: number): number {
  for (const step of [1, 0.5, 0.25, 0.1, 0.05, 0.01, 0.001]) {
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const k = values[i] / step;
      ok = Math.abs(k - Math.round(k)) < 1e-9;
    }
    if (ok) return step;
  }
  return 0.0001;
}

export async function loadGeneric(ctx: LoadContext, map: GenericColumnMap): Promise<Interactions> {
  const items = map.items ? await readItemFile(ctx, map.items) : null;
  const kind: FeedbackKind = map.kind ?? (map.value === undefined ? 'implicit' : 'explicit');
  const scale = map.scale ?? null;
  const { file, display } = dataFile(ctx, interactionsFile(ctx, map));
  const useHeader = map.header ?? true;
  const users = new IdTable();
  const itemIds = new IdTable();
  const rows = new RowColumns(1024, map.timestamp !== undefined);
  let at: { user: number; item: number; value?: number; time?: number } | null = null;
  let width = 0;
  let header: string[] | null = null;
  for await (const records of readDelimited(file, {
    ...readingOf(ctx, file, display),
    delimiter: map.delimiter,
    encoding: 'utf8',
    maxRecordLines: 100,
  })) {
    for (const rec of records) {
      const { line, fields } = rec;
      if (!at) {
        header = useHeader ? fields.map((f) => f.trim()) : null;
        const col = resolver(display, line, header);
        at = {
          user: col(map.user, 'user'),
          item: col(map.item, 'item'),
          value: map.value === undefined ? undefined : col(map.value, 'value'),
          time: map.timestamp === undefined ? undefined : col(map.timestamp, 'timestamp'),
        };
        width = fields.length;
        if (useHeader) continue;
      }
      const bad = (column: number, reason: string) => ctx.log.skip(display, line, column, reason, rows.n);
      if (header && fields.length === width && fields.every((f, k) => f.trim() === header![k])) {
        bad(1, 'duplicate header line');
        continue;
      }
      if (fields.length !== width) {
        bad(
          fields.length > width ? rec.columns[width] : 1,
          `expected ${width} fields, found ${fields.length}`,
        );
        continue;
      }
      const user = fields[at.user].trim();
      const item = fields[at.item].trim();
      if (user === '') {
        bad(rec.columns[at.user], 'empty user id');
        continue;
      }
      if (item === '') {
        bad(rec.columns[at.item], 'empty item id');
        continue;
      }
      if (items && !items.meta.has(item)) {
        bad(rec.columns[at.item], `unknown item id "${item}": not in ${path.basename(items.display)}`);
        continue;
      }
      let value = 1;
      if (at.value !== undefined) {
        const text = fields[at.value].trim();
        value = text === '' ? NaN : Number(text);
        if (!Number.isFinite(value)) {
          bad(rec.columns[at.value], `non-numeric value "${text}"`);
          continue;
        }
        if (kind === 'implicit' && value < 0) {
          bad(rec.columns[at.value], `value ${text} is negative: counts must be >= 0`);
          continue;
        }
        if (scale && !onScale(value, scale)) {
          bad(
            rec.columns[at.value],
            `rating ${text} is off the scale ${scale.min}..${scale.max} in steps of ${scale.step}`,
          );
          continue;
        }
      }
      let time = 0;
      if (at.time !== undefined) {
        const text = fields[at.time].trim();
        time = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text) / 1000;
        if (!Number.isFinite(time)) {
          bad(rec.columns[at.time], `unreadable timestamp "${text}" (Unix seconds or an ISO 8601 date)`);
          continue;
        }
      }
      rows.push(users.internString(user), itemIds.internString(item), value, time);
    }
  }
  if (!at) throw new DatasetError(display, null, null, 'no lines (only blank lines)');
  if (rows.n === 0) {
    throw new DatasetError(
      display,
      null,
      null,
      ctx.log.skippedRows > 0
        ? `no valid rows (${ctx.log.skippedRows} malformed rows skipped)`
        : 'header only: the file has no data rows',
    );
  }
  const cols = rows.finish();
  let finalScale: ValueScale | null = null;
  if (kind === 'explicit') {
    if (scale) finalScale = { ...scale };
    else {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < rows.n; i++) {
        min = Math.min(min, cols.value[i]);
        max = Math.max(max, cols.value[i]);
      }
      finalScale = { min, max, step: inferStep(cols.value, rows.n) };
    }
  }
  return {
    name: ctx.name,
    format: 'generic',
    kind,
    scale: finalScale,
    userIds: users.ids,
    itemIds: itemIds.ids,
    items: itemIds.ids.map((id) => items?.meta.get(id) ?? { title: id, genres: [] }),
    n: rows.n,
    user: cols.user,
    item: cols.item,
    value: cols.value,
    time: cols.time,
  };
}

function onScale(x: number, s: ValueScale): boolean {
  if (x < s.min - 1e-9 || x > s.max + 1e-9) return false;
  if (!s.step) return true;
  const k = (x - s.min) / s.step;
  return Math.abs(k - Math.round(k)) < 1e-9;
}
