import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectBus, type BusConnectionOptions } from './connection';
import { BusDeadlineError } from './errors';
import { errorText, silentLogger, type BusLogger } from './logger';

export interface BusConnectionSettings extends Omit<BusConnectionOptions, 'servers' | 'name' | 'logger'> {
  /**
   * Bound of one JetStream API request (stream and consumer info, create, delete; default
   * 5000 ms). A request sent while the connection drops is discarded by nats.js with its buffer,
   * so without a bound it would wait for an answer that cannot come.
   */
  requestTimeoutMs?: number;
}

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'closed';

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * A service's NATS connection, opened in the background: the service starts and serves without
 * NATS (the registry keeps writes in its outbox, ipam serves its plan and lookups), and what
 * needs the bus awaits `connection()` or `whenConnected()`. It reconnects forever.
 *
 * It also knows the state of the link, which nats.js does not expose: from the status events,
 * `disconnect` to `reconnect`. Each connected stretch has its own AbortSignal (`linkSignal()`),
 * aborted when it drops, so a publish waiting for acknowledgements fails at once instead of
 * waiting out its timeout, and a retry waits for the reconnect instead of sending into a buffer
 * that nats.js discards at the next dial.
 */
export class BusConnection {
  private nc: NatsConnection | undefined;
  private readonly ready: Promise<NatsConnection>;
  private closing = false;
  private state: LinkState = 'connecting';
  private link = new AbortController();
  private readonly connectedWaiters = new Set<() => void>();
  private readonly requestTimeoutMs: number;
  private jsm: JetStreamManager | undefined;
  /** Times the link came back after a drop (a metric for services). */
  reconnects = 0;

  /** `servers`: one URL or a comma-separated list (a cluster). */
  constructor(
    servers: string | string[],
    readonly name: string,
    private readonly logger: BusLogger = silentLogger,
    settings: BusConnectionSettings = {},
  ) {
    this.link.abort(); // not connected yet
    this.requestTimeoutMs = settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const list = (Array.isArray(servers) ? servers : servers.split(',')).map((s) => s.trim()).filter(Boolean);
    this.ready = connectBus({ ...settings, servers: list, name, logger }).then((nc) => {
      this.nc = nc;
      this.linkUp();
      void this.follow(nc);
      return nc;
    });
    this.ready.catch((e: unknown) => {
      this.state = 'closed';
      if (!this.closing) logger.error(`NATS connection failed for good: ${errorText(e)}`);
    });
  }

  /** The connection, once it first connected (it may be reconnecting by the time it is used). */
  connection(): Promise<NatsConnection> {
    return this.ready;
  }

  get linkState(): LinkState {
    return this.state;
  }

  /** True while the link is up (between a connect or reconnect and the next drop). */
  get connected(): boolean {
    return this.state === 'connected' && this.nc !== undefined && !this.nc.isClosed();
  }

  /** The current link's signal: aborted when it drops; already aborted while not connected. */
  linkSignal(): AbortSignal {
    return this.link.signal;
  }

  /**
   * Resolves with the connection once the link is up, at once if it is. Rejects with
   * BusDeadlineError after `timeoutMs`, or when `signal` aborts or the connection closes.
   */
  async whenConnected(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<NatsConnection> {
    const nc = await this.awaitFirst(options);
    if (this.connected) return nc;
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.connectedWaiters.delete(onUp);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onUp = () =>
        finish(this.state === 'closed' ? new Error('the NATS connection is closed') : undefined);
      const onAbort = () => finish(new BusDeadlineError('stopped while waiting for NATS', 0));
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => finish(new BusDeadlineError(`NATS not connected within ${options.timeoutMs} ms`, 0)),
              options.timeoutMs,
            );
      if (options.signal?.aborted) return onAbort();
      this.connectedWaiters.add(onUp);
      options.signal?.addEventListener('abort', onAbort);
    });
    return nc;
  }

  /** A JetStream manager whose every request is bounded by `requestTimeoutMs`. */
  async jetstreamManager(): Promise<JetStreamManager> {
    const nc = await this.ready;
    this.jsm ??= await jetstreamManager(nc, { checkAPI: false, timeout: this.requestTimeoutMs });
    return this.jsm;
  }

  /** True when a round trip to the server completes within the timeout. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    const nc = this.nc;
    if (!nc || !this.connected) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([nc.flush().then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drains the connection (delivers what is in flight), or closes it if draining fails. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
    this.linkDown('closed');
  }

  private async awaitFirst(options: { timeoutMs?: number; signal?: AbortSignal }): Promise<NatsConnection> {
    if (this.nc) return this.nc;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const bounded = new Promise<never>((_, reject) => {
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => reject(new BusDeadlineError(`NATS not connected within ${options.timeoutMs} ms`, 0)),
          options.timeoutMs,
        );
      }
      onAbort = () => reject(new BusDeadlineError('stopped while waiting for NATS', 0));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort);
    });
    try {
      return await Promise.race([this.ready, bounded]);
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async follow(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') this.linkDown('disconnected');
        else if (s.type === 'reconnect') {
          this.reconnects++;
          this.linkUp();
        } else if (s.type === 'close') this.linkDown('closed');
      }
    } catch {
      // The iterator ends with the connection.
    }
    this.linkDown('closed');
  }

  private linkUp(): void {
    if (this.state === 'closed') return;
    this.state = 'connected';
    this.link = new AbortController();
    for (const wake of [...this.connectedWaiters]) wake();
  }

  private linkDown(state: 'disconnected' | 'closed'): void {
    if (this.state === 'closed') return;
    this.state = state;
    this.link.abort();
    if (state === 'closed') for (const wake of [...this.connectedWaiters]) wake();
  }
}
