// The memorisation probes: the recall form (title from id) and history completion (next id in file order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchTitle, sampleRecallItems, titleNames } from '../../../src/core/forms/recall';
import { nextIdAbove } from '../../../src/core/forms/completion';
import { getForm } from '../../../src/core/forms';
import { buildCases } from '../../../src/core/tasks/build';
import { parseAnswer } from '../../../src/core/scoring/parse';
import { taskOf, makeData, syntheticData, type Row } from '../tasks/helpers';

test('recall scoring on hand-made answers: exact, case, article order, missing year, partial, wrong', () => {
  const truth = 'Matrix, The (1999)';
  assert.deepEqual(matchTitle('The Matrix (1999)', truth), { exact: 1, partial: 1 }); // exact
  assert.deepEqual(matchTitle('THE MATRIX', truth), { exact: 1, partial: 1 }); // case, year missing
  assert.deepEqual(matchTitle('Matrix, The', truth), { exact: 1, partial: 1 }); // MovieLens article order
  assert.deepEqual(matchTitle('The Matrix!', truth), { exact: 1, partial: 1 }); // punctuation
  assert.equal(matchTitle('The Matrix (1985)', truth).exact, 0); // a year given must be (about) right
  assert.equal(matchTitle('The Matrix (2000)', truth).exact, 1);
  const partial = matchTitle('The Matrix Revolutions', truth);
  assert.equal(partial.exact, 0);
  assert.ok(Math.abs(partial.partial - 0.8) < 1e-12); // tokens the, matrix of 3 and 2: F1 = 0.8
  assert.deepEqual(matchTitle('Toy Story', truth), { exact: 0, partial: 0 }); // wrong
  // Alternate titles in parentheses, a.k.a. and foreign articles.
  assert.deepEqual(titleNames('Seven (a.k.a. Se7en) (1995)'), ['seven', 'se7en']);
  assert.equal(matchTitle('Se7en', 'Seven (a.k.a. Se7en) (1995)').exact, 1);
  assert.equal(
    matchTitle(
      'La Cité des enfants perdus',
      'City of Lost Children, The (Cité des enfants perdus, La) (1995)',
    ).exact,
    1,
  );
  assert.equal(matchTitle('Radiohead', 'Radiohead').exact, 1); // Last.fm artists have no year
});

test('recall answers parse from JSON and from a bare line; refusals are invalid', () => {
  const ok = parseAnswer('{"title": "Heat (1995)"}', 'recall');
  assert.ok(ok.ok && ok.prediction.title === 'Heat (1995)');
  const bare = parseAnswer('Sure.\n"Toy Story (1995)"', 'recall');
  assert.ok(bare.ok && bare.prediction.title === 'Toy Story (1995)', JSON.stringify(bare));
  const refusal = parseAnswer("I'm sorry, I don't know which item that is.", 'recall');
  assert.ok(!refusal.ok && refusal.reasonCode === 'refusal', JSON.stringify(refusal));
  const form = getForm('recall');
  assert.deepEqual(
    form.score({ form: 'recall', item: '1', title: 'Heat (1995)' }, undefined, { scale: null, k: 10 }),
    {
      exact: 0,
      partial: 0,
    },
  );
});

test('recall items are sampled by the seed, a third from each popularity stratum, examples outside the sample', () => {
  const data = syntheticData({ users: 80, items: 300, seed: 3 });
  const a = sampleRecallItems(data, 60, 1);
  const again = sampleRecallItems(data, 60, 1);
  const other = sampleRecallItems(data, 60, 2);
  assert.deepEqual(a.items, again.items);
  assert.deepEqual(a.examples, again.examples);
  assert.notDeepEqual(a.items, other.items);
  assert.equal(new Set(a.items).size, 60);
  assert.equal(a.examples.length, 3);
  for (const e of a.examples) assert.ok(!a.items.includes(e), 'an example is also asked');
  // Strata by popularity rank: 20 items from each third.
  const ranked = Array.from(a.counts.keys())
    .filter((i) => a.counts[i]! > 0)
    .sort((x, y) => a.counts[y]! - a.counts[x]! || x - y);
  const third = (i: number) => Math.min(2, Math.floor((3 * ranked.indexOf(i)) / ranked.length));
  const per = [0, 0, 0];
  for (const i of a.items) per[third(i)]!++;
  assert.deepEqual(per, [20, 20, 20]);
  assert.deepEqual(a.examples.map(third), [0, 1, 2]);
  // Built as cases through the registry: one per item, the examples as history, popularity as targetPopularity.
  const built = buildCases(data, taskOf({ form: 'recall', items: 30, seed: 1 }));
  assert.equal(built.cases.length, 30);
  assert.equal(built.split, 'items');
  const c = built.cases[0]!;
  assert.equal(c.expected.form, 'recall');
  assert.equal(c.expected.title, data.items[data.itemIds.indexOf(c.expected.item)]!.title);
  assert.equal(c.history.length, 3);
  assert.equal(c.user, `item:${c.expected.item}`);
  assert.ok(built.cases.every((x) => !x.history.some((h) => h.item === x.expected.item)));
});

test('history completion on a tiny data set: first n rows in file order, next id, the next-id control', () => {
  // u1 rows sorted by item id (as ml-latest-small): the control scores; u2 not sorted: it does not.
  const rows: Row[] = [
    ['u1', '10', 4],
    ['u2', '50', 3],
    ['u1', '20', 3],
    ['u1', '30', 5],
    ['u2', '10', 2],
    ['u1', '40', 1],
    ['u2', '40', 4],
    ['u3', '20', 4],
  ];
  const data = makeData(rows);
  assert.equal(nextIdAbove(['10', '20', '30', '40', '50'], '20'), '30');
  assert.equal(nextIdAbove(['9', '10', '100'], '10'), '100'); // numeric order, not string order
  const built = buildCases(data, taskOf({ form: 'completion', history: 2, users: 10 }));
  assert.equal(built.split, 'file order');
  const byUser = new Map(built.cases.map((c) => [c.user, c]));
  assert.deepEqual([...byUser.keys()].sort(), ['u1', 'u2']); // u3 has too few rows
  const u1 = byUser.get('u1')!;
  assert.deepEqual(
    u1.history.map((h) => h.item),
    ['10', '20'],
  );
  assert.deepEqual(u1.expected, { form: 'completion', item: '30', control: '30' });
  const u2 = byUser.get('u2')!;
  assert.deepEqual(
    u2.history.map((h) => h.item),
    ['50', '10'],
  );
  assert.deepEqual(u2.expected, { form: 'completion', item: '40', control: '20' });
  const form = getForm('completion');
  const ctx = { scale: null, k: 10 };
  assert.deepEqual(form.score(u1.expected, { form: 'completion', item: '30' }, ctx), {
    exact: 1,
    control: 1,
  });
  assert.deepEqual(form.score(u2.expected, { form: 'completion', item: '30' }, ctx), {
    exact: 0,
    control: 0,
  });
  assert.deepEqual(form.score(u2.expected, undefined, ctx), { exact: 0, control: 0 });
  const parsed = parseAnswer('{"item": 30}', 'completion');
  assert.ok(parsed.ok && parsed.prediction.item === '30');
});

test('a JSON answer of another form is no title', () => {
  const r = parseAnswer('{"rating": 3.5}', 'recall');
  assert.ok(!r.ok, JSON.stringify(r));
});
