import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ServiceBus } from '@isthmus/bus';
import { RegistryConfig } from '../config/config';
import { RegistryMetrics } from '../metrics/registry-metrics';

/**
 * The registry's NATS connection. It is opened in the background and reconnects forever: the
 * registry accepts writes while NATS is away (they wait in the outbox), so NATS is not a start
 * dependency. `publisher` is the one way the registry publishes (bounded attempts, retried).
 */
@Injectable()
export class BusService extends ServiceBus implements OnApplicationShutdown {
  constructor(config: RegistryConfig, metrics: RegistryMetrics) {
    super(config, 'isthmus-registry', new Logger(BusService.name));
    metrics.observeBus(this, this.publisher);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
