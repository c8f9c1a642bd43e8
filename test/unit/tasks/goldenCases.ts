// The configurations whose cases are pinned by golden hashes (golden/cases-v2.json, captured from the case builder
// before cases became compact): every form, every split, both negative modes, the probe, several cases per user.
// `node --import tsx test/unit/tasks/goldenCases.ts --write` rewrites the file (only when CASES_VERSION changes).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../../../src/core/dataset';
import { buildCases, caseToJson } from '../../../src/core/tasks';
import type { CaseList, Interactions } from '../../../src/core/types';
import { syntheticData, taskOf } from './helpers';

export const GOLDEN_FILE = path.join(__dirname, 'golden', 'cases-v2.json');

export interface GoldenConfig {
  name: string;
  data: () => Interactions;
  task: Record<string, unknown>;
}

const FORMS = ['rating', 'binary', 'choice', 'ranking'];

export function goldenConfigs(): GoldenConfig[] {
  const out: GoldenConfig[] = [];
  const timed = () => syntheticData({ users: 80 });
  const untimed = () => syntheticData({ users: 80, time: false });
  const implicit = () => syntheticData({ users: 80, kind: 'implicit' });
  for (const form of FORMS) {
    out.push({ name: `${form}-temporal`, data: timed, task: { form, users: 60, casesPerUser: 2 } });
    out.push({
      name: `${form}-random`,
      data: untimed,
      task: { form, users: 60, casesPerUser: 2, history: 5 },
    });
    out.push({ name: `${form}-global`, data: timed, task: { form, users: 60, split: 'global' } });
    out.push({ name: `${form}-probe`, data: timed, task: { form, users: 40, probe: true, history: 6 } });
  }
  out.push({
    name: 'choice-popularity',
    data: timed,
    task: { form: 'choice', users: 60, negatives: 'popularity', candidates: 5 },
  });
  out.push({ name: 'binary-implicit', data: implicit, task: { form: 'binary', users: 60 } });
  out.push({
    name: 'ranking-implicit-random',
    data: implicit,
    task: { form: 'ranking', users: 60, split: 'random' },
  });
  return out;
}

/** The JSONL of a case list (one case per line) and its sha256. */
export function hashCases(cases: CaseList): { count: number; sha256: string } {
  const h = createHash('sha256');
  let count = 0;
  for (const c of cases) {
    h.update(caseToJson(c) + '\n');
    count++;
  }
  return { count, sha256: h.digest('hex') };
}

/** ml-latest-small (bundled with the extension): the real data's ties, genres and titles. */
export const ML_SMALL_TASKS: Record<string, Record<string, unknown>> = {
  'ml-latest-small-choice': { form: 'choice', users: 200 },
  'ml-latest-small-rating-random': { form: 'rating', users: 200, split: 'random', casesPerUser: 2 },
  'ml-latest-small-ranking-global': { form: 'ranking', users: 100, split: 'global', negatives: 'popularity' },
};

async function write(): Promise<void> {
  const golden: Record<string, { count: number; sha256: string }> = {};
  for (const g of goldenConfigs()) golden[g.name] = hashCases(buildCases(g.data(), taskOf(g.task)).cases);
  const { data } = await loadDataset('bundled:ml-latest-small');
  for (const [name, task] of Object.entries(ML_SMALL_TASKS))
    golden[name] = hashCases(buildCases(data, taskOf(task)).cases);
  writeFileSync(GOLDEN_FILE, JSON.stringify(golden, null, 2) + '\n');
  console.log(`wrote ${Object.keys(golden).length} hashes to ${GOLDEN_FILE}`);
}

if (process.argv.includes('--write')) void write();
