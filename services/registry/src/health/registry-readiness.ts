import { Injectable } from '@nestjs/common';
import { answers, Readiness } from '@isthmus/service-kit';
import { PrismaService } from '../db/prisma.service';
import { BusService } from '../outbox/bus.service';
import { OutboxRelay } from '../outbox/outbox-relay';

/**
 * The registry still takes writes while NATS is away (they wait in the outbox), but a load
 * balancer should prefer a replica that can also publish: both count for readiness.
 */
@Injectable()
export class RegistryReadiness extends Readiness {
  constructor(
    private readonly prisma: PrismaService,
    private readonly bus: BusService,
    private readonly relay: OutboxRelay,
  ) {
    super();
  }

  async check(): Promise<Record<string, boolean>> {
    const [postgres, nats] = await Promise.all([
      answers(() => this.prisma.$queryRawUnsafe('SELECT 1')),
      this.bus.ping(),
    ]);
    // A stream that refuses every write: this replica cannot publish, whatever ping says.
    return { postgres, nats: nats && this.relay.streamWritable };
  }
}
