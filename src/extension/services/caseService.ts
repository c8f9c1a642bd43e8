// The test cases behind a run's results: rebuilt from the run's recorded config and dataset (cases are a
// function of the data and the seed), so a failure can name every candidate, not only the target. One build
// per run key, shared by the Test Explorer, the case view and the prompt preview.
import * as path from 'node:path';
import {
  buildCases,
  resolveBundledDataset,
  type EvalConfig,
  type RunManifest,
  type TestCase,
} from '../../core';
import type { DatasetService } from './datasetService';

export class CaseService {
  private readonly cache = new Map<string, Promise<Map<string, TestCase>>>();

  constructor(
    private readonly datasets: DatasetService,
    private readonly packageRoot: string,
  ) {}

  /** The run's cases by id; rejects when its dataset cannot be loaded any more. */
  casesOf(manifest: RunManifest): Promise<Map<string, TestCase>> {
    const key = `${manifest.runKeyHash}:${manifest.dataset.fingerprint}`;
    let cases = this.cache.get(key);
    if (!cases) {
      cases = this.build(manifest);
      // A failed load is not remembered: the dataset may come back.
      cases.catch(() => this.cache.delete(key));
      this.cache.set(key, cases);
    }
    return cases;
  }

  /** The case, or undefined when it cannot be rebuilt (the caller falls back to the result line alone). */
  async caseOf(manifest: RunManifest, caseId: string): Promise<TestCase | undefined> {
    try {
      return (await this.casesOf(manifest)).get(caseId);
    } catch {
      return undefined;
    }
  }

  private async build(manifest: RunManifest): Promise<Map<string, TestCase>> {
    const config = manifest.config as EvalConfig;
    const p = manifest.dataset.path;
    const folder = p.startsWith('bundled:') ? resolveBundledDataset(p, this.packageRoot) : path.resolve(p);
    const { loaded } = await this.datasets.load(folder);
    if (loaded.fingerprint !== manifest.dataset.fingerprint)
      throw new Error(`the dataset in ${folder} has changed since run ${manifest.id}`);
    const { cases } = buildCases(loaded.data, config.task);
    return new Map(cases.map((c) => [c.id, c]));
  }
}
