// What an endpoint row of the Models view says (description, icon, tooltip) and the last Test Connection result
// per endpoint, kept in memory for the session. No `vscode` import: unit-tested in plain Node.

/** The outcome of the last "Test Connection" on an endpoint. */
export interface ConnectionResult {
  ok: boolean;
  /** How many models the endpoint listed (when it answered). */
  models?: number;
  error?: string;
  /** When the test ended (ms since the epoch). */
  at: number;
}

export interface EndpointRowInput {
  providerLabel: string;
  /** A preset marks the endpoint as a server that needs no key (Ollama, vLLM, LM Studio, llama.cpp). */
  keyNeeded: boolean;
  /** A key is stored for the origin in SecretStorage. */
  hasStoredKey: boolean;
  /** The environment variable a key is read from, when one is set. */
  envKey?: string;
  lastTest?: ConnectionResult;
}

export interface EndpointRow {
  description: string;
  /** A codicon id: neutral unless the last test failed. */
  icon: string;
  tooltip: string;
}

/** The longest error shown in the row; the tooltip keeps the whole text. */
const ROW_ERROR_CHARS = 60;

function keyState(input: EndpointRowInput): string {
  if (input.hasStoredKey) return 'key set';
  if (input.envKey) return `key from $${input.envKey}`;
  return input.keyNeeded ? 'no key' : 'no key needed';
}

function testState(test: ConnectionResult): string {
  if (test.ok) return `reachable, ${test.models ?? 0} model${test.models === 1 ? '' : 's'}`;
  const error = (test.error ?? 'unreachable').replace(/\s+/g, ' ').trim();
  return error.length > ROW_ERROR_CHARS ? `${error.slice(0, ROW_ERROR_CHARS - 1)}…` : error;
}

/** The row of one endpoint: the last test's result first (the news), then the key state, then the API. */
export function endpointRow(input: EndpointRowInput): EndpointRow {
  const parts = [keyState(input), input.providerLabel];
  const tooltip: string[] = [];
  if (input.lastTest) {
    parts.unshift(testState(input.lastTest));
    const when = new Date(input.lastTest.at).toLocaleTimeString();
    tooltip.push(
      input.lastTest.ok
        ? `Test Connection at ${when}: reachable, ${input.lastTest.models ?? 0} models.`
        : `Test Connection at ${when} failed: ${input.lastTest.error ?? 'unreachable'}`,
    );
  }
  const icon = input.lastTest && !input.lastTest.ok ? 'warning' : input.keyNeeded ? 'cloud' : 'vm';
  return { description: parts.join(' · '), icon, tooltip: tooltip.join('\n') };
}

/** The last Test Connection result of each endpoint (by provider and origin), for this session only. */
export class ConnectionResults {
  private readonly results = new Map<string, ConnectionResult>();
  private readonly listeners = new Set<() => void>();

  static key(provider: string, origin: string): string {
    return `${provider} ${origin}`;
  }

  get(provider: string, origin: string): ConnectionResult | undefined {
    return this.results.get(ConnectionResults.key(provider, origin));
  }

  set(provider: string, origin: string, result: ConnectionResult): void {
    this.results.set(ConnectionResults.key(provider, origin), result);
    for (const l of this.listeners) l();
  }

  /** Called after every recorded result; returns the function that stops listening. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The extension's one store: written by the Test Connection command, read by the Models view. */
export const connectionResults = new ConnectionResults();
