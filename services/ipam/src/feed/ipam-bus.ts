import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ServiceBus } from '@isthmus/bus';
import { ValidationSettings } from '../validation/validation-settings';

/**
 * The IPAM's NATS connection, opened in the background and reconnecting forever: the address
 * plan API works without NATS, and the feed and the publisher wait for it. `publisher` is how
 * verdicts and conflicts go out (bounded attempts, retried; libs/bus BusPublisher).
 */
@Injectable()
export class IpamBus extends ServiceBus implements OnApplicationShutdown {
  constructor(settings: ValidationSettings) {
    super(settings, 'isthmus-ipam', new Logger(IpamBus.name));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
