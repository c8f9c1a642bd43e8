// The datasets shipped inside the extension and the CLI (media/datasets/<name>). The package root is found by
// walking up from this module to package.json: from the source tree (src/core/dataset, run through tsx) and from
// the bundles (dist/cli.js, dist/extension.js) alike.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatasetError } from './errors';

/** Names of the shipped datasets, and the aliases they answer to. */
export const BUNDLED_DATASETS: Record<string, string> = {
  'ml-latest-small': 'ml-latest-small',
  'ml-latest-small-2016': 'ml-latest-small',
};

/** "bundled:ml-latest-small" in a config or on the command line names a shipped dataset. */
export const BUNDLED_PREFIX = 'bundled:';

/** The package root: the nearest folder above `from` that holds a package.json. */
export function findPackageRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/** The folder of a shipped dataset. `packageRoot` (e.g. the extension's folder) skips the search. */
export function resolveBundledDataset(name: string, packageRoot?: string): string {
  const bare = name.startsWith(BUNDLED_PREFIX) ? name.slice(BUNDLED_PREFIX.length) : name;
  const folder = BUNDLED_DATASETS[bare];
  if (!folder) {
    throw new DatasetError(
      `${BUNDLED_PREFIX}${bare}`,
      null,
      null,
      `no such bundled dataset (bundled: ${Object.keys(BUNDLED_DATASETS).join(', ')})`,
    );
  }
  const root = packageRoot ?? findPackageRoot();
  const dir = path.join(root, 'media', 'datasets', folder);
  if (!existsSync(dir))
    throw new DatasetError(dir, null, null, 'the bundled dataset is missing from this installation');
  return dir;
}
