// The webview's end of a panel protocol (see src/protocol/channel.ts): requests with ids and replies,
// notifications both ways, and the `ready` handshake sent once listeners are in place.
import { isEnvelope, type HostEnvelope, type Protocol, type WebviewEnvelope } from '../../protocol/channel';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export class WebviewChannel<P extends Protocol> {
  private readonly api = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: { [T in keyof P['toWebview']]?: (payload: P['toWebview'][T]) => void } = {};

  constructor() {
    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
  }

  on<T extends keyof P['toWebview'] & string>(type: T, listener: (payload: P['toWebview'][T]) => void): this {
    this.listeners[type] = listener;
    return this;
  }

  /** Tells the host the webview is listening; call after registering listeners. */
  ready(): void {
    this.post({ kind: 'ready' });
  }

  request<M extends keyof P['requests'] & string>(
    method: M,
    params: P['requests'][M]['params'],
  ): Promise<P['requests'][M]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ kind: 'request', id, method, params } as WebviewEnvelope<P>);
    });
  }

  notify<T extends keyof P['toHost'] & string>(type: T, payload: P['toHost'][T]): void {
    this.post({ kind: 'notify', type, payload } as WebviewEnvelope<P>);
  }

  get state(): unknown {
    return this.api.getState();
  }
  set state(value: unknown) {
    this.api.setState(value);
  }

  private post(envelope: WebviewEnvelope<P>): void {
    this.api.postMessage(envelope);
  }

  private receive(data: unknown): void {
    if (!isEnvelope(data)) return;
    const m = data as HostEnvelope<P>;
    if (m.kind === 'reply') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    } else if (m.kind === 'notify') {
      const listener = this.listeners[m.type as keyof P['toWebview']];
      listener?.(m.payload as never);
    }
  }
}
