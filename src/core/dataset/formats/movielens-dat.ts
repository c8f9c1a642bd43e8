// MovieLens .dat releases (ml-1m, ml-10m): `::`-separated ratings.dat and movies.dat, no header lines.
// ml-1m's movies.dat is ISO-8859-1; ml-10m's is UTF-8: titles are read as UTF-8 where valid, else Latin-1.
// ml-1m rates in whole stars (1..5, it ships users.dat); ml-10m in half stars (0.5..5).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Interactions, ItemMeta, ValueScale } from '../../types';
import { dataFile, titleYear, type LoadContext, readingOf } from '../context';
import { DatasetError } from '../errors';
import { loadMovielensRatings } from './movielens-ratings';
import { readSplitLines } from '../split-lines';
import { splitGenres } from './movielens-csv';

async function readMoviesDat(ctx: LoadContext): Promise<Map<number, ItemMeta>> {
  const { file, display } = dataFile(ctx, 'movies.dat');
  const movies = new Map<number, ItemMeta>();
  for await (const records of readSplitLines(file, '::', {
    ...readingOf(ctx, file, display),
    encoding: 'auto',
  })) {
    for (const { line, fields, columns } of records) {
      const bad = (column: number, reason: string) =>
        ctx.log.skip(display, line, column, reason, movies.size);
      if (fields.length !== 3) {
        bad(
          fields.length > 3 ? columns[3] : 1,
          `expected 3 fields (MovieID::Title::Genres), found ${fields.length}`,
        );
        continue;
      }
      if (!/^\d+$/.test(fields[0].trim())) {
        bad(columns[0], `non-integer movie id "${fields[0]}"`);
        continue;
      }
      const id = Number(fields[0]);
      if (movies.has(id)) {
        bad(columns[0], `duplicate movie id ${id}`);
        continue;
      }
      const title = fields[1].trim();
      const meta: ItemMeta = { title, genres: splitGenres(fields[2]) };
      const year = titleYear(title);
      if (year !== undefined) meta.year = year;
      movies.set(id, meta);
    }
  }
  if (movies.size === 0 && ctx.log.skippedRows === 0)
    throw new DatasetError(display, null, null, 'no data rows');
  return movies;
}

export async function loadMovielensDat(ctx: LoadContext): Promise<Interactions> {
  const movies = await readMoviesDat(ctx);
  // ml-1m (which has users.dat) rates in whole stars; ml-10m in half stars.
  const wholeStars = existsSync(path.join(ctx.dir, 'users.dat'));
  const scale: ValueScale = wholeStars ? { min: 1, max: 5, step: 1 } : { min: 0.5, max: 5, step: 0.5 };
  return loadMovielensRatings(
    ctx,
    { format: 'movielens-dat', file: 'ratings.dat', sep: '::', header: null, scale, itemFile: 'movies.dat' },
    movies,
  );
}
