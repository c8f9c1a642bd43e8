// Last.fm HetRec 2011 (hetrec2011-lastfm-2k): user_artists.dat (`userID artistID weight`, tab-separated, with
// or without its header line, CRLF, stray spaces) through the byte scanner; artists.dat (`id name url
// pictureURL`) for names. Play counts are implicit feedback without timestamps. An artist's "genres" are the
// tags its listeners gave it most (user_taggedartists.dat + tags.dat) when those files are there.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Interactions, ItemMeta } from '../../types';
import { addTag, dataFile, itemsByDenseId, topTags, type LoadContext, readingOf } from '../context';
import { DatasetError } from '../errors';
import { scanNumericFile } from '../numeric-scanner';
import { IdTable } from '../rows';
import { readSplitLines } from '../split-lines';

/** Reads a tab-separated file with a header line; yields each data row's fields. */
async function readTabbed(
  ctx: LoadContext,
  name: string,
  header: RegExp,
  minFields: number,
  onRow: (fields: string[], columns: number[], line: number, display: string) => void,
): Promise<void> {
  const { file, display } = dataFile(ctx, name);
  let first = true;
  for await (const records of readSplitLines(file, '\t', {
    ...readingOf(ctx, file, display),
    encoding: 'auto',
  })) {
    for (const { line, fields, columns } of records) {
      if (first) {
        first = false;
        if (header.test(fields[0].trim())) continue;
      }
      if (fields.length < minFields) {
        ctx.log.skip(display, line, 1, `expected ${minFields} tab-separated fields, found ${fields.length}`);
        continue;
      }
      onRow(fields, columns, line, display);
    }
  }
}

async function readArtists(ctx: LoadContext): Promise<Map<number, ItemMeta>> {
  const artists = new Map<number, ItemMeta>();
  await readTabbed(ctx, 'artists.dat', /^id$/i, 2, (fields, columns, line, display) => {
    const id = fields[0].trim();
    if (!/^\d+$/.test(id))
      return ctx.log.skip(display, line, columns[0], `non-integer artist id "${id}"`, artists.size);
    if (artists.has(Number(id)))
      return ctx.log.skip(display, line, columns[0], `duplicate artist id ${id}`, artists.size);
    // the url and picture columns are left out: they are not item text a model should read
    const meta: ItemMeta = { title: fields[1].trim(), genres: [] };
    artists.set(Number(id), meta);
  });
  return artists;
}

async function readArtistTags(ctx: LoadContext): Promise<Map<number, Map<string, number>>> {
  const names = new Map<string, string>();
  await readTabbed(ctx, 'tags.dat', /^tagid$/i, 2, (fields) => {
    names.set(fields[0].trim(), fields[1].trim());
  });
  const counts = new Map<number, Map<string, number>>();
  await readTabbed(ctx, 'user_taggedartists.dat', /^userid$/i, 3, (fields) => {
    const tag = names.get(fields[2].trim());
    if (tag) addTag(counts, Number(fields[1]), tag);
  });
  return counts;
}

export async function loadLastfmHetrec(ctx: LoadContext): Promise<Interactions> {
  const hasArtists = existsSync(path.join(ctx.dir, 'artists.dat'));
  const artists = hasArtists ? await readArtists(ctx) : new Map<number, ItemMeta>();
  const users = new IdTable();
  const items = new IdTable();
  const { file, display } = dataFile(ctx, 'user_artists.dat');
  const cols = await scanNumericFile(file, {
    display,
    sep: '\t',
    hasTime: false,
    header: ['userID', 'artistID', 'weight'],
    headerRequired: false,
    scale: null,
    users,
    items,
    checkNewItem: hasArtists
      ? (id) => (artists.has(id) ? null : `unknown item id ${id}: not in artists.dat`)
      : undefined,
    log: ctx.log,
    signal: ctx.signal,
    hash: ctx.hashFor(file),
  });
  if (
    existsSync(path.join(ctx.dir, 'user_taggedartists.dat')) &&
    existsSync(path.join(ctx.dir, 'tags.dat'))
  ) {
    const tags = await readArtistTags(ctx);
    for (const [id, meta] of artists) meta.genres = topTags(tags, id);
  }
  if (cols.n === 0) throw new DatasetError(display, null, null, 'no data rows');
  const { user, item, value } = cols.finish();
  return {
    name: ctx.name,
    format: 'lastfm-hetrec',
    kind: 'implicit',
    scale: null,
    userIds: users.ids,
    itemIds: items.ids,
    items: itemsByDenseId(items.ids, artists),
    n: cols.n,
    user,
    item,
    value,
    time: null,
  };
}
