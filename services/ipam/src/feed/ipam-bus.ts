import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { BackgroundBusConnection } from '@isthmus/bus';
import { ValidationSettings } from '../validation/validation-settings';

/**
 * The IPAM's NATS connection, opened in the background and reconnecting forever: the address
 * plan API works without NATS, and the feed and the publisher wait for it (`connection()`).
 */
@Injectable()
export class IpamBus extends BackgroundBusConnection implements OnApplicationShutdown {
  constructor(settings: ValidationSettings) {
    super(settings.natsUrl, 'isthmus-ipam', new Logger(IpamBus.name));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
