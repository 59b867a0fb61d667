import { BusConnection } from './bus-connection';
import { BusPublisher } from './bus-publisher';
import type { BusLogger } from './logger';

/** What a service configures about NATS (service-kit's NatsSettings has this shape). */
export interface NatsClientSettings {
  /** One URL or a comma-separated list (a cluster). */
  natsUrl: string;
  natsReconnectWaitMs: number;
  natsPingIntervalMs: number;
  natsRequestTimeoutMs: number;
  natsPublishTimeoutMs: number;
}

/**
 * A service's connection to the bus and its one publisher, configured from its settings. Each
 * service's Nest provider extends it (the registry's BusService, ipam's IpamBus).
 */
export class ServiceBus extends BusConnection {
  readonly publisher: BusPublisher;

  constructor(settings: NatsClientSettings, name: string, logger?: BusLogger) {
    super(settings.natsUrl, name, logger, {
      reconnectTimeWaitMs: settings.natsReconnectWaitMs,
      pingIntervalMs: settings.natsPingIntervalMs,
      requestTimeoutMs: settings.natsRequestTimeoutMs,
    });
    this.publisher = new BusPublisher(this, {
      attemptTimeoutMs: settings.natsPublishTimeoutMs,
      ...(logger ? { logger } : {}),
      context: `${name} publish`,
    });
  }
}
