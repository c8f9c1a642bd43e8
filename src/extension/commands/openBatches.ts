// How many of a run's batches are still open at the provider (Delete Run refuses then). No `vscode` import:
// unit-tested in plain Node.
import { loadBatch, readRunManifest } from '../../core';
import { isCancellable } from '../batchText';

/**
 * Batches of the run in `dir` still running at the provider. 0 for a run not in batch mode, and for one whose
 * manifest.json or batches.json cannot be read: a damaged run folder must stay deletable.
 */
export async function openBatchCount(dir: string): Promise<number> {
  try {
    if (readRunManifest(dir).status !== 'batch') return 0;
    const { readBatchState } = await loadBatch();
    return readBatchState(dir).batches.filter(isCancellable).length;
  } catch {
    return 0;
  }
}
