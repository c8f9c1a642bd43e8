// The host's end of a webview's typed protocol: waits for the webview's `ready`, queues notifications until
// then, answers requests with the handler registered for their method.
import * as vscode from 'vscode';
import { isEnvelope, type HostEnvelope, type Protocol, type WebviewEnvelope } from '../../protocol/channel';

type Handlers<P extends Protocol> = {
  [M in keyof P['requests']]: (params: P['requests'][M]['params']) => Promise<P['requests'][M]['result']>;
};
type Listeners<P extends Protocol> = { [T in keyof P['toHost']]?: (payload: P['toHost'][T]) => void };

export class HostChannel<P extends Protocol> implements vscode.Disposable {
  private ready = false;
  private queue: HostEnvelope<P>[] = [];
  private readonly subscription: vscode.Disposable;
  private readonly onReadyEmitter = new vscode.EventEmitter<void>();
  /** Fires each time the webview (re)loads and says it is ready. */
  readonly onReady = this.onReadyEmitter.event;

  constructor(
    private readonly webview: vscode.Webview,
    private readonly handlers: Handlers<P>,
    private readonly listeners: Listeners<P> = {},
  ) {
    this.subscription = webview.onDidReceiveMessage((m: unknown) => this.receive(m));
  }

  notify<T extends keyof P['toWebview'] & string>(type: T, payload: P['toWebview'][T]): void {
    const envelope = { kind: 'notify', type, payload } as HostEnvelope<P>;
    if (this.ready) void this.webview.postMessage(envelope);
    else this.queue.push(envelope);
  }

  private async receive(message: unknown): Promise<void> {
    if (!isEnvelope(message)) return;
    const m = message as WebviewEnvelope<P>;
    if (m.kind === 'ready') {
      this.ready = true;
      for (const queued of this.queue.splice(0)) void this.webview.postMessage(queued);
      this.onReadyEmitter.fire();
    } else if (m.kind === 'request') {
      const handler = this.handlers[m.method as keyof P['requests']];
      try {
        if (!handler) throw new Error(`unknown request ${m.method}`);
        const result = await handler(m.params as never);
        void this.webview.postMessage({ kind: 'reply', id: m.id, result });
      } catch (e) {
        void this.webview.postMessage({
          kind: 'reply',
          id: m.id,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    } else if (m.kind === 'notify') {
      const listener = this.listeners[m.type as keyof P['toHost']];
      listener?.(m.payload as never);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.onReadyEmitter.dispose();
  }
}
