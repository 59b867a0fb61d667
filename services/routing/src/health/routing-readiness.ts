import { Injectable } from '@nestjs/common';
import { answers, PgService, Readiness } from '@isthmus/service-kit';
import { PeersFeed } from '../peers/peers-feed';

/**
 * Ready when the database answers and the peer table was read once: before that, the speaker
 * would not know its peers. Once read, the feed stays loaded; a database outage later keeps what was read, still served.
 */
@Injectable()
export class RoutingReadiness extends Readiness {
  constructor(
    private readonly pg: PgService,
    private readonly peers: PeersFeed,
  ) {
    super();
  }

  async check(): Promise<Record<string, boolean>> {
    return {
      postgres: await answers(() => this.pg.query('SELECT 1')),
      peers: this.peers.isLoaded,
    };
  }
}
