// What every MovieLens release shares: a numeric ratings file (user, item, stars, timestamp) scanned against the
// release's item file, into Interactions. The releases differ only in file name, separator, header and scale.
import type { DatasetFormat, Interactions, ItemMeta, ValueScale } from '../../types';
import { dataFile, itemsByDenseId, type LoadContext } from '../context';
import { scanNumericFile } from '../numeric-scanner';
import { IdTable } from '../rows';

export interface MovielensRatingsFile {
  format: DatasetFormat;
  /** e.g. "ratings.csv", "ratings.dat", "u.data". */
  file: string;
  sep: string;
  /** The header the file must start with, or null for none. */
  header: string[] | null;
  scale: ValueScale;
  /** The item file, named in "unknown item id" errors. */
  itemFile: string;
}

export async function loadMovielensRatings(
  ctx: LoadContext,
  spec: MovielensRatingsFile,
  movies: Map<number, ItemMeta>,
  /** Runs after the ratings are read, before the items are laid out (e.g. to attach tags). */
  beforeFinish?: () => Promise<void>,
): Promise<Interactions> {
  const users = new IdTable();
  const items = new IdTable();
  const { file, display } = dataFile(ctx, spec.file);
  const cols = await scanNumericFile(file, {
    display,
    sep: spec.sep,
    hasTime: true,
    header: spec.header,
    headerRequired: spec.header !== null,
    scale: spec.scale,
    users,
    items,
    checkNewItem: (id) => (movies.has(id) ? null : `unknown item id ${id}: not in ${spec.itemFile}`),
    log: ctx.log,
    signal: ctx.signal,
    hash: ctx.hashFor(file),
  });
  await beforeFinish?.();
  const { user, item, value, time } = cols.finish();
  return {
    name: ctx.name,
    format: spec.format,
    kind: 'explicit',
    scale: { ...spec.scale },
    userIds: users.ids,
    itemIds: items.ids,
    items: itemsByDenseId(items.ids, movies),
    n: cols.n,
    user,
    item,
    value,
    time,
  };
}
