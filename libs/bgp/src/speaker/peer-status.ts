// What the speaker knows about one peer at a given moment (a snapshot for metrics and APIs).
import type { Afi } from '../codec/types';
import type { BgpState, NotificationSpec } from '../fsm';
import type { MessageKind } from '../session';

export type MessageCounts = Record<MessageKind, number>;

export interface TimedNotification extends NotificationSpec {
  /** Milliseconds since the epoch (speaker clock). */
  at: number;
}

export interface PeerStatus {
  name: string;
  address: string;
  state: BgpState;
  /** When the current state was entered (speaker clock). */
  since: number;
  /** Why the last state change happened. */
  reason: string;
  messagesIn: MessageCounts;
  messagesOut: MessageCounts;
  lastNotificationSent?: TimedNotification;
  lastNotificationReceived?: TimedNotification;
  /** Prefixes the peer has from us, per family. */
  advertised: Record<Afi, number>;
  /** Set while Established. */
  session?: {
    families: Afi[];
    holdTimeSeconds: number;
    keepaliveSeconds: number;
    peerRouterId: string;
    peerAsn: number;
    fourOctetAs: boolean;
    peerGracefulRestart: boolean;
  };
}

export function emptyCounts(): MessageCounts {
  return { open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0, unknown: 0 };
}
