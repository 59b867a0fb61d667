import { Injectable } from '@nestjs/common';
import { answers, PgService, Readiness } from '@isthmus/service-kit';
import { PeersFeed } from '../peers/peers-feed';
import { ClusterPoliciesFeed } from '../policies/cluster-policies-feed';
import { RoutingRuntime } from '../runtime/routing-runtime';

/**
 * Ready when the database answers, both configuration tables were read once (before that, the
 * speaker would not know its peers, nor the core the clusters' communities), and the streams
 * were replayed and the speaker started. Once read, a feed stays loaded; a database outage
 * later keeps what was read, still served.
 */
@Injectable()
export class RoutingReadiness extends Readiness {
  constructor(
    private readonly pg: PgService,
    private readonly peers: PeersFeed,
    private readonly policies: ClusterPoliciesFeed,
    private readonly runtime: RoutingRuntime,
  ) {
    super();
  }

  async check(): Promise<Record<string, boolean>> {
    return {
      postgres: await answers(() => this.pg.query('SELECT 1')),
      peers: this.peers.isLoaded,
      clusterPolicies: this.policies.isLoaded,
      // The registry's (and, with required verdicts, IPAM's) streams replayed, the speaker sending.
      routes: this.runtime.isAdvertising,
    };
  }
}
