// "Test Connection" and "List Models" on an endpoint of the Models view: GET /v1/models with the key stored for
// that origin (or the approved environment variable).
import * as vscode from 'vscode';
import { listModels } from '../../core';
import type { Services } from '../services';
import { confirmEnvKeyOrigin } from '../services/keyService';
import { endpointsOf, type Endpoint } from '../views/modelsView';

async function endpointFrom(
  services: Services,
  arg?: string | { endpoint?: Endpoint },
): Promise<Endpoint | undefined> {
  const endpoints = await endpointsOf(services);
  if (typeof arg === 'string')
    return (
      endpoints.find((e) => e.origin === arg || e.baseUrl === arg) ?? {
        origin: new URL(arg).origin,
        baseUrl: arg,
        models: [],
        envVariables: [],
      }
    );
  if (arg?.endpoint) return arg.endpoint;
  const picked = await vscode.window.showQuickPick(
    endpoints.map((e) => ({ label: e.origin, description: e.baseUrl, e })),
    { title: 'Which endpoint?' },
  );
  return picked?.e;
}

async function fetchModels(services: Services, e: Endpoint): Promise<string[]> {
  const { key } = await services.keys.resolve(e.origin, e.envVariables[0], confirmEnvKeyOrigin);
  return listModels(e.baseUrl, key);
}

export async function testConnection(
  services: Services,
  arg?: string | { endpoint?: Endpoint },
): Promise<{ ok: boolean; models?: number; error?: string } | undefined> {
  const e = await endpointFrom(services, arg);
  if (!e) return undefined;
  try {
    const models = await fetchModels(services, e);
    void vscode.window.showInformationMessage(`${e.origin} answers: ${models.length} models available.`);
    services.log.info(`test connection ${e.origin}: ok, ${models.length} models`);
    return { ok: true, models: models.length };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    services.log.warn(`test connection ${e.origin}: ${error}`);
    void vscode.window.showErrorMessage(`${e.origin} did not answer: ${error}`);
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
    const models = await fetchModels(services, e);
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
