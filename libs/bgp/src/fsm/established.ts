// RFC 4271 §8.2.2, Established state.
import { stay, type FsmAction, type Transition } from './actions';
import type { FsmData } from './data';
import {
  automaticStop,
  connectionFailed,
  holdTimerExpired,
  manualStop,
  messageError,
  notificationReceived,
  unexpectedEvent,
} from './ending';
import type { FsmEvent } from './events';
import { keepaliveTimerExpired } from './keepalive';

export function established(data: FsmData, event: FsmEvent): Transition {
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
      return stay(data, 'already started');
    case 'ManualStop':
      return manualStop(data, event);
    case 'AutomaticStop':
      return automaticStop(data, event);
    case 'HoldTimer_Expires':
      return holdTimerExpired(data);
    case 'KeepaliveTimer_Expires':
      return keepaliveTimerExpired(data);
    case 'TcpConnectionFails':
      return connectionFailed(data, `connection failed: ${event.why}`);
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(data, event);
    case 'KeepAliveMsg':
      return stay(data, 'KEEPALIVE received', restartHoldTimer(data));
    case 'UpdateMsg':
      return stay(data, 'UPDATE received', [
        ...restartHoldTimer(data),
        { type: 'deliverUpdate', update: event.update, errors: event.errors },
      ]);
    case 'RouteRefreshMsg':
      return stay(data, 'ROUTE-REFRESH received', [
        ...restartHoldTimer(data),
        { type: 'deliverRouteRefresh', afi: event.afi, safi: event.safi },
      ]);
    case 'UpdateMsgErr':
    case 'RouteRefreshMsgErr':
    case 'BGPHeaderErr':
      // RFC 4271 §6.1/§6.3 and RFC 7606 "session reset": the error's own NOTIFICATION (the §8
      // text files event 21 under FSM errors; §6, which defines the NOTIFICATIONs, prevails).
      return messageError(data, event);
    case 'OpenCollisionDump':
      // CollisionDetectEstablishedState is off: an Established session is never dumped; the
      // session refuses the newer connection instead (RFC 4271 §6.8).
      return stay(data, 'collision ignored in Established');
    default:
      return unexpectedEvent(data, event);
  }
}

/** RFC 4271 §6.5: every message received restarts the hold timer (when it runs at all). */
function restartHoldTimer(data: FsmData): FsmAction[] {
  const hold = data.accepted?.holdTimeSeconds ?? 0;
  return hold > 0 ? [{ type: 'startTimer', timer: 'hold', seconds: hold, jitter: false }] : [];
}
