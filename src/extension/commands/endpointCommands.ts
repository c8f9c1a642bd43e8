// "Test Connection" and "List Models" on an endpoint of the Models view: through the endpoint's provider (its key
// header, its query such as Azure's api-version, its model list), with the key stored for that origin (or the
// approved environment variable).
import * as vscode from 'vscode';
import {
  listModelsOf,
  originOf,
  presetOf,
  providerIdOf,
  testConnectionOf,
  type ModelConfig,
} from '../../core';
import type { Services } from '../services';
import { confirmEnvKeyOrigin } from '../services/keyService';
import { connectionResults } from '../views/endpointRow';
import { endpointsOf, type Endpoint } from '../views/modelsView';

async function endpointFrom(
  services: Services,
  arg?: string | { endpoint?: Endpoint },
): Promise<Endpoint | undefined> {
  const endpoints = await endpointsOf(services);
  if (typeof arg === 'string') {
    const known = endpoints.find((e) => e.origin === arg || e.baseUrl === arg);
    if (known) return known;
    // A URL typed by hand: its provider follows from the preset it points at, else OpenAI-compatible.
    const provider = providerIdOf({ baseUrl: arg });
    const keyNeeded = presetOf({ baseUrl: arg })?.needsKey ?? true;
    return { origin: originOf(arg), baseUrl: arg, provider, models: [], envVariables: [], keyNeeded };
  }
  if (arg?.endpoint) return arg.endpoint;
  const picked = await vscode.window.showQuickPick(
    endpoints.map((e) => ({ label: e.origin, description: e.baseUrl, e })),
    { title: 'Which endpoint?' },
  );
  return picked?.e;
}

/** The entry whose settings (preset, query, headers) the provider calls the endpoint with. */
function representative(
  e: Endpoint,
): Pick<ModelConfig, 'id' | 'baseUrl' | 'provider' | 'preset' | 'query' | 'headers'> {
  return e.models[0] ?? { id: 'endpoint', baseUrl: e.baseUrl, provider: e.provider };
}

async function keyFor(services: Services, e: Endpoint): Promise<string | undefined> {
  return (await services.keys.resolve(e.origin, e.envVariables[0], confirmEnvKeyOrigin)).key;
}

export async function testConnection(
  services: Services,
  arg?: string | { endpoint?: Endpoint },
): Promise<{ ok: boolean; models?: number; error?: string; provider?: string } | undefined> {
  const e = await endpointFrom(services, arg);
  if (!e) return undefined;
  // The Models view shows the last result in the endpoint's row (it refreshes on each one).
  const record = (r: { ok: boolean; models?: number; error?: string }): void =>
    connectionResults.set(e.provider, e.origin, { ...r, at: Date.now() });
  try {
    const check = await testConnectionOf(representative(e), await keyFor(services, e));
    if (check.ok) {
      const n = check.models?.length ?? 0;
      void vscode.window.showInformationMessage(`${e.origin} answers: ${n} models available.`);
      services.log.info(
        `test connection ${e.origin} (${check.provider}, key in ${check.keyHeader}): ok, ${n} models, ${Math.round(check.latencyMs)} ms`,
      );
      record({ ok: true, models: n });
      return { ok: true, models: n, provider: check.provider };
    }
    services.log.warn(`test connection ${e.origin} (${check.provider}): ${check.error}`);
    void vscode.window.showErrorMessage(`${e.origin} did not answer: ${check.error}`);
    record({ ok: false, error: check.error });
    return { ok: false, error: check.error, provider: check.provider };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    services.log.warn(`test connection ${e.origin}: ${error}`);
    void vscode.window.showErrorMessage(`${e.origin} did not answer: ${error}`);
    record({ ok: false, error });
    return { ok: false, error };
  }
}

export async function showEndpointModels(
  services: Services,
  arg?: string | { endpoint?: Endpoint },
): Promise<string[] | undefined> {
  const e = await endpointFrom(services, arg);
  if (!e) return undefined;
  try {
    const models = await listModelsOf(representative(e), await keyFor(services, e));
    const picked = await vscode.window.showQuickPick(models, {
      title: `Models at ${e.origin} (choose one to copy its name)`,
    });
    if (picked) await vscode.env.clipboard.writeText(picked);
    return models;
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Cannot list the models of ${e.origin}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}
