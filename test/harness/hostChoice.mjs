// Which real VS Code runs the integration suite: the desktop build through @vscode/test-electron where it can
// be had, or code-server (the same workbench and extension host, in a browser) where it cannot, as on
// machines that reach only the npm registry.
import { existsSync } from 'node:fs';

/**
 * @param {{ env: Record<string, string | undefined>, electronCacheExists: boolean }} input
 * @returns {{ host: 'electron' | 'code-server', why: string }}
 */
export function chooseHost({ env, electronCacheExists }) {
  const asked = env.UBP_TEST_HOST;
  if (asked === 'electron' || asked === 'code-server') return { host: asked, why: `UBP_TEST_HOST=${asked}` };
  if (asked) throw new Error(`UBP_TEST_HOST must be "electron" or "code-server", not "${asked}"`);
  if (env.VSCODE_EXECUTABLE_PATH) return { host: 'electron', why: 'VSCODE_EXECUTABLE_PATH is set' };
  if (electronCacheExists) return { host: 'electron', why: 'a downloaded VS Code is in .vscode-test/' };
  return {
    host: 'code-server',
    why: 'no desktop VS Code available (set UBP_TEST_HOST=electron to download one)',
  };
}

/** The folder @vscode/test-electron downloads VS Code into. */
export function electronCachePresent(root) {
  return existsSync(`${root}/.vscode-test`);
}
