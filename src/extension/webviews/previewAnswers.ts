// Failures beside the template: for the case the prompt preview shows, what each model answered in the latest
// finished run of every workspace config that uses this template, expected against predicted in human terms.
// Each run is read once per size of its results file and indexed by case.
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  failureOf,
  readRun,
  resolveConfigPath,
  resultsSize,
  scoringContext,
  type CaseResult,
  type ScoringContext,
  type TestCase,
} from '../../core';
import type { Services } from '../services';
import { contextOf, expectedHuman, predictedHuman } from '../caseText';
import type { PreviewAnswer } from '../../protocol/promptPreview';
import { formatDate } from '../../protocol/dates';

interface Indexed {
  size: number;
  value: Promise<{
    byCase: Map<string, CaseResult[]>;
    ctx: ScoringContext;
    runId: string;
    startedAt: string;
  }>;
}

export class LatestAnswers {
  private readonly runs = new Map<string, Indexed>();

  constructor(private readonly services: Services) {}

  /** Answers to `testCase` by variants using the template `templateName` (the file `templateFile`). */
  async forCase(templateFile: string, templateName: string, testCase: TestCase): Promise<PreviewAnswer[]> {
    const file = path.resolve(templateFile);
    const configs = (await this.services.configs.list()).filter((c) => {
      const config = c.config;
      if (!config) return false;
      const dir = path.dirname(c.uri.fsPath);
      return (config.prompts ?? []).some(
        (p) => !p.startsWith('builtin:') && resolveConfigPath(config, dir, p) === file,
      );
    });
    if (!configs.length) return [];
    const runs = this.services.runs.list();
    const out: PreviewAnswer[] = [];
    for (const c of configs) {
      const run = runs.find((r) => r.manifest.configFile === c.uri.fsPath && r.manifest.status !== 'running');
      if (!run) continue;
      const { byCase, ctx, runId, startedAt } = await this.index(run.dir, templateName);
      for (const r of byCase.get(testCase.id) ?? []) {
        const cctx = { ...contextOf(testCase, r), scale: ctx.scale };
        const failure = failureOf(r, ctx);
        out.push({
          variant: r.variant,
          runId,
          when: formatDate(startedAt, vscode.env.language),
          outcome: failure ?? 'right',
          expected: expectedHuman(r.expected, cctx),
          predicted:
            r.outcome === 'success' && r.prediction
              ? predictedHuman(r.prediction, cctx)
              : `${r.outcome}: ${r.reason ?? 'no answer'}`,
          raw: r.raw ?? null,
          ref: { dir: run.dir, caseId: r.caseId, variant: r.variant, sample: r.sample },
        });
      }
    }
    return out;
  }

  private index(dir: string, templateName: string): Indexed['value'] {
    const key = `${dir}\u0000${templateName}`;
    const size = resultsSize(dir);
    const cached = this.runs.get(key);
    if (cached && cached.size === size) return cached.value;
    const value = readRun(dir).then(({ manifest, results }) => {
      const byCase = new Map<string, CaseResult[]>();
      for (const r of results) {
        if (r.template !== templateName) continue;
        const list = byCase.get(r.caseId);
        if (list) list.push(r);
        else byCase.set(r.caseId, [r]);
      }
      return { byCase, ctx: scoringContext(manifest), runId: manifest.id, startedAt: manifest.startedAt };
    });
    value.catch(() => this.runs.delete(key));
    this.runs.set(key, { size, value });
    return value;
  }
}
