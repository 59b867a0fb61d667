import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ServiceBus } from '@isthmus/bus';
import { RoutingConfig } from '../config/config';
import { DesiredTableState, type ClusterRoutingPolicy } from '../core';
import { RoutingFeed } from '../feed/routing-feed';
import type { Peer } from '../peers/peer';
import { PeersFeed } from '../peers/peers-feed';
import { ClusterPoliciesFeed } from '../policies/cluster-policies-feed';
import { ClusterPolicyStore } from '../policies/cluster-policy-store';
import { PeerEventPublisher } from '../speaker/peer-events';
import { RouteAdvertiser, type RoutingPeer } from '../speaker/route-advertiser';

/** The routing service's NATS connection (reconnecting forever; the API works without it). */
@Injectable()
export class RoutingBus extends ServiceBus implements OnApplicationShutdown {
  constructor(config: RoutingConfig) {
    super(config, 'isthmus-routing', new Logger(RoutingBus.name));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

/**
 * The running routing service: the desired table, the feed that keeps it (registry and IPAM
 * streams), the speaker that sends it to the peers, and the peer events.
 *
 * Order at start: peers and policies are followed from the database at once; the feed starts
 * when NATS is first reachable; the speaker starts only once the feed has replayed the streams
 * (RoutingFeed.ready), so a reflector that kept our routes across a restart gets the whole table
 * before End-of-RIB. At shutdown the speaker stops gracefully: no NOTIFICATION, the reflectors
 * keep our routes as stale for the restart time (RFC 4724 §4.2), and a restarted replica takes
 * over from there without a flap. Deleting a peer first is how to make a reflector forget us.
 */
@Injectable()
export class RoutingRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(RoutingRuntime.name);
  readonly table: DesiredTableState;
  readonly advertiser: RouteAdvertiser;
  readonly events: PeerEventPublisher;
  private feed?: RoutingFeed;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly appliedPolicies = new Map<string, string>();
  private stopped = false;
  private feedReady = false;

  constructor(
    private readonly config: RoutingConfig,
    private readonly bus: RoutingBus,
    private readonly peers: PeersFeed,
    private readonly policies: ClusterPoliciesFeed,
    private readonly policyStore: ClusterPolicyStore,
  ) {
    this.table = new DesiredTableState(config, Date.now());
    this.advertiser = new RouteAdvertiser(
      {
        routerId: config.routerId,
        localAsn: config.localAsn,
        ...(config.sourceAddress ? { sourceAddress: config.sourceAddress } : {}),
        ...(config.bgpListenAddress
          ? { listen: [{ host: config.bgpListenAddress, port: config.bgpListenPort }] }
          : {}),
      },
      () => this.table.routes,
    );
    this.events = new PeerEventPublisher(bus, {
      subjectRoot: config.subjectRoot,
      stream: config.routingStream,
      streamReplicas: config.streamReplicas,
      replica: config.routerId,
      logger: this.log,
    });
    this.advertiser.on('stateChange', (change) => {
      const peer = this.peers.peers.find((p) => p.id === change.peer);
      const advertised = this.advertiser.peerStatus(change.peer)?.advertised;
      this.events.push({
        peer: change.peer,
        address: peer?.address ?? '',
        from: change.from,
        to: change.to,
        reason: change.reason,
        at: new Date().toISOString(),
        advertised: { ipv4: advertised?.[1] ?? 0, ipv6: advertised?.[2] ?? 0 },
      });
      const level = change.to === 'Established' || change.from === 'Established' ? 'log' : 'debug';
      this.log[level](`peer ${change.peer}: ${change.from} → ${change.to} (${change.reason})`);
    });
    this.advertiser.on('error', ({ peer, error }) =>
      this.log.warn(`speaker${peer ? ` (peer ${peer})` : ''}: ${error.message}`),
    );
  }

  /** The speaker runs: the table has been replayed and is being sent. */
  get isAdvertising(): boolean {
    return this.advertiser.isStarted;
  }

  get isFeedReady(): boolean {
    return this.feedReady;
  }

  onApplicationBootstrap(): void {
    this.events.start();
    this.unsubscribe.push(this.peers.subscribe((peers) => this.applyPeers(peers)));
    this.unsubscribe.push(this.policies.subscribe(() => void this.applyPolicies()));
    void this.run().catch((err: unknown) => {
      if (!this.stopped) this.log.error(`routing stopped following the streams: ${(err as Error).message}`);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    await this.advertiser.stop({ graceful: true });
    await Promise.all([this.feed?.stop(), this.events.stop()]);
  }

  private async run(): Promise<void> {
    const nc = await this.bus.connection();
    if (this.stopped) return;
    this.feed = new RoutingFeed({
      nc,
      settings: {
        subjectRoot: this.config.subjectRoot,
        registryStream: this.config.registryStream,
        ipamStream: this.config.ipamStream,
        durablePrefix: this.config.feedDurableName,
        requireVerdict: this.config.requireVerdict,
      },
      table: this.table,
      policies: { policyFor: (cluster) => this.policyFor(cluster) },
      onChanges: (changes) => this.advertiser.apply(changes),
      logger: this.log,
    });
    await this.feed.start();
    await this.feed.ready;
    await this.peers.loaded;
    if (this.stopped) return;
    this.feedReady = true;
    this.table.takeChanges(); // the start sends the whole table; these are in it
    await this.advertiser.start();
    const routes = this.table.routes.size;
    this.log.log(`streams replayed: advertising ${routes} routes to ${this.peers.peers.length} peers`);
  }

  private async policyFor(cluster: string): Promise<ClusterRoutingPolicy> {
    const known = this.policies.policies.get(cluster);
    return known ?? this.policyStore.policyFor(cluster);
  }

  private applyPeers(peers: readonly Peer[]): void {
    try {
      this.advertiser.setPeers(peers.map(routingPeerOf));
    } catch (err) {
      // A stored peer the speaker refuses (the API checks the same rules): the others go on.
      this.log.error(`peers not applied: ${(err as Error).message}`);
    }
  }

  /** A policy changed through any replica: the cluster's routes take it at once. */
  private async applyPolicies(): Promise<void> {
    const now = new Map([...this.policies.policies].map(([c, p]) => [c, JSON.stringify(p)]));
    const changed = [...now].filter(([c, text]) => this.appliedPolicies.get(c) !== text).map(([c]) => c);
    const removed = [...this.appliedPolicies.keys()].filter((c) => !now.has(c));
    for (const cluster of [...changed, ...removed]) {
      try {
        await this.feed?.refreshPolicy(cluster);
        if (now.has(cluster)) this.appliedPolicies.set(cluster, now.get(cluster)!);
        else this.appliedPolicies.delete(cluster);
      } catch (err) {
        this.log.warn(`policy of ${cluster} not applied yet: ${(err as Error).message}`);
      }
    }
  }
}

export function routingPeerOf(peer: Peer): RoutingPeer {
  return {
    id: peer.id,
    address: peer.address,
    port: peer.port,
    peerAsn: peer.peerAsn,
    localAsn: peer.localAsn,
    ...(peer.routerId ? { routerId: peer.routerId } : {}),
    holdTimeSeconds: peer.holdTimeSeconds,
    passive: peer.passive,
    gracefulRestartSeconds: peer.gracefulRestartSeconds,
    ...(peer.filter ? { filter: peer.filter } : {}),
  };
}
