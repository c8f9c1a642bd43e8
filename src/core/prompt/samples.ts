// A small, fixed example case per task form (real MovieLens titles), for previewing a template when no eval
// config or dataset is at hand, and for tests.
import { getForm } from '../forms';
import type { Candidate, HistoryEntry, TaskForm, TestCase } from '../types';
import type { PromptRenderInfo } from './render';

const HISTORY: HistoryEntry[] = [
  ['1', 'Toy Story (1995)', 'Adventure|Animation|Children|Comedy|Fantasy', 4, 964982703],
  ['50', 'Usual Suspects, The (1995)', 'Crime|Mystery|Thriller', 5, 964982931],
  ['260', 'Star Wars: Episode IV - A New Hope (1977)', 'Action|Adventure|Sci-Fi', 5, 964981680],
  ['296', 'Pulp Fiction (1994)', 'Comedy|Crime|Drama|Thriller', 3, 964982967],
  ['356', 'Forrest Gump (1994)', 'Comedy|Drama|Romance|War', 4, 964980962],
  ['2571', 'Matrix, The (1999)', 'Action|Sci-Fi|Thriller', 5, 964981710],
].map(([item, title, genres, value, time]) => ({
  item: String(item),
  title: String(title),
  genres: String(genres).split('|'),
  value: Number(value),
  time: Number(time),
}));

const TARGET = {
  item: '1196',
  title: 'Star Wars: Episode V - The Empire Strikes Back (1980)',
  genres: ['Action', 'Adventure', 'Sci-Fi'],
};
const OTHERS = [
  { item: '1721', title: 'Titanic (1997)', genres: ['Drama', 'Romance'] },
  {
    item: '588',
    title: 'Aladdin (1992)',
    genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Musical'],
  },
  { item: '2959', title: 'Fight Club (1999)', genres: ['Action', 'Crime', 'Drama', 'Thriller'] },
  { item: '318', title: 'Shawshank Redemption, The (1994)', genres: ['Crime', 'Drama'] },
];

/** The example case for a form: user "1" of ml-latest-small-like data, target The Empire Strikes Back. */
export function sampleCase(form: TaskForm): TestCase {
  const base = {
    id: `sample-${form}`,
    form,
    user: '1',
    historyLength: 232,
    history: HISTORY.map((h) => ({ ...h, genres: [...h.genres] })),
    target: { ...TARGET, genres: [...TARGET.genres] },
    targetPopularity: 211,
  };
  const def = getForm(form);
  if (!def.candidates) return { ...base, expected: def.example('') };
  // The true item sits third, so a template that leaks the order is visible in a preview.
  const items = [OTHERS[0]!, OTHERS[1]!, TARGET, OTHERS[2]!, OTHERS[3]!];
  const candidates: Candidate[] = items.map((it, i) => ({
    ...it,
    genres: [...it.genres],
    label: String.fromCharCode(65 + i),
  }));
  return { ...base, candidates, expected: def.example('C') };
}

/** The render info that goes with sampleCase. */
export const SAMPLE_INFO: PromptRenderInfo = {
  dataset: { name: 'ml-latest-small', kind: 'explicit', scale: { min: 0.5, max: 5, step: 0.5 } },
  task: { likeThreshold: 4, topShare: 0.2, k: 10 },
};
