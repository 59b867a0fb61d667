// One BGP peer: runs the RFC 4271 §8 state machine over real (or injected) sockets, resolves
// connection collisions (§6.8) and reports what happens. The FSM decides, this class only
// carries its actions out.
import { encodeMessage, negotiate } from '../codec';
import type { Afi, CodecContext, OpenMessage } from '../codec';
import {
  collisionSurvivor,
  incomingDisposition,
  initialFsmData,
  step,
  type BgpState,
  type ConnectionDirection,
  type FsmAction,
  type FsmConfig,
  type FsmData,
  type FsmEvent,
  type OpenAccepted,
  type TimerName,
} from '../fsm';
import { BgpConnection } from './connection';
import { decodeErrorEvent, inboundEvent, messageKind } from './inbound';
import { localOpen } from './local-open';
import { rejectConnection } from './reject-connection';
import type { PeerSessionDeps, PeerSessionHandlers, PeerSessionOptions, SessionInfo } from './session-types';
import { FsmTimers } from './timers';
import type { TransportSocket } from './transport';

export type {
  PeerSessionDeps,
  PeerSessionHandlers,
  PeerSessionOptions,
  SessionInfo,
  StateChange,
} from './session-types';

interface Slot {
  fsm: FsmData;
  direction: ConnectionDirection;
  connection?: BgpConnection;
  timers: FsmTimers;
  ctx: CodecContext;
  localOpen?: OpenMessage;
  info?: SessionInfo;
  /** Lost a collision: discarded once it is back in Idle. */
  dumped: boolean;
  discarded: boolean;
}

const TIMER_EVENTS: Record<TimerName, FsmEvent> = {
  connectRetry: { type: 'ConnectRetryTimer_Expires' },
  hold: { type: 'HoldTimer_Expires' },
  keepalive: { type: 'KeepaliveTimer_Expires' },
  idleHold: { type: 'IdleHoldTimer_Expires' },
};

const KEEPALIVE = encodeMessage({ type: 'keepalive' }, { fourOctetAs: false });

export class PeerSession {
  private primary: Slot;
  /** An incoming connection tracked while the primary is in OpenSent/OpenConfirm (§6.8). */
  private secondary: Slot | undefined;
  private readonly events: { slot: Slot; event: FsmEvent }[] = [];
  private processing = false;
  private started = false;
  /** The R bit for the next OPEN (RFC 4724 §4.1). */
  private restarting: boolean;

  constructor(
    private readonly options: PeerSessionOptions,
    private readonly deps: PeerSessionDeps,
    private readonly handlers: PeerSessionHandlers = {},
  ) {
    this.primary = this.newSlot(options.fsm, 'outgoing');
    this.restarting = options.gracefulRestart?.restarting ?? false;
  }

  get state(): BgpState {
    return this.primary.fsm.state;
  }

  /** Set while Established. */
  get session(): SessionInfo | undefined {
    return this.primary.fsm.state === 'Established' ? this.primary.info : undefined;
  }

  /** Established and nothing waiting to be written. */
  get writable(): boolean {
    return this.primary.fsm.state === 'Established' && (this.primary.connection?.writable ?? false);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.fire(this.primary, {
      type: this.options.fsm.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart',
    });
  }

  /**
   * ManualStop. `graceful`: close without NOTIFICATION, so that the peer keeps our routes as
   * stale (RFC 4724 §4.2) until we are back with an End-of-RIB. Otherwise Cease with `subcode`
   * (default Administrative Shutdown, RFC 4486 §4).
   */
  stop(options: { graceful?: boolean; subcode?: number } = {}): void {
    this.started = false;
    for (const slot of [this.secondary, this.primary]) {
      if (!slot || slot.discarded) continue;
      this.fire(slot, {
        type: 'ManualStop',
        ...(options.graceful ? { graceful: true } : {}),
        ...(options.subcode !== undefined ? { subcode: options.subcode } : {}),
      });
      slot.timers.stopAll();
    }
  }

  /** A connection from the peer's address arrived (the speaker's listener routes it here). */
  acceptIncoming(socket: TransportSocket): void {
    const disposition = this.started ? incomingDisposition(this.primary.fsm.state) : 'refuse';
    switch (disposition) {
      case 'refuse':
        socket.destroy();
        return;
      case 'adopt': {
        // Our own connect attempt, if any, is abandoned: the peer's connection is up already.
        this.primary.connection?.destroy();
        this.primary.direction = 'incoming';
        this.primary.connection = this.attach(this.primary, socket, 'incoming');
        this.fire(this.primary, { type: 'TcpConnectionConfirmed' });
        return;
      }
      case 'track': {
        if (this.secondary && !this.secondary.discarded) {
          socket.destroy();
          return;
        }
        const slot = this.newSlot(
          { ...this.options.fsm, passive: true, automaticRestart: false },
          'incoming',
        );
        this.secondary = slot;
        this.fire(slot, { type: 'ManualStart_with_PassiveTcpEstablishment' });
        slot.connection = this.attach(slot, socket, 'incoming');
        this.fire(slot, { type: 'TcpConnectionConfirmed' });
        return;
      }
      case 'reject': {
        const cease = rejectConnection(socket, this.deps.clock);
        this.safely(() => this.handlers.notificationSent?.(cease));
        return;
      }
    }
  }

  /**
   * Writes UPDATEs on the established session (ignored otherwise). An iterable is read only as
   * the socket takes the messages, so they can be encoded on the way.
   */
  sendUpdates(messages: Iterable<Uint8Array>): void {
    if (this.primary.fsm.state !== 'Established' || !this.primary.connection) return;
    const counted = function* (this: PeerSession): Generator<Uint8Array> {
      for (const message of messages) {
        this.safely(() => this.handlers.messageSent?.('update'));
        yield message;
      }
    };
    this.primary.connection.sendAll(counted.call(this));
  }

  // -- the state machine ------------------------------------------------------------------

  private newSlot(config: FsmConfig, direction: ConnectionDirection): Slot {
    const slot: Slot = {
      fsm: initialFsmData(config),
      direction,
      timers: new FsmTimers(this.deps.clock, this.deps.random, (timer) =>
        this.fire(slot, TIMER_EVENTS[timer]),
      ),
      ctx: { fourOctetAs: false },
      dumped: false,
      discarded: false,
    };
    return slot;
  }

  /** Events are handled one at a time, in order, even when one is raised while handling another. */
  private fire(slot: Slot, event: FsmEvent): void {
    this.events.push({ slot, event });
    if (this.processing) return;
    this.processing = true;
    try {
      for (let next = this.events.shift(); next; next = this.events.shift()) {
        if (next.slot.discarded) continue;
        try {
          this.apply(next.slot, next.event);
        } catch (error) {
          this.report(error);
          if (next.event.type !== 'AutomaticStop') {
            this.events.push({
              slot: next.slot,
              event: {
                type: 'AutomaticStop',
                subcode: 0,
                why: `internal error: ${(error as Error).message}`,
              },
            });
          } else {
            this.abandon(next.slot);
          }
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private apply(slot: Slot, event: FsmEvent): void {
    const from = slot.fsm.state;
    const transition = step(slot.fsm, event);
    slot.fsm = transition.next;
    if (slot === this.primary && from !== transition.next.state) {
      const change = { from, to: transition.next.state, reason: transition.reason };
      this.safely(() => this.handlers.stateChange?.(change));
    }
    for (const action of transition.actions) this.execute(slot, action);
    this.afterTransition(slot);
  }

  private execute(slot: Slot, action: FsmAction): void {
    switch (action.type) {
      case 'connect':
        return this.connect(slot);
      case 'dropConnection':
        slot.connection?.close();
        delete slot.connection;
        return;
      case 'sendOpen': {
        slot.localOpen = localOpen({
          localAsn: this.options.fsm.localAsn,
          bgpIdentifier: this.options.fsm.bgpIdentifier,
          holdTimeSeconds: this.options.fsm.holdTimeSeconds,
          families: this.options.families,
          ...(this.options.gracefulRestart ? { gracefulRestart: this.options.gracefulRestart } : {}),
          restarting: this.restarting,
        });
        slot.connection?.send(encodeMessage(slot.localOpen, slot.ctx));
        this.safely(() => this.handlers.messageSent?.('open'));
        return;
      }
      case 'sendKeepalive':
        slot.connection?.send(KEEPALIVE);
        this.safely(() => this.handlers.messageSent?.('keepalive'));
        return;
      case 'sendNotification': {
        const spec = { code: action.code, subcode: action.subcode, data: action.data };
        slot.connection?.sendLast(encodeMessage({ type: 'notification', ...spec }, slot.ctx));
        this.safely(() => this.handlers.messageSent?.('notification'));
        this.safely(() => this.handlers.notificationSent?.(spec));
        return;
      }
      case 'startTimer':
        return slot.timers.start(action.timer, action.seconds, action.jitter);
      case 'stopTimer':
        return slot.timers.stop(action.timer);
      case 'deliverUpdate':
        if (slot === this.primary) this.safely(() => this.handlers.update?.(action.update, action.errors));
        return;
      case 'deliverRouteRefresh':
        if (slot === this.primary) this.safely(() => this.handlers.routeRefresh?.(action.afi, action.safi));
        return;
      case 'openAccepted':
        return this.openAccepted(slot, action.open, action.accepted);
      case 'established':
        if (slot !== this.primary || !slot.info) return;
        // RFC 4724 §4.1: the R bit belongs to the first session after our restart only.
        this.restarting = false;
        this.safely(() => this.handlers.established?.(slot.info!));
        return;
      case 'down':
        if (slot === this.primary) this.safely(() => this.handlers.down?.(action.reason));
        return;
    }
  }

  private connect(slot: Slot): void {
    slot.connection?.destroy();
    slot.direction = 'outgoing';
    let socket: TransportSocket;
    try {
      socket = this.deps.transport.connect({
        host: this.options.peerAddress,
        port: this.options.peerPort,
        ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}),
      });
    } catch (error) {
      delete slot.connection;
      this.fire(slot, { type: 'TcpConnectionFails', why: (error as Error).message });
      return;
    }
    slot.connection = this.attach(slot, socket, 'outgoing');
  }

  private attach(slot: Slot, socket: TransportSocket, direction: ConnectionDirection): BgpConnection {
    const connection: BgpConnection = new BgpConnection(socket, direction, this.deps.clock, {
      connected: () => {
        if (slot.connection === connection) this.fire(slot, { type: 'Tcp_CR_Acked' });
      },
      frame: (frame) => {
        if (slot.connection === connection) this.received(slot, frame);
      },
      headerError: (error) => {
        if (slot.connection !== connection) return;
        this.safely(() => this.handlers.messageReceived?.('unknown', undefined));
        this.fire(slot, decodeErrorEvent(error));
      },
      failed: (why) => {
        if (slot.connection !== connection) return;
        delete slot.connection;
        this.fire(slot, { type: 'TcpConnectionFails', why });
      },
      drained: () => {
        if (slot === this.primary && slot.connection === connection && slot.fsm.state === 'Established') {
          this.safely(() => this.handlers.writable?.());
        }
      },
      sourceFailed: (error) => {
        if (slot.connection !== connection) return;
        this.report(error);
        this.fire(slot, {
          type: 'AutomaticStop',
          subcode: 0,
          why: `internal error while encoding: ${error.message}`,
        });
      },
    });
    return connection;
  }

  private received(slot: Slot, frame: Uint8Array): void {
    const { event, message } = inboundEvent(frame, slot.ctx);
    this.safely(() => this.handlers.messageReceived?.(messageKind(frame), message));
    if (message?.type === 'notification') this.safely(() => this.handlers.notificationReceived?.(message));
    this.fire(slot, event);
  }

  // -- collisions (RFC 4271 §6.8) -----------------------------------------------------------

  private openAccepted(slot: Slot, peerOpen: OpenMessage, accepted: OpenAccepted): void {
    const local = slot.localOpen!;
    const negotiated = negotiate(local, peerOpen);
    const families = negotiated.families
      .filter((f) => f.safi === 1 && (f.afi === 1 || f.afi === 2))
      .map((f) => f.afi as Afi);
    slot.ctx = { fourOctetAs: negotiated.fourOctetAs, ibgp: accepted.peerAsn === this.options.fsm.localAsn };
    slot.info = { negotiated, families, ctx: slot.ctx, accepted, localOpen: local, peerOpen };

    const other = slot === this.primary ? this.secondary : this.primary;
    if (!other || other.discarded) return;
    const otherState = other.fsm.state;
    if (otherState === 'Established') {
      this.dump(slot);
    } else if (otherState === 'OpenSent' || otherState === 'OpenConfirm') {
      // Both connections lead to the same peer, whose identifier this OPEN has just told us.
      const survivor =
        slot.direction === other.direction
          ? undefined
          : collisionSurvivor(this.options.fsm.bgpIdentifier, accepted.peerBgpIdentifier);
      const loser = survivor === undefined ? this.secondary! : slot.direction === survivor ? other : slot;
      this.dump(loser);
    } else if (slot === this.secondary) {
      // The primary has no connection (Idle, Connect, Active): the peer's one is the session.
      this.promote(slot, 'the peer connected while our connection was down');
    }
  }

  private dump(slot: Slot): void {
    slot.dumped = true;
    this.fire(slot, { type: 'OpenCollisionDump' });
  }

  /** The tracked connection becomes the peer's session; the primary's leftovers are dropped. */
  private promote(winner: Slot, reason: string): void {
    const old = this.primary;
    this.abandon(old);
    // Passivity and automatic restart are the peer's, not the tracked connection's.
    winner.fsm = { ...winner.fsm, config: this.options.fsm };
    this.primary = winner;
    this.secondary = undefined;
    if (old.fsm.state !== winner.fsm.state) {
      const change = { from: old.fsm.state, to: winner.fsm.state, reason: `connection collision: ${reason}` };
      this.safely(() => this.handlers.stateChange?.(change));
    }
  }

  private afterTransition(slot: Slot): void {
    if (slot.fsm.state !== 'Idle') return;
    if (slot === this.secondary) {
      this.abandon(slot);
      this.secondary = undefined;
    } else if (slot === this.primary && this.secondary && !this.secondary.discarded) {
      const secondary = this.secondary;
      if (secondary.fsm.state !== 'Idle') {
        this.promote(
          secondary,
          slot.dumped
            ? "the peer's connection is kept (RFC 4271 §6.8)"
            : 'our connection failed, the peer’s is kept',
        );
      }
    }
  }

  private abandon(slot: Slot): void {
    slot.discarded = true;
    slot.timers.stopAll();
    slot.connection?.destroy();
    delete slot.connection;
  }

  // -- reporting ------------------------------------------------------------------------------

  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    try {
      this.handlers.error?.(e);
    } catch {
      // A failing error handler must not take the session (or the process) down either.
    }
  }
}
