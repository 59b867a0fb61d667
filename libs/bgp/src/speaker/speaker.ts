// The BGP speaker (DESIGN.md "Routing semantics"): our ASN and router id, the configured peers
// (route reflectors), the routes we want them to have, and the hooks that make it observable.
import type { Prefix } from '../codec/types';
import { AttributeSetInterner, RouteTable, type DesiredRoute } from '../rib';
import {
  systemClock,
  tcpListen,
  tcpTransport,
  type Clock,
  type Listen,
  type Listening,
  type Transport,
  type TransportSocket,
} from '../session';
import {
  checkPeerConfig,
  checkSpeakerConfig,
  peerName,
  SpeakerConfigError,
  type PeerConfig,
  type SpeakerConfig,
} from './config';
import { SpeakerEventEmitter, type SpeakerEventName, type SpeakerEvents } from './events';
import type { PeerStatus } from './peer-status';
import { SpeakerPeer } from './speaker-peer';

/** IO the speaker uses; tests pass in-memory sockets and a fake clock. */
export interface SpeakerDeps {
  transport?: Transport;
  listen?: Listen;
  clock?: Clock;
  random?: () => number;
}

/** Routes for one peer, replacing the shared ones for it. */
export interface PeerRoutes {
  set(routes: ReadonlyMap<Prefix, DesiredRoute>): void;
  upsert(routes: Iterable<readonly [Prefix, DesiredRoute]>): void;
  remove(prefixes: Iterable<Prefix>): void;
}

export class BgpSpeaker {
  private readonly events = new SpeakerEventEmitter();
  private readonly interner = new AttributeSetInterner();
  private readonly shared: RouteTable;
  private readonly peers = new Map<string, SpeakerPeer>();
  private readonly listening: Listening[] = [];
  private readonly deps: Required<SpeakerDeps>;
  private running = false;

  constructor(
    private readonly config: SpeakerConfig,
    deps: SpeakerDeps = {},
  ) {
    const problems = checkSpeakerConfig(config);
    for (const peer of config.peers ?? []) problems.push(...checkPeerConfig(peer));
    const names = (config.peers ?? []).map(peerName);
    for (const name of new Set(names)) {
      if (names.filter((n) => n === name).length > 1) problems.push(`peer name ${name} is used twice`);
    }
    if (problems.length > 0) throw new SpeakerConfigError(problems);
    this.deps = {
      transport: deps.transport ?? tcpTransport,
      listen: deps.listen ?? tcpListen,
      clock: deps.clock ?? systemClock,
      random: deps.random ?? Math.random,
    };
    this.shared = new RouteTable(this.interner);
    this.shared.subscribe(() => {
      for (const peer of this.peers.values()) if (!peer.ownTable) peer.scheduleFlush();
    });
    for (const peer of config.peers ?? []) this.createPeer(peer);
  }

  /** Opens the listeners, then starts every peer. */
  async start(): Promise<void> {
    if (this.running) return;
    for (const address of this.config.listen ?? []) {
      this.listening.push(await this.deps.listen(address, (socket) => this.incoming(socket)));
    }
    this.running = true;
    for (const peer of this.peers.values()) peer.start();
  }

  /**
   * Stops every peer and closes the listeners. `graceful`: no NOTIFICATION, so that peers with
   * graceful restart keep our routes until we are back (RFC 4724 §4.2); otherwise Cease /
   * Administrative Shutdown (RFC 4486).
   */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    this.running = false;
    for (const peer of this.peers.values()) peer.stop(options.graceful ?? false);
    await Promise.all(this.listening.splice(0).map((l) => l.close()));
  }

  /** The port a listener actually bound (with port 0 in the configuration). */
  get listeningPorts(): number[] {
    return this.listening.map((l) => l.port);
  }

  addPeer(config: PeerConfig): void {
    const problems = checkPeerConfig(config);
    if (this.peers.has(peerName(config))) problems.push(`peer name ${peerName(config)} is used twice`);
    if (problems.length > 0) throw new SpeakerConfigError(problems);
    const peer = this.createPeer(config);
    if (this.running) peer.start();
  }

  /**
   * Cease / Administrative Reset (RFC 4486 §4), then a new session: the peer gets the whole
   * table again, as after any session (RFC 4271 §9.4).
   */
  resetPeer(name: string): void {
    this.requirePeer(name).reset(this.running);
  }

  /** Cease / Peer De-configured (RFC 4486 §4) and forget the peer. */
  removePeer(name: string): void {
    const peer = this.peers.get(name);
    if (!peer) return;
    peer.close();
    this.peers.delete(name);
  }

  // -- desired routes ------------------------------------------------------------------------

  /** Replaces the routes every peer (without routes of its own) should have. */
  setRoutes(routes: ReadonlyMap<Prefix, DesiredRoute>): void {
    this.shared.replace(routes);
  }

  upsertRoutes(routes: Iterable<readonly [Prefix, DesiredRoute]>): void {
    this.shared.upsert(routes);
  }

  removeRoutes(prefixes: Iterable<Prefix>): void {
    this.shared.remove(prefixes);
  }

  /** Routes for one peer only; from the first call on, it no longer follows the shared routes. */
  peerRoutes(name: string): PeerRoutes {
    const peer = this.requirePeer(name);
    const ensure = (): RouteTable => {
      let table = peer.ownTable;
      if (!table) {
        table = new RouteTable(this.interner);
        table.subscribe(() => peer.scheduleFlush());
        peer.setOwnTable(table, this.shared);
      }
      return table;
    };
    return {
      set: (routes) => ensure().replace(routes),
      upsert: (routes) => ensure().upsert(routes),
      remove: (prefixes) => ensure().remove(prefixes),
    };
  }

  /** The peer follows the shared routes again. */
  useSharedRoutes(name: string): void {
    this.requirePeer(name).setOwnTable(undefined, this.shared);
  }

  // -- observability -------------------------------------------------------------------------

  on<K extends SpeakerEventName>(name: K, listener: (event: SpeakerEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  status(): PeerStatus[] {
    return [...this.peers.values()].map((p) => p.snapshot());
  }

  peerStatus(name: string): PeerStatus {
    return this.requirePeer(name).snapshot();
  }

  /** Whether `prefix` has been sent to the peer (and not withdrawn since). */
  advertises(name: string, prefix: Prefix): boolean {
    return this.requirePeer(name).advertises(prefix);
  }

  private createPeer(config: PeerConfig): SpeakerPeer {
    const peer = new SpeakerPeer(this.config, config, this.shared, this.deps, this.events);
    this.peers.set(peer.name, peer);
    return peer;
  }

  private requirePeer(name: string): SpeakerPeer {
    const peer = this.peers.get(name);
    if (!peer) throw new Error(`no peer named ${name}`);
    return peer;
  }

  /** Routes an accepted connection to the peer it comes from; strangers are closed. */
  private incoming(socket: TransportSocket): void {
    const from = socket.remoteAddress?.replace(/^::ffff:/, '');
    const candidates = [...this.peers.values()].filter((p) => p.config.address === from);
    if (!this.running || candidates.length !== 1) {
      socket.destroy();
      return;
    }
    candidates[0]!.acceptIncoming(socket);
  }
}
