// The vocabulary of a peer session: its options, the IO it is given, and what it reports.
import type {
  Afi,
  BgpMessage,
  CodecContext,
  Negotiated,
  NotificationMessage,
  OpenMessage,
  UpdateMessage,
} from '../codec';
import type { BgpDecodeError } from '../codec';
import type { BgpState, FsmConfig, NotificationSpec, OpenAccepted } from '../fsm';
import type { Clock } from './clock';
import type { MessageKind } from './inbound';
import type { GracefulRestartOptions } from './local-open';
import type { Transport } from './transport';

export interface PeerSessionOptions {
  fsm: FsmConfig;
  peerAddress: string;
  /** RFC 4271 §8.1.1: 179 unless told otherwise. */
  peerPort: number;
  localAddress?: string;
  /** Families we offer (RFC 4760 §8). */
  families: readonly Afi[];
  gracefulRestart?: GracefulRestartOptions;
}

export interface PeerSessionDeps {
  transport: Transport;
  clock: Clock;
  /** Uniform in [0, 1): timer jitter (RFC 4271 §10). */
  random: () => number;
}

/** What an established session settled. */
export interface SessionInfo {
  negotiated: Negotiated;
  /** The unicast families both sides carry. */
  families: Afi[];
  ctx: CodecContext;
  accepted: OpenAccepted;
  localOpen: OpenMessage;
  peerOpen: OpenMessage;
}

export interface StateChange {
  from: BgpState;
  to: BgpState;
  reason: string;
}

export interface PeerSessionHandlers {
  stateChange?(change: StateChange): void;
  established?(info: SessionInfo): void;
  down?(reason: string): void;
  update?(update: UpdateMessage, errors: BgpDecodeError[]): void;
  routeRefresh?(afi: number, safi: number): void;
  /** The established session can take more UPDATEs (its write queue has drained). */
  writable?(): void;
  messageReceived?(kind: MessageKind, message: BgpMessage | undefined): void;
  messageSent?(kind: MessageKind): void;
  notificationSent?(notification: NotificationSpec): void;
  notificationReceived?(notification: NotificationMessage): void;
  /** An internal error, or a handler that threw; the session carries on. */
  error?(error: Error): void;
}
