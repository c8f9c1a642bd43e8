// Keys are bound to origins: a key given for https://api.openai.com is never sent anywhere else. The one
// `originOf` of the engine (key storage, concurrency pools, the guard every provider's requests go through); kept
// apart from the providers so front ends can check origins without loading any of them.
import { PredictorError, redactSecrets } from './retry';

/** The origin of a URL ("https://api.openai.com"), lower-case, default port dropped. Throws on a bad URL. */
export function originOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PredictorError('config', `not a valid URL: "${redactSecrets(url)}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PredictorError('config', `only http and https endpoints are supported, not "${u.protocol}"`);
  }
  return u.origin;
}

/** Throws before anything is sent when a key bound to `keyOrigin` would go to `url`. */
export function assertKeyOrigin(keyOrigin: string, url: string): void {
  const target = originOf(url);
  if (target !== keyOrigin) {
    throw new PredictorError('origin', `refused to send the API key for ${keyOrigin} to ${target}`, {
      retryable: false,
    });
  }
}
