// API keys: kept in SecretStorage under the endpoint ORIGIN they were entered for, never in settings, run files
// or logs. An environment variable is the fallback; its key goes to an origin named by a workspace config only
// after the user has confirmed that origin once (remembered per variable and origin), so a config cannot
// silently redirect a key elsewhere.
import * as vscode from 'vscode';
import { originOf } from '../../core';

const SECRET_PREFIX = 'ubp.apiKey:';
const APPROVALS = 'ubp.envKeyApprovals';

export type KeySource = { kind: 'secret' } | { kind: 'env'; variable: string } | { kind: 'none' };

export interface ResolvedKey {
  key: string | undefined;
  source: KeySource;
}

export class KeyService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the origin whose stored key changed. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith(SECRET_PREFIX)) this.changed.fire(e.key.slice(SECRET_PREFIX.length));
    });
  }

  async set(origin: string, key: string): Promise<void> {
    await this.secrets.store(SECRET_PREFIX + originOf(origin), key);
  }

  async clear(origin: string): Promise<void> {
    await this.secrets.delete(SECRET_PREFIX + originOf(origin));
  }

  async hasStored(origin: string): Promise<boolean> {
    return (await this.secrets.get(SECRET_PREFIX + originOf(origin))) !== undefined;
  }

  /**
   * The key to send to `origin`: the one stored for exactly that origin, else the environment variable's after
   * the user approved this origin for it. `confirm` asks the user (a modal in the product; tests pass their own).
   */
  async resolve(
    origin: string,
    envVariable: string | undefined,
    confirm: (variable: string, origin: string) => Thenable<boolean>,
  ): Promise<ResolvedKey> {
    const o = originOf(origin);
    const stored = await this.secrets.get(SECRET_PREFIX + o);
    if (stored !== undefined) return { key: stored, source: { kind: 'secret' } };
    if (!envVariable) return { key: undefined, source: { kind: 'none' } };
    const fromEnv = this.env[envVariable];
    if (!fromEnv) return { key: undefined, source: { kind: 'none' } };
    if (!this.isApproved(envVariable, o)) {
      if (!(await confirm(envVariable, o))) return { key: undefined, source: { kind: 'none' } };
      await this.approve(envVariable, o);
    }
    return { key: fromEnv, source: { kind: 'env', variable: envVariable } };
  }

  isApproved(variable: string, origin: string): boolean {
    const approvals = this.state.get<Record<string, string[]>>(APPROVALS, {});
    return (approvals[variable] ?? []).includes(originOf(origin));
  }

  private async approve(variable: string, origin: string): Promise<void> {
    const approvals = { ...this.state.get<Record<string, string[]>>(APPROVALS, {}) };
    approvals[variable] = [...new Set([...(approvals[variable] ?? []), origin])];
    await this.state.update(APPROVALS, approvals);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The product's confirmation: a modal naming the variable and the origin. */
export async function confirmEnvKeyOrigin(variable: string, origin: string): Promise<boolean> {
  const allow = 'Send the key';
  const answer = await vscode.window.showWarningMessage(
    `A workspace eval config asks to send the API key from $${variable} to ${origin}. Send it there? (Asked once per origin.)`,
    {
      modal: true,
      detail: 'Only allow origins you trust: the key gives whoever runs that server access to your account.',
    },
    allow,
  );
  return answer === allow;
}
