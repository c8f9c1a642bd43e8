// One canonical JSON for everything the engine hashes (config hashes, run keys, answer-cache keys): object keys
// sorted at every level, so equal values give equal strings whatever order they were built in.

/**
 * JSON with object keys sorted (code-unit order), `undefined` members dropped and `undefined` array entries
 * written as null, as JSON.stringify does; the top level `undefined` is "null".
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function')
    return canonicalJson(value.toJSON());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
