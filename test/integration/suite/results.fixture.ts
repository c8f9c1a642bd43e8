// Writes a synthetic, deterministic run folder through the engine's store API (manifest.json + results.jsonl),
// for the results panel's integration and UI tests. Some answers are hostile markup, which the panel must show
// as text: `<img src=x onerror=alert(1)>`, `<script>alert(1)</script>`, and a target title with markup.
import { openRunStore, type CaseResult, type ChatMessage, type RunStatus } from '../../../src/core';

export const HOSTILE_IMG = '<img src=x onerror=alert(1)>';
export const HOSTILE_SCRIPT = '<script>alert(1)</script>';
export const HOSTILE_TITLE = '<b>Toy Story</b> <img src=x onerror=alert(2)>';

export interface FixtureRunOptions {
  /** The store root: the run goes to `<root>/runs/<id>`. */
  root: string;
  id: string;
  name?: string;
  cases: number;
  users?: number;
  models: string[];
  baselines?: string[];
  templates?: string[];
  seed?: number;
  status?: RunStatus;
  /** Characters of padding in each user message (a realistic prompt is ~1–2 kB). */
  promptChars?: number;
  probe?: boolean;
  /** Write only the first `partial` results per variant (a run still going). */
  partial?: number;
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STARS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];

/** The rating results of one run (every variant), in the order a runner would append them. */
export function fixtureResults(o: FixtureRunOptions): CaseResult[] {
  const rand = rng(o.seed ?? 1);
  const users = o.users ?? Math.max(1, Math.ceil(o.cases / 3));
  const templates = o.templates ?? ['builtin:rating'];
  const pad = 'x'.repeat(o.promptChars ?? 200);
  const out: CaseResult[] = [];
  const cases = Array.from({ length: o.cases }, (_, i) => ({
    caseId: `case-${String(i).padStart(6, '0')}`,
    user: `u${i % users}`,
    truth: STARS[Math.floor(rand() * STARS.length)],
    historyLength: 5 + Math.floor(rand() * 195),
    targetPopularity: 1 + Math.floor(rand() * rand() * 400),
    title: i === 0 ? HOSTILE_TITLE : `Movie ${i} (${1950 + (i % 70)})`,
  }));
  const variants = [
    ...templates.flatMap((t, ti) =>
      o.models.map((m, mi) => ({
        id: `${t}×${m}`,
        model: m,
        template: t as string | null,
        skill: 0.5 + 0.25 * mi + 0.1 * ti,
      })),
    ),
    ...(o.baselines ?? []).map((b) => ({
      id: `baseline:${b}`,
      model: `baseline:${b}`,
      template: null as string | null,
      skill: 0.4,
    })),
  ];
  variants.forEach((v, vi) => {
    const limit = o.partial ?? o.cases;
    cases.slice(0, limit).forEach((c, ci) => {
      const llm = v.template !== null;
      const messages: ChatMessage[] | undefined = llm
        ? [
            {
              role: 'system',
              content: 'Predict the star rating (0.5–5) the user gives. Answer {"rating": x}.',
            },
            { role: 'user', content: `History: ${pad}\nTarget: ${c.title}` },
          ]
        : undefined;
      const base = {
        caseId: c.caseId,
        variant: v.id,
        model: v.model,
        template: v.template,
        sample: 0,
        user: c.user,
        form: 'rating' as const,
        expected: { form: 'rating' as const, value: c.truth },
        historyLength: c.historyLength,
        targetPopularity: c.targetPopularity,
        latencyMs: llm ? 200 + Math.floor(rand() * 800) : 0,
        finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + (vi * o.cases + ci) * 100).toISOString(),
        ...(messages ? { messages } : {}),
        ...(llm ? { usage: { prompt: 400, completion: 8 }, costUsd: 0.0001 } : {}),
        target: { item: `m${ci}`, title: c.title, genres: [] },
      };
      // Hostile answers on the first cases of the first LLM variant; a few invalid and error outcomes elsewhere.
      if (llm && vi === 0 && ci === 0) {
        out.push({
          ...base,
          outcome: 'invalid',
          reason: 'no rating in the answer',
          raw: HOSTILE_IMG,
        } as CaseResult);
        return;
      }
      if (llm && vi === 0 && ci === 1) {
        out.push({
          ...base,
          outcome: 'invalid',
          reason: 'no rating in the answer',
          raw: `Sure! ${HOSTILE_SCRIPT}`,
        } as CaseResult);
        return;
      }
      const roll = rand();
      if (llm && roll < 0.03) {
        out.push({
          ...base,
          outcome: 'invalid',
          reason: 'no rating in the answer',
          raw: 'I cannot know that.',
        } as CaseResult);
        return;
      }
      if (llm && roll < 0.04) {
        out.push({ ...base, outcome: 'error', reason: 'HTTP 500 from the endpoint', raw: '' } as CaseResult);
        return;
      }
      const noise = (rand() - 0.5) * 4 * (1.2 - v.skill);
      const value = Math.min(5, Math.max(0.5, Math.round((c.truth + noise) * 2) / 2));
      out.push({
        ...base,
        outcome: 'success',
        raw: llm ? `{"rating": ${value}}` : String(value),
        prediction: { form: 'rating', value },
      } as CaseResult);
    });
  });
  return out;
}

/** Writes the run through the engine's store and returns its folder. */
export async function writeFixtureRun(o: FixtureRunOptions): Promise<string> {
  const results = fixtureResults(o);
  const templates = o.templates ?? ['builtin:rating'];
  const variants = [
    ...templates.flatMap((t) =>
      o.models.map((m) => ({
        id: `${t}×${m}`,
        kind: 'llm' as const,
        model: m,
        template: t,
        samples: 1,
        origin: 'http://127.0.0.1:1',
      })),
    ),
    ...(o.baselines ?? []).map((b) => ({
      id: `baseline:${b}`,
      kind: 'baseline' as const,
      model: `baseline:${b}`,
      template: null,
      samples: 1,
    })),
  ];
  const store = await openRunStore({
    root: o.root,
    runId: o.id,
    tool: 'results fixture',
    manifest: {
      format: 1,
      id: o.id,
      name: o.name ?? 'Fixture ratings',
      config: {
        name: o.name ?? 'Fixture ratings',
        task: {
          form: 'rating',
          users: o.users ?? Math.ceil(o.cases / 3),
          seed: o.seed ?? 1,
          k: 10,
          probe: o.probe ?? false,
        },
      },
      configHash: 'fixture',
      runKeyHash: 'fixture',
      engineVersion: 'fixture',
      openaiVersion: 'fixture',
      node: process.version,
      dataset: {
        name: 'fixture-movies',
        path: 'fixture',
        fingerprint: 'fixture-fp',
        form: 'rating',
        scale: { min: 0.5, max: 5, step: 0.5 },
      },
      variants,
      cases: o.cases,
    },
  });
  for (const r of results) store.append(r);
  store.flush();
  const count = (x: string) => results.filter((r) => r.outcome === x).length;
  const units = o.cases * variants.length;
  const totals = {
    success: count('success'),
    invalid: count('invalid'),
    error: count('error'),
    units,
    promptTokens: results.reduce((s, r) => s + (r.usage?.prompt ?? 0), 0),
    completionTokens: results.reduce((s, r) => s + (r.usage?.completion ?? 0), 0),
    reasoningTokens: 0,
    costUsd: results.reduce((s, r) => s + (r.costUsd ?? 0), 0),
    requests: results.filter((r) => r.template !== null).length,
    cached: 0,
  };
  if ((o.status ?? 'done') === 'running') store.updateManifest({ totals });
  else store.close({ status: o.status ?? 'done', totals });
  return store.dir;
}
