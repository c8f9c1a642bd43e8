// The extension's door to the engine's datasets: finds them, loads each once and keeps it while it is used.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ConfigService } from './configService';
import {
  loadDataset,
  datasetStats,
  resolveBundledDataset,
  type LoadedDataset,
  type DatasetStats,
} from '../../core';

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

  /** The bundled dataset. */
  bundled(): DatasetRef {
    return {
      label: 'ml-latest-small (bundled, 2016)',
      path: resolveBundledDataset('ml-latest-small', this.extensionUri.fsPath),
      bundled: true,
    };
  }

  /**
   * The datasets the views list: the bundled one, those the workspace's configs use, and folders in the workspace
   * holding a known format's main file.
   */
  async list(configs?: ConfigService): Promise<DatasetRef[]> {
    const refs = new Map<string, DatasetRef>();
    const bundled = this.bundled();
    refs.set(bundled.path, bundled);
    for (const c of (await configs?.list()) ?? []) {
      const p = c.config?.dataset.path;
      if (!p || p.startsWith('bundled:')) continue;
      const abs = path.resolve(path.dirname(c.uri.fsPath), p);
      if (!refs.has(abs))
        refs.set(abs, {
          label: `${path.basename(abs)} (${vscode.workspace.asRelativePath(c.uri)})`,
          path: abs,
          bundled: false,
        });
    }
    const found = await vscode.workspace.findFiles(
      '**/{ratings.csv,ratings.dat,u.data,user_artists.dat}',
      '**/{node_modules,.ubp,.git}/**',
      50,
    );
    for (const f of found) {
      const dir = path.dirname(f.fsPath);
      if (!refs.has(dir))
        refs.set(dir, {
          label: `${path.basename(dir)} (${vscode.workspace.asRelativePath(dir)})`,
          path: dir,
          bundled: false,
        });
    }
    return [...refs.values()];
  }

  /** Loads a dataset folder once; later calls share the result. */
  load(path: string): Promise<LoadedWithStats> {
    let entry = this.cache.get(path);
    if (!entry) {
      entry = (async () => {
        const t0 = performance.now();
        const loaded = await loadDataset(path);
        const loadMs = Math.round(performance.now() - t0);
        this.log.info(
          `loaded ${path}: ${loaded.data.n} interactions in ${loadMs} ms (${loaded.skippedRows} rows skipped)`,
        );
        return { loaded, stats: datasetStats(loaded.data), loadMs };
      })();
      entry.catch(() => this.cache.delete(path));
      this.cache.set(path, entry);
    }
    return entry;
  }
}
