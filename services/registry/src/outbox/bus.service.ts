import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { BackgroundBusConnection } from '@isthmus/bus';
import { RegistryConfig } from '../config/config';

/**
 * The registry's NATS connection. It is opened in the background and reconnects forever: the
 * registry accepts writes while NATS is away (they wait in the outbox), so NATS is not a start
 * dependency.
 */
@Injectable()
export class BusService extends BackgroundBusConnection implements OnApplicationShutdown {
  constructor(config: RegistryConfig) {
    super(config.natsUrl, 'isthmus-registry', new Logger(BusService.name));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
