// "UBP: Compare Runs…": opens the results panel in compare mode for two runs (B against A, paired on the cases
// both answered). Takes both run folders as arguments; asks for whichever is missing.
import type { OpenedResults, ResultsPanels } from '../webviews/resultsPanel';
import { pickRun, runDirOf } from './openResults';

export async function compareRuns(
  panels: ResultsPanels,
  first?: unknown,
  second?: unknown,
): Promise<OpenedResults | undefined> {
  // A tree's multi-selection arrives as (clicked node, [selected nodes]).
  if (Array.isArray(second) && second.length === 2) [first, second] = second;
  else if (Array.isArray(second)) second = undefined;
  const a = runDirOf(first) ?? (await pickRun(panels, 'Compare runs: pick run A (the baseline)'));
  if (!a) return undefined;
  const b = runDirOf(second) ?? (await pickRun(panels, 'Compare runs: pick run B (compared against A)', a));
  if (!b) return undefined;
  return panels.showComparison(a, b);
}
