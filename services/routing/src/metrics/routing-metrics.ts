import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@isthmus/service-kit';
import { Gauge } from 'prom-client';
import { RoutingRuntime } from '../runtime/routing-runtime';

const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;

/**
 * The speaker and the table, read at scrape time from what this replica runs (GET /metrics):
 * per peer its session state, what it has from us and the messages exchanged; the table's
 * routes and the blocks left out by reason.
 */
@Injectable()
export class RoutingMetrics {
  constructor(metrics: ServiceMetrics, runtime: RoutingRuntime) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'isthmus_routing_peer_state',
      help: "1 for the state each peer's session is in (RFC 4271 §8.2.2), 0 for the others",
      labelNames: ['peer', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of runtime.advertiser.status()) {
          for (const state of STATES) this.set({ peer: s.name, state }, s.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'isthmus_routing_peer_prefixes_advertised',
      help: 'Prefixes each peer has from this replica, by family',
      labelNames: ['peer', 'family'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of runtime.advertiser.status()) {
          this.set({ peer: s.name, family: 'ipv4' }, s.advertised[1] ?? 0);
          this.set({ peer: s.name, family: 'ipv6' }, s.advertised[2] ?? 0);
        }
      },
    });
    // Counters kept by the speaker, exposed as they are (a gauge: prom-client counters cannot be set).
    new Gauge({
      name: 'isthmus_routing_peer_messages',
      help: 'BGP messages exchanged with each peer since this replica started, by direction and type',
      labelNames: ['peer', 'direction', 'type'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of runtime.advertiser.status()) {
          for (const [type, n] of Object.entries(s.messagesIn))
            this.set({ peer: s.name, direction: 'in', type }, n);
          for (const [type, n] of Object.entries(s.messagesOut))
            this.set({ peer: s.name, direction: 'out', type }, n);
        }
      },
    });
    new Gauge({
      name: 'isthmus_routing_table_routes',
      help: 'Routes in the desired table',
      registers,
      collect() {
        this.set(runtime.table.routes.size);
      },
    });
    new Gauge({
      name: 'isthmus_routing_table_excluded_blocks',
      help: 'Pod blocks left out of the desired table, by reason',
      labelNames: ['reason'] as const,
      registers,
      collect() {
        this.reset();
        for (const e of runtime.table.snapshot().excluded) this.inc({ reason: e.reason });
      },
    });
    new Gauge({
      name: 'isthmus_routing_advertising',
      help: '1 once the streams were replayed and the speaker started',
      registers,
      collect() {
        this.set(runtime.isAdvertising ? 1 : 0);
      },
    });
    new Gauge({
      name: 'isthmus_routing_peer_events_dropped',
      help: 'Peer state changes dropped because NATS was away longer than the queue holds',
      registers,
      collect() {
        this.set(runtime.events.dropped);
      },
    });
  }
}
