import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connectBus } from '@isthmus/bus';
import type { NatsConnection } from '@nats-io/nats-core';
import { RegistryConfig } from '../config/config';

/**
 * The registry's NATS connection. It is opened in the background and reconnects forever: the
 * registry accepts writes while NATS is away (they wait in the outbox), so NATS is not a start
 * dependency.
 */
@Injectable()
export class BusService implements OnApplicationShutdown {
  private readonly log = new Logger(BusService.name);
  private nc: NatsConnection | undefined;
  private readonly ready: Promise<NatsConnection>;
  private closing = false;

  constructor(config: RegistryConfig) {
    const servers = config.natsUrl
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.ready = connectBus({ servers, name: 'isthmus-registry', logger: this.log }).then((nc) => {
      this.nc = nc;
      return nc;
    });
    this.ready.catch((e: unknown) => {
      if (!this.closing) this.log.error(`NATS connection failed for good: ${(e as Error).message}`);
    });
  }

  connection(): Promise<NatsConnection> {
    return this.ready;
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

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
  }
}
