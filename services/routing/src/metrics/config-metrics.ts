import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import { Gauge } from 'prom-client';
import { PeersFeed } from '../peers/peers-feed';
import { ClusterPoliciesFeed } from '../policies/cluster-policies-feed';

/**
 * Metrics of the routing configuration, on the service's registry (GET /metrics): the peers and
 * cluster policies as this replica's feeds read them last. Read from the feeds at scrape time,
 * so they never drift from what the speaker and the core are given.
 */
@Injectable()
export class ConfigMetrics {
  constructor(metrics: ServiceMetrics, peers: PeersFeed, policies: ClusterPoliciesFeed) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'isthmus_routing_configured_peers',
      help: 'BGP peers configured, as this replica read them last, by mode (active or passive)',
      labelNames: ['mode'] as const,
      registers,
      collect() {
        const passive = peers.peers.filter((p) => p.passive).length;
        this.set({ mode: 'passive' }, passive);
        this.set({ mode: 'active' }, peers.peers.length - passive);
      },
    });
    new Gauge({
      name: 'isthmus_routing_cluster_policies',
      help: 'Clusters with a routing policy (and a tag), as this replica read them last, by whether they are advertised',
      labelNames: ['advertise'] as const,
      registers,
      collect() {
        const all = [...policies.policies.values()];
        const advertised = all.filter((p) => p.advertise).length;
        this.set({ advertise: 'true' }, advertised);
        this.set({ advertise: 'false' }, all.length - advertised);
      },
    });
    new Gauge({
      name: 'isthmus_routing_config_revision',
      help: 'Revision of each configuration table this replica applied last (config_revision)',
      labelNames: ['table'] as const,
      registers,
      collect() {
        if (peers.revision !== undefined) this.set({ table: 'peer' }, peers.revision);
        if (policies.revision !== undefined) this.set({ table: 'cluster_policy' }, policies.revision);
      },
    });
  }
}
