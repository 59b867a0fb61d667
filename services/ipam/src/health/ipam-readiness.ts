import { Injectable } from '@nestjs/common';
import { answers, PgService, Readiness } from '@isthmus/service-kit';
import { RegistryFeed } from '../feed/registry-feed';

/**
 * Ready when the database answers and the registry feed has caught up (the registry stream
 * replayed, the address plan read): before that, verdicts and lookups would be partial. Once
 * caught up the feed stays so; a NATS outage later leaves the state as it was, still served.
 */
@Injectable()
export class IpamReadiness extends Readiness {
  constructor(
    private readonly pg: PgService,
    private readonly feed: RegistryFeed,
  ) {
    super();
  }

  async check(): Promise<Record<string, boolean>> {
    return { postgres: await answers(() => this.pg.query('SELECT 1')), registryFeed: this.feed.isCaughtUp };
  }
}
