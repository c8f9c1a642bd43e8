// MovieLens CSV releases (ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m): ratings.csv through the byte
// scanner; movies.csv (quoted titles with commas and quotes, `|` genres) and the optional tags.csv through the
// delimited reader.
import type { Interactions, ItemMeta } from '../../types';
import { addTag, dataFile, titleYear, topTags, type LoadContext, readingOf } from '../context';
import { readDelimited } from '../delimited';
import { DatasetError } from '../errors';
import { loadMovielensRatings } from './movielens-ratings';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const MOVIELENS_SCALE = { min: 0.5, max: 5, step: 0.5 };
const NO_GENRES = '(no genres listed)';

export function splitGenres(text: string, sep = '|'): string[] {
  const out: string[] = [];
  if (text === NO_GENRES) return out;
  for (const part of text.split(sep)) {
    const g = part.trim();
    if (g && g !== NO_GENRES) out.push(g);
  }
  return out;
}

/** Reads movies.csv: movieId,title,genres. */
async function readMovies(ctx: LoadContext): Promise<Map<number, ItemMeta>> {
  const { file, display } = dataFile(ctx, 'movies.csv');
  const movies = new Map<number, ItemMeta>();
  const firstLine = new Map<number, number>();
  let header = true;
  let badLine = 0;
  // one closure for the file, not one per row
  const badRow = (column: number, reason: string) =>
    ctx.log.skip(display, badLine, column, reason, movies.size);
  for await (const records of readDelimited(file, {
    ...readingOf(ctx, file, display),
    delimiter: ',',
    encoding: 'utf8',
  })) {
    for (const rec of records) {
      const { line, fields } = rec;
      if (header) {
        header = false;
        const names = fields.map((f) => f.trim().toLowerCase());
        if (names.join(',') !== 'movieid,title,genres') {
          throw new DatasetError(
            display,
            line,
            1,
            `unexpected header "${fields.join(',')}": expected "movieId,title,genres"`,
          );
        }
        continue;
      }
      const bad = badRow;
      badLine = line;
      if (!/^\s*\d/.test(fields[0]) && fields.join(',').toLowerCase() === 'movieid,title,genres') {
        bad(1, 'duplicate header line');
        continue;
      }
      if (fields.length !== 3) {
        bad(
          fields.length > 3 ? rec.columns[3] : 1,
          `expected 3 fields (movieId,title,genres), found ${fields.length}`,
        );
        continue;
      }
      const idText = fields[0].trim();
      if (!/^\d+$/.test(idText)) {
        bad(rec.columns[0], `non-integer movie id "${idText}"`);
        continue;
      }
      const id = Number(idText);
      if (movies.has(id)) {
        bad(rec.columns[0], `duplicate movie id ${id} (first at line ${firstLine.get(id)})`);
        continue;
      }
      const title = fields[1].trim();
      const meta: ItemMeta = { title, genres: splitGenres(fields[2]) };
      const year = titleYear(title);
      if (year !== undefined) meta.year = year;
      movies.set(id, meta);
      firstLine.set(id, line);
    }
  }
  if (header) throw new DatasetError(display, null, null, 'no lines (only blank lines)');
  if (movies.size === 0 && ctx.log.skippedRows === 0) {
    throw new DatasetError(display, null, null, 'header only: the file has no data rows');
  }
  return movies;
}

/** Reads the optional tags.csv (userId,movieId,tag,timestamp) into tag counts per movie. */
async function readTags(
  ctx: LoadContext,
  movies: Map<number, ItemMeta>,
): Promise<Map<number, Map<string, number>>> {
  const counts = new Map<number, Map<string, number>>();
  const { file, display } = dataFile(ctx, 'tags.csv');
  let header = true;
  for await (const records of readDelimited(file, {
    ...readingOf(ctx, file, display),
    delimiter: ',',
    encoding: 'utf8',
  })) {
    for (const rec of records) {
      const { line, fields } = rec;
      if (header) {
        header = false;
        if (!/^userid$/i.test(fields[0]?.trim() ?? '')) {
          throw new DatasetError(
            display,
            line,
            1,
            `unexpected header "${fields.join(',')}": expected "userId,movieId,tag,timestamp"`,
          );
        }
        continue;
      }
      if (fields.length !== 4) {
        ctx.log.skip(
          display,
          line,
          fields.length > 4 ? rec.columns[4] : 1,
          `expected 4 fields (userId,movieId,tag,timestamp), found ${fields.length}`,
        );
        continue;
      }
      const id = Number(fields[1]);
      if (!/^\d+$/.test(fields[1].trim())) {
        ctx.log.skip(display, line, rec.columns[1], `non-integer movie id "${fields[1]}"`);
        continue;
      }
      if (movies.has(id)) addTag(counts, id, fields[2]);
    }
  }
  return counts;
}

export async function loadMovielensCsv(ctx: LoadContext): Promise<Interactions> {
  const movies = await readMovies(ctx);
  return loadMovielensRatings(
    ctx,
    {
      format: 'movielens-csv',
      file: 'ratings.csv',
      sep: ',',
      header: ['userId', 'movieId', 'rating', 'timestamp'],
      scale: MOVIELENS_SCALE,
      itemFile: 'movies.csv',
    },
    movies,
    async () => {
      if (!existsSync(path.join(ctx.dir, 'tags.csv'))) return;
      const tags = await readTags(ctx, movies);
      for (const [id, meta] of movies) {
        const top = topTags(tags, id);
        if (top.length) meta.extra = { ...meta.extra, tags: top.join(', ') };
      }
    },
  );
}
