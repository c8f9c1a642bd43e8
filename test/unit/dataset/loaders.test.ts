// Every loader on the project's small fixtures: ids interned in order of appearance, rows in file order,
// values as float64, titles and genres as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, detectFormat } from '../../../src/core/dataset';
import { fixture } from './helpers';

test('movielens-csv: quoted titles, (no genres listed), tags, file order kept', async () => {
  const { data, skippedRows, files } = await loadDataset(fixture('ml-csv'));
  assert.equal(data.format, 'movielens-csv');
  assert.equal(data.kind, 'explicit');
  assert.deepEqual(data.scale, { min: 0.5, max: 5, step: 0.5 });
  assert.equal(skippedRows, 0);
  assert.equal(data.n, 7);
  assert.deepEqual(data.userIds, ['1', '7', '3']);
  assert.deepEqual(data.itemIds, ['1', '3', '6', '2', '5']);
  assert.deepEqual([...data.user], [0, 0, 0, 1, 1, 1, 2]);
  assert.deepEqual([...data.item], [0, 1, 2, 3, 4, 0, 1]);
  assert.deepEqual([...data.value], [4, 4, 2.5, 3.5, 0.5, 5, 3.5]);
  assert.ok(data.value instanceof Float64Array);
  assert.deepEqual(
    [...data.time!],
    [964982703, 964981247, 964982224, 1100000000, 1100000000, 1100000001, 1200000000],
  );
  const byId = (id: string) => data.items[data.itemIds.indexOf(id)];
  assert.equal(byId('2').title, 'American President, The (1995)');
  assert.equal(
    byId('3').title,
    'Dr. Strangelove or: How I Learned to Stop Worrying and Love the "Bomb" (1964)',
  );
  assert.deepEqual(byId('3').genres, ['Comedy', 'War']);
  assert.equal(byId('3').year, 1964);
  assert.deepEqual(byId('6').genres, []);
  assert.equal(byId('5').title, 'Cité des enfants perdus, La (1995)');
  // tags.csv: the most used first; a tag with a comma stays whole
  assert.equal(byId('1').extra?.tags, 'pixar, toys, talking');
  assert.equal(data.items.length, data.itemIds.length);
  assert.deepEqual(
    files.map((f) => f.split('/').pop()),
    ['movies.csv', 'ratings.csv', 'tags.csv'],
  );
});

test('movielens-dat: "::", Latin-1 titles, whole-star scale with users.dat', async () => {
  const { data, issues } = await loadDataset(fixture('ml-dat'));
  assert.equal(data.format, 'movielens-dat');
  assert.deepEqual(data.scale, { min: 1, max: 5, step: 1 });
  assert.equal(data.items[data.itemIds.indexOf('2')].title, 'Cité des enfants perdus, La (1995)');
  assert.deepEqual(data.items[data.itemIds.indexOf('1')].genres, ['Animation', "Children's", 'Comedy']);
  // 2::2::6 is off the 1..5 scale: the rating starts at column 7
  assert.deepEqual(
    issues.map((i) => [i.line, i.column]),
    [[4, 7]],
  );
  assert.deepEqual([...data.value], [5, 3, 4, 1]);
  assert.deepEqual([...data.time!], [978300760, 978302109, 978300275, 978824291]);
});

test('movielens-100k: tab-separated u.data, u.item genre flags, Latin-1', async () => {
  const { data } = await loadDataset(fixture('ml-100k'));
  assert.equal(data.format, 'movielens-100k');
  assert.deepEqual(data.userIds, ['196', '186', '22']);
  assert.deepEqual([...data.value], [3, 3, 1, 2]);
  const item = (id: string) => data.items[data.itemIds.indexOf(id)];
  assert.deepEqual(item('1').genres, ['Animation', "Children's", 'Comedy']);
  assert.equal(item('2').title, 'Café au lait (1993)');
  assert.deepEqual(item('3').genres, [], 'the "unknown" flag is not a genre');
});

test('lastfm-hetrec: no header, CRLF, stray spaces, implicit, top tags as genres', async () => {
  const { data, skippedRows } = await loadDataset(fixture('lastfm'));
  assert.equal(data.format, 'lastfm-hetrec');
  assert.equal(data.kind, 'implicit');
  assert.equal(data.scale, null);
  assert.equal(data.time, null);
  assert.equal(skippedRows, 0);
  assert.deepEqual(data.userIds, ['2', '61']);
  assert.deepEqual(data.itemIds, ['51', '52', '53']);
  assert.deepEqual([...data.value], [13883, 11690, 170, 1]);
  assert.deepEqual([...data.item], [0, 1, 0, 2], '"51  " with stray spaces is artist 51');
  assert.equal(data.items[1].title, 'Björk');
  assert.deepEqual(data.items[0].genres, ['new wave', 'pop'], 'tagged twice "new wave", once "pop"');
  assert.deepEqual(data.items[1].genres, ['électronique'], 'tags.dat is Latin-1');
  assert.deepEqual(data.items[2], { title: 'Motörhead', genres: [] }, 'no url or picture in the item text');
});

test('lastfm-hetrec: the original release header line, no artists.dat', async () => {
  const { data } = await loadDataset(fixture('lastfm-header'));
  assert.equal(data.n, 2);
  assert.deepEqual(data.items, [{ title: '51', genres: [] }]);
});

test('generic: TSV through a column map, ISO and Unix times, item file with a multi-line quoted field', async () => {
  const { data, issues } = await loadDataset(fixture('generic'), {
    columns: {
      user: 'user_id',
      item: 'item_id',
      value: 'plays',
      timestamp: 'when',
      kind: 'implicit',
      items: { file: 'books.csv', id: 'id', title: 'name', genres: 'shelf', extra: ['blurb'] },
    },
  });
  assert.equal(data.format, 'generic');
  assert.equal(data.kind, 'implicit');
  assert.deepEqual(data.userIds, ['alice', 'bob']);
  assert.deepEqual([...data.value], [12, 3, 0]);
  assert.deepEqual([...data.time!], [Date.UTC(2020, 0, 1) / 1000, 1577923200, Date.UTC(2020, 0, 3) / 1000]);
  assert.deepEqual(data.items[0], {
    title: 'Dune, Part One',
    genres: ['sci-fi', 'classic'],
    extra: { blurb: 'A desert planet.\nSpice.' },
  });
  assert.equal(data.items[1].extra?.blurb, 'A "matchmaker"');
  assert.deepEqual(
    issues.map((i) => `${i.line}:${i.column}: ${i.reason}`),
    ['5:5: unknown item id "b-9": not in books.csv', '6:11: non-numeric value "lots"'],
  );
});

test('generic: explicit without a scale infers it; by column index without a header', async () => {
  const { data } = await loadDataset(fixture('generic/plays.tsv'), {
    columns: { user: 0, item: 1, value: 2, header: true },
  });
  assert.equal(data.kind, 'explicit');
  assert.deepEqual(data.scale, { min: 0, max: 12, step: 1 });
  assert.equal(data.n, 4, 'b-9 is fine without an item file; "lots" is not a number');
  assert.equal(data.items[0].title, 'b-1');
});

test('generic: a column name missing from the header is named in the error', async () => {
  await assert.rejects(
    loadDataset(fixture('generic'), { columns: { user: 'uid', item: 'item_id', file: 'plays.tsv' } }),
    {
      name: 'DatasetError',
      message: /columns\.user: no column "uid" in the header \(user_id, item_id, plays, when\)/,
    },
  );
});

test('detectFormat names each layout; --as overrides detection', async () => {
  assert.equal(detectFormat(fixture('ml-csv')), 'movielens-csv');
  assert.equal(detectFormat(fixture('ml-dat')), 'movielens-dat');
  assert.equal(detectFormat(fixture('ml-100k')), 'movielens-100k');
  assert.equal(detectFormat(fixture('lastfm')), 'lastfm-hetrec');
  await assert.rejects(
    loadDataset(fixture('ml-csv'), { format: 'lastfm-hetrec' }),
    /user_artists\.dat: file not found/,
  );
});

test('a file path loads its folder', async () => {
  const { data } = await loadDataset(fixture('ml-csv/ratings.csv'));
  assert.equal(data.n, 7);
});
