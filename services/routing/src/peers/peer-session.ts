import type { PeerStatus, TimedNotification } from '@isthmus/bgp';

/**
 * A peer's BGP session as this replica sees it (each replica has its own): the FSM state and
 * since when, why it is there (the last error when it is not Established), what was sent and
 * received, and what was negotiated.
 */
export interface PeerSessionView {
  state: PeerStatus['state'];
  since: string;
  /** Seconds since Established; null otherwise. */
  uptimeSeconds: number | null;
  /** Why the session is in this state (RFC 4271 §8: the event, or the NOTIFICATION). */
  reason: string;
  advertised: { ipv4: number; ipv6: number };
  messagesIn: PeerStatus['messagesIn'];
  messagesOut: PeerStatus['messagesOut'];
  lastNotificationSent: NotificationView | null;
  lastNotificationReceived: NotificationView | null;
  negotiated: {
    holdTimeSeconds: number;
    keepaliveSeconds: number;
    peerRouterId: string;
    peerAsn: number;
    families: ('ipv4' | 'ipv6')[];
    fourOctetAs: boolean;
    peerGracefulRestart: boolean;
  } | null;
}

export interface NotificationView {
  code: number;
  subcode: number;
  at: string;
}

export function peerSessionView(s: PeerStatus, now: number): PeerSessionView {
  return {
    state: s.state,
    since: new Date(s.since).toISOString(),
    uptimeSeconds: s.state === 'Established' ? Math.max(0, Math.floor((now - s.since) / 1000)) : null,
    reason: s.reason,
    advertised: { ipv4: s.advertised[1] ?? 0, ipv6: s.advertised[2] ?? 0 },
    messagesIn: { ...s.messagesIn },
    messagesOut: { ...s.messagesOut },
    lastNotificationSent: notification(s.lastNotificationSent),
    lastNotificationReceived: notification(s.lastNotificationReceived),
    negotiated: s.session
      ? {
          holdTimeSeconds: s.session.holdTimeSeconds,
          keepaliveSeconds: s.session.keepaliveSeconds,
          peerRouterId: s.session.peerRouterId,
          peerAsn: s.session.peerAsn,
          families: s.session.families.map((f) => (f === 1 ? 'ipv4' : 'ipv6')),
          fourOctetAs: s.session.fourOctetAs,
          peerGracefulRestart: s.session.peerGracefulRestart,
        }
      : null,
  };
}

function notification(n: TimedNotification | undefined): NotificationView | null {
  return n ? { code: n.code, subcode: n.subcode, at: new Date(n.at).toISOString() } : null;
}
