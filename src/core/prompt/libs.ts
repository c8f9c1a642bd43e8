// LiquidJS and yaml, loaded on their first use (a synchronous require, as the prompt API is synchronous): a run
// without templates (baselines only) never evaluates them, and the CLI ships them as files of their own
// (dist/cli/vendor/, scripts/build.mjs) that it reads only then. Every value import of either goes through here:
// the CLI build refuses an import statement of them.
import type * as LiquidJs from 'liquidjs';
import type * as Yaml from 'yaml';

let liquid: typeof LiquidJs | undefined;
let yaml: typeof Yaml | undefined;

/* eslint-disable @typescript-eslint/no-require-imports -- the lazy, synchronous load this module exists for */
export function liquidjs(): typeof LiquidJs {
  return (liquid ??= require('liquidjs') as typeof LiquidJs);
}

export function yamlLib(): typeof Yaml {
  return (yaml ??= require('yaml') as typeof Yaml);
}
