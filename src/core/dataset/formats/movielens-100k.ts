// MovieLens 100k: tab-separated u.data (user item rating timestamp, no header) and `|`-separated u.item
// (id|title|release date|video release date|IMDb URL|19 genre flags), ISO-8859-1.
import type { Interactions, ItemMeta } from '../../types';
import { dataFile, titleYear, type LoadContext, readingOf } from '../context';
import { DatasetError } from '../errors';
import { loadMovielensRatings } from './movielens-ratings';
import { readSplitLines } from '../split-lines';

/** The 19 flags of u.item, in order (u.genre); "unknown" is not a genre. */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];
const FIELDS = 5 + ML100K_GENRES.length;

async function readUItem(ctx: LoadContext): Promise<Map<number, ItemMeta>> {
  const { file, display } = dataFile(ctx, 'u.item');
  const movies = new Map<number, ItemMeta>();
  for await (const records of readSplitLines(file, '|', {
    ...readingOf(ctx, file, display),
    encoding: 'latin1',
  })) {
    for (const { line, fields, columns } of records) {
      const bad = (column: number, reason: string) =>
        ctx.log.skip(display, line, column, reason, movies.size);
      if (fields.length !== FIELDS) {
        bad(
          fields.length > FIELDS ? columns[FIELDS] : 1,
          `expected ${FIELDS} fields separated by "|", found ${fields.length}`,
        );
        continue;
      }
      if (!/^\d+$/.test(fields[0].trim())) {
        bad(columns[0], `non-integer movie id "${fields[0]}"`);
        continue;
      }
      const id = Number(fields[0]);
      const flags = fields.slice(5);
      const badFlag = flags.findIndex((f) => f.trim() !== '0' && f.trim() !== '1');
      if (badFlag >= 0) {
        bad(columns[5 + badFlag], `genre flag must be 0 or 1, found "${flags[badFlag]}"`);
        continue;
      }
      if (movies.has(id)) {
        bad(columns[0], `duplicate movie id ${id}`);
        continue;
      }
      const title = fields[1].trim();
      const genres = ML100K_GENRES.filter((_g, k) => k > 0 && flags[k].trim() === '1');
      const meta: ItemMeta = { title, genres };
      const year = titleYear(title) ?? yearOfDate(fields[2]);
      if (year !== undefined) meta.year = year;
      movies.set(id, meta);
    }
  }
  if (movies.size === 0 && ctx.log.skippedRows === 0)
    throw new DatasetError(display, null, null, 'no data rows');
  return movies;
}

/** "01-Jan-1995" -> 1995. */
function yearOfDate(text: string): number | undefined {
  const m = /(\d{4})\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function loadMovielens100k(ctx: LoadContext): Promise<Interactions> {
  const movies = await readUItem(ctx);
  return loadMovielensRatings(
    ctx,
    {
      format: 'movielens-100k',
      file: 'u.data',
      sep: '\t',
      header: null,
      scale: { min: 1, max: 5, step: 1 },
      itemFile: 'u.item',
    },
    movies,
  );
}
