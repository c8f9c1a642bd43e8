// "UBP: Set API Key…" and "UBP: Clear API Key": keys are stored in SecretStorage under the endpoint's origin.
// Arguments skip the prompts: setApiKey(origin, key), clearApiKey(origin).
import * as vscode from 'vscode';
import type { Services } from '../services';
import { originOf } from '../../core';
import { endpointsOf } from '../views/modelsView';

export async function setApiKey(
  services: Services,
  originArg?: string | { origin?: string },
  keyArg?: string,
): Promise<boolean> {
  const origin =
    originFromArg(originArg) ?? (await pickOrigin(services, 'Set the API key for which endpoint?'));
  if (!origin) return false;
  const key =
    keyArg ??
    (await vscode.window.showInputBox({
      title: `API key for ${origin}`,
      prompt: `Stored in VS Code's secret storage and only ever sent to ${origin}.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'the key is empty'),
    }));
  if (!key) return false;
  await services.keys.set(origin, key.trim());
  services.log.info(`API key stored for ${origin}`); // never the key itself
  return true;
}

export async function clearApiKey(
  services: Services,
  originArg?: string | { origin?: string },
): Promise<boolean> {
  const origin =
    originFromArg(originArg) ?? (await pickOrigin(services, 'Clear the API key of which endpoint?'));
  if (!origin) return false;
  await services.keys.clear(origin);
  services.log.info(`API key cleared for ${origin}`);
  return true;
}

function originFromArg(arg: string | { origin?: string } | undefined): string | undefined {
  const raw = typeof arg === 'string' ? arg : arg?.origin;
  return raw ? originOf(raw) : undefined;
}

async function pickOrigin(services: Services, title: string): Promise<string | undefined> {
  const endpoints = await endpointsOf(services);
  const items: vscode.QuickPickItem[] = endpoints.map((e) => ({
    label: e.origin,
    description: e.models.map((m) => m.id).join(', '),
  }));
  items.push({ label: '$(edit) Another endpoint…' });
  const picked = await vscode.window.showQuickPick(items, { title });
  if (!picked) return undefined;
  if (!picked.label.startsWith('$(edit)')) return picked.label;
  const url = await vscode.window.showInputBox({
    title: 'Base URL of the OpenAI-compatible endpoint',
    placeHolder: 'https://api.openai.com/v1',
    validateInput: (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:' ? undefined : 'an http(s) URL';
      } catch {
        return 'an http(s) URL';
      }
    },
  });
  return url ? originOf(url) : undefined;
}
