// RFC 4271 §8.2.2, OpenConfirm state: both OPENs exchanged, waiting for the peer's KEEPALIVE.
import { stay, type Transition } from './actions';
import type { FsmData } from './data';
import {
  automaticStop,
  holdTimerExpired,
  manualStop,
  messageError,
  notificationReceived,
  unexpectedEvent,
  connectionFailed,
} from './ending';
import type { FsmEvent } from './events';
import { keepaliveTimerExpired } from './keepalive';
import { collisionDump } from './open-sent';

export function openConfirm(data: FsmData, event: FsmEvent): Transition {
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
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return messageError(data, event);
    case 'OpenCollisionDump':
      return collisionDump(data);
    case 'KeepAliveMsg':
      return keepaliveReceived(data);
    default:
      // Includes a second OPEN on this connection (a colliding connection is another FSM).
      return unexpectedEvent(data, event);
  }
}

function keepaliveReceived(data: FsmData): Transition {
  const hold = data.accepted?.holdTimeSeconds ?? 0;
  return {
    // The session held: consecutive failures are over, the next back-off starts from the beginning.
    next: { ...data, state: 'Established', connectRetryCounter: 0 },
    actions: [
      ...(hold > 0
        ? [{ type: 'startTimer' as const, timer: 'hold' as const, seconds: hold, jitter: false }]
        : []),
      { type: 'established' },
    ],
    reason: 'KEEPALIVE received, session established',
  };
}
