// What a state transition asks the session to do. The FSM itself does no IO (STYLE.md: GoBGP).
import type { BgpDecodeError } from '../codec/errors';
import type { OpenMessage, UpdateMessage } from '../codec/types';
import type { FsmData, OpenAccepted } from './data';
import type { NotificationSpec, TimerName } from './states';

export type FsmAction =
  /** Initiate the TCP connection to the peer. */
  | { type: 'connect' }
  /** Close the TCP connection (after whatever was queued before, e.g. a NOTIFICATION). */
  | { type: 'dropConnection' }
  | { type: 'sendOpen' }
  | { type: 'sendKeepalive' }
  | ({ type: 'sendNotification' } & NotificationSpec)
  /** `jitter`: RFC 4271 §10 asks for jitter on the ConnectRetry and Keepalive timers. */
  | { type: 'startTimer'; timer: TimerName; seconds: number; jitter: boolean }
  | { type: 'stopTimer'; timer: TimerName }
  | { type: 'deliverUpdate'; update: UpdateMessage; errors: BgpDecodeError[] }
  | { type: 'deliverRouteRefresh'; afi: number; safi: number }
  /** The peer's OPEN passed §6.2 checks (entering OpenConfirm). */
  | { type: 'openAccepted'; open: OpenMessage; accepted: OpenAccepted }
  /** The session reached Established. */
  | { type: 'established' }
  /** The session left Established: routes learned from and advertised to the peer are gone. */
  | { type: 'down'; reason: string };

export interface Transition {
  next: FsmData;
  actions: FsmAction[];
  /** Why; shown with state changes (observability). */
  reason: string;
}

/** No state change: the event is handled (or ignored) in place. */
export function stay(data: FsmData, reason: string, actions: FsmAction[] = []): Transition {
  return { next: data, actions, reason };
}
