import type { NatsConnection } from '@nats-io/nats-core';
import { connectBus } from './connection';
import { errorText, silentLogger, type BusLogger } from './logger';

/**
 * A service's NATS connection opened in the background: the service starts and serves without
 * NATS (the registry keeps writes in its outbox, ipam serves its plan and lookups), and whatever
 * needs the bus awaits `connection()`. connectBus reconnects forever once connected.
 */
export class BackgroundBusConnection {
  private nc: NatsConnection | undefined;
  private readonly ready: Promise<NatsConnection>;
  private closing = false;

  /** `servers`: one URL or a comma-separated list (a cluster). */
  constructor(servers: string, name: string, logger: BusLogger = silentLogger) {
    const list = servers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.ready = connectBus({ servers: list, name, logger }).then((nc) => {
      this.nc = nc;
      return nc;
    });
    this.ready.catch((e: unknown) => {
      if (!this.closing) logger.error(`NATS connection failed for good: ${errorText(e)}`);
    });
  }

  connection(): Promise<NatsConnection> {
    return this.ready;
  }

  get connected(): boolean {
    return this.nc !== undefined && !this.nc.isClosed();
  }

  /** True when a round trip to the server completes within the timeout. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    const nc = this.nc;
    if (!nc || nc.isClosed()) return false;
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
  }
}
