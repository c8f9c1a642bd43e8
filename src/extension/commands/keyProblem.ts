// Which endpoint's key to ask for after a run stopped a model on a refused key. No `vscode` import:
// unit-tested in plain Node.
import type { ManifestVariant, StoppedModel } from '../../core';

/** A refused key in the provider's words: HTTP 401, or 403 (no permission for the model with this key). */
const KEY_REFUSED = /\bHTTP 40[13]\b/;

/** The origin of the first model stopped because its key was refused, or undefined (no key problem). */
export function keyProblemOrigin(
  stopped: readonly StoppedModel[] | undefined,
  variants: readonly Pick<ManifestVariant, 'model' | 'origin'>[],
): string | undefined {
  for (const m of stopped ?? []) {
    if (!KEY_REFUSED.test(m.reason)) continue;
    const origin = variants.find((v) => v.model === m.model && v.origin)?.origin;
    if (origin) return origin;
  }
  return undefined;
}
