import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadDataset } from '../../../src/core/dataset';
import { buildCases, caseToJson } from '../../../src/core/tasks';
import { caseIdAt, casesWhere, firstCases } from '../../../src/core/tasks/caseList';
import { GOLDEN_FILE, ML_SMALL_TASKS, goldenConfigs, hashCases } from './goldenCases';
import { syntheticData, taskOf } from './helpers';

type Golden = Record<string, { count: number; sha256: string }>;
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Golden;

test('compact cases give the bytes the case builder gave before (golden hashes, every form and split)', () => {
  for (const g of goldenConfigs()) {
    const built = buildCases(g.data(), taskOf(g.task));
    assert.deepEqual(hashCases(built.list), golden[g.name], g.name);
    // The array form is the same cases.
    assert.deepEqual(hashCases(built.cases), golden[g.name], `${g.name} (array)`);
  }
});

test('compact cases on ml-latest-small equal the golden hashes', async (t) => {
  const bundled = await loadDataset('bundled:ml-latest-small').catch(() => null);
  if (!bundled) return t.skip('bundled ml-latest-small absent');
  for (const [name, task] of Object.entries(ML_SMALL_TASKS))
    assert.deepEqual(hashCases(buildCases(bundled.data, taskOf(task)).list), golden[name], name);
});

test('a compact list gives ids without building, negative and out-of-range positions, and views', () => {
  const built = buildCases(syntheticData(), taskOf({ form: 'choice', users: 30, casesPerUser: 2 }));
  const list = built.list;
  assert.equal(list.length, 60);
  assert.equal(caseToJson(list.at(-1)!), caseToJson(built.cases[59]));
  assert.equal(list.at(60), undefined);
  for (let i = 0; i < list.length; i++) assert.equal(caseIdAt(list, i), built.cases[i].id);
  const first = firstCases(list, 7);
  assert.deepEqual([...first].map(caseToJson), built.cases.slice(0, 7).map(caseToJson));
  const odd = casesWhere(list, (id) => id.length % 2 === 1);
  assert.deepEqual(
    [...odd].map((c) => c.id),
    built.cases.filter((c) => c.id.length % 2 === 1).map((c) => c.id),
  );
  assert.ok(odd.length > 0 && odd.length < list.length);
  assert.equal(caseIdAt(odd, 0), odd.at(0)!.id);
  // An array passes through as an array.
  assert.ok(Array.isArray(firstCases(built.cases, 3)));
});

test('a case shares its genres with the dataset instead of copying them; the probe shows none', () => {
  const data = syntheticData();
  const c = buildCases(data, taskOf({ form: 'rating', users: 5 })).list.at(0)!;
  const item = data.itemIds.indexOf(c.target.item);
  assert.equal(c.target.genres, data.items[item].genres);
  const probe = buildCases(data, taskOf({ form: 'rating', users: 5, probe: true })).list.at(0)!;
  assert.deepEqual(probe.target.genres, []);
});

test('the golden file exists and covers every configuration', () => {
  assert.ok(existsSync(GOLDEN_FILE));
  for (const g of goldenConfigs()) assert.ok(golden[g.name], g.name);
});
