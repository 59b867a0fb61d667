import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import { Gauge } from 'prom-client';
import { PeersFeed } from '../peers/peers-feed';

/**
 * Metrics of the routing configuration, on the service's registry (GET /metrics): the peers as
 * this replica's feed read them last. Read from the feeds at scrape time,
 * so they never drift from what the speaker and the core are given.
 */
@Injectable()
export class ConfigMetrics {
  constructor(metrics: ServiceMetrics, peers: PeersFeed) {
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
      name: 'isthmus_routing_config_revision',
      help: 'Revision of each configuration table this replica applied last (config_revision)',
      labelNames: ['table'] as const,
      registers,
      collect() {
        if (peers.revision !== undefined) this.set({ table: 'peer' }, peers.revision);
      },
    });
  }
}
