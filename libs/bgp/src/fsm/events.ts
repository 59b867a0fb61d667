// RFC 4271 §8.1 events, with the names the RFC gives them. The optional DelayOpen and
// damping events are not implemented; RouteRefreshMsg (RFC 2918) is added for Established.
import type { BgpDecodeError } from '../codec/errors';
import { ErrorCode, OpenSubcode } from '../codec/error-codes';
import type { NotificationMessage, OpenMessage, UpdateMessage } from '../codec/types';
import type { NotificationSpec } from './states';

export type FsmEvent =
  // §8.1.2 administrative events
  | { type: 'ManualStart' }
  | { type: 'ManualStart_with_PassiveTcpEstablishment' }
  /**
   * Event 2. `graceful`: close the TCP connection without a NOTIFICATION, so that a peer with the
   * graceful-restart capability keeps our routes as stale (RFC 4724 §4.2) while we restart.
   */
  | { type: 'ManualStop'; graceful?: boolean; subcode?: number }
  /** Event 8: stopped by the implementation (e.g. an internal error); Cease with `subcode`. */
  | { type: 'AutomaticStop'; subcode: number; why: string }
  // §8.1.3 timer events
  | { type: 'ConnectRetryTimer_Expires' }
  | { type: 'HoldTimer_Expires' }
  | { type: 'KeepaliveTimer_Expires' }
  | { type: 'IdleHoldTimer_Expires' }
  // §8.1.4 TCP connection events
  /** Event 16: our outgoing connection is up. */
  | { type: 'Tcp_CR_Acked' }
  /** Event 17: an incoming connection from the peer was accepted. */
  | { type: 'TcpConnectionConfirmed' }
  | { type: 'TcpConnectionFails'; why: string }
  // §8.1.5 BGP message events
  | { type: 'BGPOpen'; open: OpenMessage }
  | { type: 'BGPHeaderErr'; error: NotificationSpec; why: string }
  | { type: 'BGPOpenMsgErr'; error: NotificationSpec; why: string }
  /** Event 23: this connection lost a collision (RFC 4271 §6.8). */
  | { type: 'OpenCollisionDump' }
  | { type: 'NotifMsgVerErr'; notification: NotificationMessage }
  | { type: 'NotifMsg'; notification: NotificationMessage }
  | { type: 'KeepAliveMsg' }
  /** Event 27; `errors` are those RFC 7606 lets the session survive (already applied to `update`). */
  | { type: 'UpdateMsg'; update: UpdateMessage; errors: BgpDecodeError[] }
  | { type: 'UpdateMsgErr'; error: NotificationSpec; why: string }
  /** RFC 2918 §4. */
  | { type: 'RouteRefreshMsg'; afi: number; safi: number }
  /** RFC 7313 §5: a malformed ROUTE-REFRESH. */
  | { type: 'RouteRefreshMsgErr'; error: NotificationSpec; why: string };

export type FsmEventType = FsmEvent['type'];

/** RFC 4271 §8.1.5: a NOTIFICATION with a version error (2/1) is event 24, any other event 25. */
export function notificationEvent(notification: NotificationMessage): FsmEvent {
  const versionError =
    notification.code === ErrorCode.open && notification.subcode === OpenSubcode.unsupportedVersionNumber;
  return versionError ? { type: 'NotifMsgVerErr', notification } : { type: 'NotifMsg', notification };
}
