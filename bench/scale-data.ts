// A seeded MovieLens-shaped folder for the scale benchmark (issue 15): `users` users with 20–50 interactions each
// over 50,000 items (item i drawn with a Zipf-like weight ~ 1/(i+10), no item twice per user), half-star ratings
// and increasing timestamps, in ratings.csv (sorted by user, like MovieLens) and movies.csv. 1,000,000 users give
// about 35M rows (~1 GB). Written in 4 MiB chunks; never committed (the bench writes it into its tmpDir).
//   node --import tsx bench/scale-data.ts <dir> [users]
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../src/core/models/baselines/hash';

export const SCALE_ITEMS = 50_000;
const GENRES = ['Action', 'Adventure', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi', 'Thriller'];

/** Seeded, so the same arguments write the same files. */
const rng = mulberry32;

export interface ScaleDataset {
  dir: string;
  users: number;
  rows: number;
  bytes: number;
}

export function writeScaleDataset(dir: string, users: number, seed = 15): ScaleDataset {
  mkdirSync(dir, { recursive: true });
  const movies = ['movieId,title,genres'];
  for (let i = 0; i < SCALE_ITEMS; i++)
    movies.push(
      `${i + 1},"Movie ${i + 1}, The (${1920 + (i % 100)})",${GENRES[i % 8]}|${GENRES[(i * 7 + 3) % 8]}`,
    );
  writeFileSync(path.join(dir, 'movies.csv'), movies.join('\n') + '\n');

  // Inverse CDF of the item weights, tabulated: an item is one random index away.
  const cum = new Float64Array(SCALE_ITEMS);
  let total = 0;
  for (let i = 0; i < SCALE_ITEMS; i++) cum[i] = total += 1 / (i + 10);
  const table = new Int32Array(1 << 20);
  for (let j = 0, i = 0; j < table.length; j++) {
    const x = ((j + 0.5) / table.length) * total;
    while (cum[i] < x) i++;
    table[j] = i;
  }
  const r = rng(seed);
  const seen = new Int32Array(SCALE_ITEMS).fill(-1);
  const fd = openSync(path.join(dir, 'ratings.csv'), 'w');
  let buf = 'userId,movieId,rating,timestamp\n';
  let rows = 0;
  let bytes = 0;
  for (let u = 0; u < users; u++) {
    const count = 20 + Math.floor(r() * 31);
    let t = 946_684_800 + Math.floor(r() * 600_000_000);
    for (let k = 0; k < count; k++) {
      let item: number;
      do item = table[Math.floor(r() * table.length)];
      while (seen[item] === u);
      seen[item] = u;
      t += 1 + Math.floor(r() * 86_400);
      buf += `${u + 1},${item + 1},${(1 + Math.floor(r() * 10)) / 2},${t}\n`;
      rows++;
    }
    if (buf.length > 1 << 22) {
      bytes += writeSync(fd, buf);
      buf = '';
    }
  }
  bytes += writeSync(fd, buf);
  closeSync(fd);
  return { dir, users, rows, bytes };
}

if (require.main === module) {
  const [dir, users] = process.argv.slice(2);
  if (!dir) throw new Error('usage: scale-data.ts <dir> [users]');
  const t0 = performance.now();
  const d = writeScaleDataset(dir, Number(users ?? 1_000_000));
  console.log(JSON.stringify({ ...d, seconds: (performance.now() - t0) / 1000 }));
}
