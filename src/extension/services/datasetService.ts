// The extension's door to the engine's datasets: finds them, loads each once and keeps it while it is used.
import * as vscode from 'vscode';
import { loadDataset, datasetStats, resolveBundledDataset, type LoadedDataset, type DatasetStats } from '../../core';

export interface DatasetRef {
  /** What the tree shows. */
  label: string;
  /** Absolute folder. */
  path: string;
  bundled: boolean;
}

export interface LoadedWithStats {
  loaded: LoadedDataset;
  stats: DatasetStats;
  loadMs: number;
}

export class DatasetService {
  private readonly cache = new Map<string, Promise<LoadedWithStats>>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The datasets the views list: the bundled one first. */
  list(): DatasetRef[] {
    return [{ label: 'ml-latest-small (bundled, 2016)', path: resolveBundledDataset('ml-latest-small', this.extensionUri.fsPath), bundled: true }];
  }

  /** Loads a dataset folder once; later calls share the result. */
  load(path: string): Promise<LoadedWithStats> {
    let entry = this.cache.get(path);
    if (!entry) {
      entry = (async () => {
        const t0 = performance.now();
        const loaded = await loadDataset(path);
        const loadMs = Math.round(performance.now() - t0);
        this.log.info(`loaded ${path}: ${loaded.data.n} interactions in ${loadMs} ms (${loaded.skippedRows} rows skipped)`);
        return { loaded, stats: datasetStats(loaded.data), loadMs };
      })();
      entry.catch(() => this.cache.delete(path));
      this.cache.set(path, entry);
    }
    return entry;
  }
}
