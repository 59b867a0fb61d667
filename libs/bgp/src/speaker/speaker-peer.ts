// One configured peer of the speaker: its session, its Adj-RIB-Out, and the counters that make
// it observable. Routes flow level-based: a change marks prefixes, and a flush (coalesced to
// once per turn of the event loop, and held back while the socket is full) sends the delta.
import { CeaseSubcode, endOfRib } from '../codec';
import type { Prefix } from '../codec/types';
import type { NotificationSpec } from '../fsm';
import { AdjRibOut, type RouteTable } from '../rib';
import { PeerSession, type PeerSessionDeps, type SessionInfo, type TransportSocket } from '../session';
import { localAsnOf, peerName, sessionOptions, type PeerConfig, type SpeakerConfig } from './config';
import type { SpeakerEventEmitter } from './events';
import { emptyCounts, type PeerStatus, type TimedNotification } from './peer-status';

export class SpeakerPeer {
  readonly name: string;
  readonly session: PeerSession;
  private readonly rib: AdjRibOut;
  private flushQueued = false;
  private readonly status: Omit<PeerStatus, 'advertised' | 'session' | 'state'>;
  private table: RouteTable | undefined;

  constructor(
    speaker: SpeakerConfig,
    readonly config: PeerConfig,
    sharedTable: RouteTable,
    private readonly deps: PeerSessionDeps,
    private readonly events: SpeakerEventEmitter,
  ) {
    this.name = peerName(config);
    const localAsn = localAsnOf(speaker, config);
    this.rib = new AdjRibOut(sharedTable, { localAsn, ibgp: config.peerAsn === localAsn });
    this.status = {
      name: this.name,
      address: config.address,
      since: deps.clock.now(),
      reason: 'configured',
      messagesIn: emptyCounts(),
      messagesOut: emptyCounts(),
    };
    const name = this.name;
    this.session = new PeerSession(sessionOptions(speaker, config), deps, {
      stateChange: (change) => {
        this.status.since = deps.clock.now();
        this.status.reason = change.reason;
        events.emit('stateChange', { peer: name, ...change });
      },
      established: (info) => this.established(info),
      down: (reason) => {
        this.rib.sessionDown();
        events.emit('down', { peer: name, reason });
      },
      update: (update, errors) => events.emit('updateReceived', { peer: name, update, errors }),
      routeRefresh: (afi, safi) => {
        // RFC 2918 §4: the whole Adj-RIB-Out of that family again.
        if (safi === 1 && (afi === 1 || afi === 2)) {
          this.rib.refresh(afi);
          this.scheduleFlush();
        }
      },
      writable: () => this.flush(),
      messageReceived: (kind) => this.status.messagesIn[kind]++,
      messageSent: (kind) => this.status.messagesOut[kind]++,
      notificationSent: (n) => {
        this.status.lastNotificationSent = this.timed(n);
        events.emit('notificationSent', { peer: name, notification: n });
      },
      notificationReceived: (n) => {
        this.status.lastNotificationReceived = this.timed(n);
        events.emit('notificationReceived', { peer: name, notification: n });
      },
      error: (error) => events.emit('error', { peer: name, error }),
    });
  }

  start(): void {
    this.session.start();
  }

  stop(graceful: boolean): void {
    this.session.stop({ graceful });
  }

  /** Ends the session with Cease / Administrative Reset (RFC 4486 §4) and starts it again. */
  reset(running: boolean): void {
    this.session.stop({ subcode: CeaseSubcode.administrativeReset });
    if (running) this.session.start();
  }

  /** The peer is removed from the configuration: Cease / Peer De-configured (RFC 4486 §4). */
  close(): void {
    this.session.stop({ subcode: CeaseSubcode.peerDeconfigured });
    this.rib.close();
  }

  acceptIncoming(socket: TransportSocket): void {
    this.session.acceptIncoming(socket);
  }

  /** The routes of this peer only (created on first use), instead of the shared ones. */
  get ownTable(): RouteTable | undefined {
    return this.table;
  }

  /** Follow `table` (this peer's own) or, with undefined, the shared table again. */
  setOwnTable(table: RouteTable | undefined, shared: RouteTable): void {
    this.table = table;
    this.rib.setTable(table ?? shared);
    this.scheduleFlush();
  }

  /** The desired routes changed: send the delta soon (once per turn, however many changes). */
  scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  snapshot(): PeerStatus {
    const info = this.session.session;
    return {
      ...this.status,
      messagesIn: { ...this.status.messagesIn },
      messagesOut: { ...this.status.messagesOut },
      state: this.session.state,
      advertised: this.rib.advertisedCounts(),
      ...(info
        ? {
            session: {
              families: info.families,
              holdTimeSeconds: info.accepted.holdTimeSeconds,
              keepaliveSeconds: info.accepted.keepaliveSeconds,
              peerRouterId: info.accepted.peerBgpIdentifier,
              peerAsn: info.accepted.peerAsn,
              fourOctetAs: info.ctx.fourOctetAs,
              peerGracefulRestart: info.negotiated.peerGracefulRestart !== undefined,
            },
          }
        : {}),
    };
  }

  /** Whether the peer has `prefix` from us (tests, debugging). */
  advertises(prefix: Prefix): boolean {
    return this.rib.advertisedRoute(prefix) !== undefined;
  }

  /**
   * Established: the whole table, then End-of-RIB for every family (RFC 4724 §2; also what a
   * receiving speaker in graceful-restart helper mode waits for before dropping stale routes).
   */
  private established(info: SessionInfo): void {
    this.rib.sessionUp(info.families, info.ctx);
    const batch = this.rib.takeUpdates();
    this.session.sendUpdates(
      (function* () {
        yield* batch.messages;
        for (const afi of info.families) yield endOfRib(afi, info.ctx);
      })(),
    );
    this.events.emit('established', {
      peer: this.name,
      families: info.families,
      holdTimeSeconds: info.accepted.holdTimeSeconds,
      peerRouterId: info.accepted.peerBgpIdentifier,
    });
    this.events.emit('advertised', {
      peer: this.name,
      announced: batch.announced,
      withdrawn: batch.withdrawn,
      endOfRib: info.families,
    });
  }

  private flush(): void {
    if (!this.session.writable || !this.rib.hasPending) return;
    const batch = this.rib.takeUpdates();
    if (batch.empty) return;
    this.session.sendUpdates(batch.messages);
    this.events.emit('advertised', {
      peer: this.name,
      announced: batch.announced,
      withdrawn: batch.withdrawn,
      endOfRib: [],
    });
  }

  private timed(n: NotificationSpec): TimedNotification {
    return { ...n, at: this.deps.clock.now() };
  }
}
