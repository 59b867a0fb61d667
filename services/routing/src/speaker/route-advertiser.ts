// The desired table at the route reflectors: one BgpSpeaker (libs/bgp) for this replica, with
// its router id and source address, a peer per configured reflector, each fed the whole table or
// the part its filter lets through.
import {
  BgpSpeaker,
  type DesiredRoute,
  type PathOptions,
  type PeerConfig,
  type PeerStatus,
  type RetryBackoff,
  type SpeakerDeps,
  type SpeakerEventName,
  type SpeakerEvents,
} from '@isthmus/bgp';
import {
  compileFilter,
  type DesiredRouteEntry,
  type PeerFilter,
  type RouteAttributes,
  type RouteFilter,
  type TableChanges,
} from '../core';

/** A configured peer as the advertiser needs it (the peers API stores it). */
export interface RoutingPeer {
  id: string;
  address: string;
  port: number;
  peerAsn: number;
  localAsn: number;
  /** The BGP identifier the peer must present; any when undefined. */
  routerId?: string;
  holdTimeSeconds: number;
  passive: boolean;
  /** RFC 4724 Restart Time offered to the peer; 0: no graceful restart. */
  gracefulRestartSeconds: number;
  filter?: PeerFilter;
}

export interface AdvertiserSettings {
  /** This replica's BGP identifier (each replica its own, DESIGN.md "Routing semantics"). */
  routerId: string;
  /** The speaker's default ASN (a peer may say otherwise). */
  localAsn: number;
  /** This replica's address for its sessions (each replica its own). */
  sourceAddress?: string;
  /** Where passive peers connect to us. */
  listen?: { host: string; port: number }[];
  /** Reconnect back-off (libs/bgp's default: 1 s doubling to 120 s). */
  connectRetry?: RetryBackoff;
}

interface PeerEntry {
  peer: RoutingPeer;
  /** Set for a filtered peer, which has a table of its own. */
  filter?: RouteFilter;
}

/**
 * Keeps the reflectors' tables equal to the desired table. Until start() nothing is sent: the
 * routing service starts it once its feed has replayed the streams, so the first table a
 * reflector gets is whole, and End-of-RIB after it means what it says (RFC 4724 §4.1).
 *
 * Every session of this process's first start offers graceful restart with the Restarting bit
 * set: a reflector that kept our routes as stale while we were away keeps them until our
 * End-of-RIB, and a reflector that kept none ignores the bit. libs/bgp clears it once a session
 * was established.
 */
export class RouteAdvertiser {
  private readonly speaker: BgpSpeaker;
  private readonly peers = new Map<string, PeerEntry>();
  private readonly pathOptions = new WeakMap<RouteAttributes, PathOptions>();
  private started = false;

  constructor(
    private readonly settings: AdvertiserSettings,
    /** The desired table as it is now (DesiredTableState.routes). */
    private readonly table: () => ReadonlyMap<string, DesiredRouteEntry>,
    deps: SpeakerDeps = {},
  ) {
    this.speaker = new BgpSpeaker(
      {
        localAsn: settings.localAsn,
        routerId: settings.routerId,
        ...(settings.listen ? { listen: settings.listen } : {}),
      },
      deps,
    );
  }

  on<K extends SpeakerEventName>(name: K, listener: (event: SpeakerEvents[K]) => void): () => void {
    return this.speaker.on(name, listener);
  }

  get isStarted(): boolean {
    return this.started;
  }

  /**
   * The peers as configured now: new ones start, removed ones end (Cease, RFC 4486), ones whose
   * session settings changed restart; a changed filter only changes what the peer is sent.
   */
  setPeers(peers: readonly RoutingPeer[]): void {
    const wanted = new Map(peers.map((p) => [p.id, p]));
    for (const [id, entry] of [...this.peers]) {
      const next = wanted.get(id);
      if (!next || !sameSession(entry.peer, next)) {
        this.speaker.removePeer(id);
        this.peers.delete(id);
      } else if (filterText(entry.peer) !== filterText(next)) {
        this.refilter(id, next);
      } else {
        entry.peer = next;
      }
    }
    for (const peer of peers) {
      if (this.peers.has(peer.id)) continue;
      this.speaker.addPeer(this.peerConfig(peer));
      this.peers.set(peer.id, { peer });
      this.refilter(peer.id, peer);
    }
  }

  private refilter(id: string, peer: RoutingPeer): void {
    const filtered = !!(peer.filter?.clusters?.length || peer.filter?.prefixes?.length);
    const entry: PeerEntry = { peer, ...(filtered ? { filter: compileFilter(peer.filter) } : {}) };
    const had = this.peers.get(id)?.filter !== undefined;
    this.peers.set(id, entry);
    if (entry.filter) this.speaker.peerRoutes(id).set(this.routesOf(this.table(), entry.filter));
    else if (had) this.speaker.useSharedRoutes(id);
  }

  /** Sends the table's changes (after start; before it the table is read whole at start). */
  apply(changes: TableChanges): void {
    if (!this.started) return;
    const upserts = changes.upserted.map((r) => [r.prefix, this.route(r)] as const);
    if (upserts.length > 0) this.speaker.upsertRoutes(upserts);
    if (changes.withdrawn.length > 0) this.speaker.removeRoutes(changes.withdrawn);
    for (const { peer, filter } of this.peers.values()) {
      if (!filter) continue;
      const routes = this.speaker.peerRoutes(peer.id);
      const passing: (readonly [string, DesiredRoute])[] = [];
      // A route that no longer passes (it moved to another cluster) is withdrawn from this peer.
      const gone = [...changes.withdrawn];
      changes.upserted.forEach((r, i) => (filter(r) ? passing.push(upserts[i]!) : gone.push(r.prefix)));
      if (passing.length > 0) routes.upsert(passing);
      if (gone.length > 0) routes.remove(gone);
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.speaker.setRoutes(this.routesOf(this.table()));
    for (const { peer, filter } of this.peers.values()) {
      if (filter) this.speaker.peerRoutes(peer.id).set(this.routesOf(this.table(), filter));
    }
    await this.speaker.start();
  }

  /**
   * graceful: no NOTIFICATION, the reflectors keep our routes as stale for the restart time
   * (RFC 4724 §4.2): what a restart of the service is. Otherwise Cease, and they drop them.
   */
  async stop(options: { graceful: boolean }): Promise<void> {
    this.started = false;
    await this.speaker.stop(options);
  }

  /** Resets a peer's session (Cease / Administrative Reset, RFC 4486 §4); it reconnects at once. */
  reset(id: string): boolean {
    if (!this.peers.has(id)) return false;
    this.speaker.resetPeer(id);
    return true;
  }

  status(): PeerStatus[] {
    return this.speaker.status();
  }

  peerStatus(id: string): PeerStatus | undefined {
    return this.peers.has(id) ? this.speaker.peerStatus(id) : undefined;
  }

  /** What a peer has been sent and not withdrawn, of the desired table (its Adj-RIB-Out). */
  advertisedTo(id: string): DesiredRouteEntry[] {
    if (!this.peers.has(id)) return [];
    return [...this.table().values()].filter((r) => this.speaker.advertises(id, r.prefix));
  }

  private peerConfig(peer: RoutingPeer): PeerConfig {
    return {
      name: peer.id,
      address: peer.address,
      port: peer.port,
      peerAsn: peer.peerAsn,
      localAsn: peer.localAsn,
      ...(peer.routerId ? { peerRouterId: peer.routerId } : {}),
      ...(this.settings.sourceAddress ? { localAddress: this.settings.sourceAddress } : {}),
      holdTimeSeconds: peer.holdTimeSeconds,
      passive: peer.passive,
      ...(peer.gracefulRestartSeconds > 0
        ? { gracefulRestart: { restartTimeSeconds: peer.gracefulRestartSeconds, restarting: true } }
        : {}),
      ...(this.settings.connectRetry ? { connectRetry: this.settings.connectRetry } : {}),
    };
  }

  private routesOf(
    table: ReadonlyMap<string, DesiredRouteEntry>,
    filter?: RouteFilter,
  ): Map<string, DesiredRoute> {
    const routes = new Map<string, DesiredRoute>();
    for (const [prefix, entry] of table) if (!filter || filter(entry)) routes.set(prefix, this.route(entry));
    return routes;
  }

  /** The speaker's route: one PathOptions object per cluster's attributes (libs/bgp caches by identity). */
  private route(entry: DesiredRouteEntry): DesiredRoute {
    let attributes = this.pathOptions.get(entry.attributes);
    if (!attributes) {
      attributes = {
        communities: entry.attributes.communities,
        largeCommunities: entry.attributes.largeCommunities,
      };
      this.pathOptions.set(entry.attributes, attributes);
    }
    return { nextHop: entry.nextHop, attributes };
  }
}

/** Whether two configurations of a peer can share a session: everything but the filter is equal. */
function sameSession(a: RoutingPeer, b: RoutingPeer): boolean {
  const text = (p: RoutingPeer) =>
    JSON.stringify([
      p.address,
      p.port,
      p.peerAsn,
      p.localAsn,
      p.routerId ?? null,
      p.holdTimeSeconds,
      p.passive,
      p.gracefulRestartSeconds,
    ]);
  return text(a) === text(b);
}

function filterText(p: RoutingPeer): string {
  return JSON.stringify([p.filter?.clusters ?? [], p.filter?.prefixes ?? []]);
}
