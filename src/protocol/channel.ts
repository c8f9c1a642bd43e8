// One typed message protocol between the extension host and its webviews, imported by both sides.
// A panel's protocol is a type listing its requests (webview asks, host replies) and its notifications in
// each direction; the envelopes below carry them. The webview announces itself with `ready` before the host
// sends anything, so no message is lost to a webview that has not loaded yet.

/** A panel protocol: requests the webview may make, and notifications each side may send. */
export interface Protocol {
  requests: Record<string, { params: unknown; result: unknown }>;
  toWebview: Record<string, unknown>;
  toHost: Record<string, unknown>;
}

export type WebviewEnvelope<P extends Protocol> =
  | { kind: 'ready' }
  | {
      [M in keyof P['requests'] & string]: {
        kind: 'request';
        id: number;
        method: M;
        params: P['requests'][M]['params'];
      };
    }[keyof P['requests'] & string]
  | {
      [T in keyof P['toHost'] & string]: { kind: 'notify'; type: T; payload: P['toHost'][T] };
    }[keyof P['toHost'] & string];

export type HostEnvelope<P extends Protocol> =
  | { kind: 'reply'; id: number; result?: unknown; error?: string }
  | {
      [T in keyof P['toWebview'] & string]: { kind: 'notify'; type: T; payload: P['toWebview'][T] };
    }[keyof P['toWebview'] & string];

/** Narrows an unknown posted value to an envelope shape (the other side is trusted code, but be defensive). */
export function isEnvelope(value: unknown): value is { kind: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
  );
}
