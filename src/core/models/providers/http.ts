// The small requests providers make outside predictions (listing models): one GET over the lean transport,
// bounded in time, redirects refused, the key checked against its origin before anything is sent, and errors
// readable and free of the key.
import { assertKeyOrigin } from '../origin';
import { redactSecrets } from '../retry';
import { TransportTimeoutError, createNodeFetch } from '../transport';
import type { ConnectionCheck, ListModelsOptions } from './types';

/** GET `url` and parse its JSON. `what` starts every error message ("cannot list models at …"). */
export async function getJson(
  url: string,
  headers: Record<string, string>,
  options: ListModelsOptions & { what: string; keyOrigin?: string; secrets: (string | undefined)[] },
): Promise<{ body: unknown; status: number }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchFn =
    options.fetch ?? createNodeFetch({ connectTimeoutMs: timeoutMs, responseTimeoutMs: timeoutMs });
  const clean = (s: string): string => redactSecrets(s, options.secrets);
  if (options.keyOrigin) assertKeyOrigin(options.keyOrigin, url);
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  let res: Response;
  try {
    res = await fetchFn(url, {
      headers: { accept: 'application/json', ...headers },
      redirect: 'error',
      signal: AbortSignal.any(signals),
    });
  } catch (e) {
    const err = e as Error & { cause?: Error };
    const why =
      err.name === 'TimeoutError' || err.cause instanceof TransportTimeoutError
        ? 'no answer in time'
        : /redirect/i.test(String(err.cause?.message ?? err.message))
          ? 'the endpoint answered with a redirect (not followed): use the final URL'
          : (err.cause?.message ?? err.message);
    throw new Error(clean(`${options.what}: ${why}`));
  }
  const text = await res.text();
  if (!res.ok) throw new Error(clean(`${options.what}: HTTP ${res.status} ${errorText(text)}`));
  try {
    return { body: JSON.parse(text) as unknown, status: res.status };
  } catch {
    throw new Error(`${options.what}: the answer is not JSON`);
  }
}

/** The message of an OpenAI- or Anthropic-shaped error body, else the start of the text. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: show its start
  }
  return text.slice(0, 200);
}

/** Times a listing into a ConnectionCheck (the shared `testConnection` of providers that test by listing). */
export async function checkByListing(list: () => Promise<string[]>): Promise<ConnectionCheck> {
  const t0 = performance.now();
  try {
    const models = await list();
    return { ok: true, models, latencyMs: performance.now() - t0 };
  } catch (e) {
    return {
      ok: false,
      error: e instanceof Error ? e.message : String(e),
      latencyMs: performance.now() - t0,
    };
  }
}
