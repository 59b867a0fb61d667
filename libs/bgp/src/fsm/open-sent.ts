// RFC 4271 §8.2.2, OpenSent state: our OPEN is out, waiting for the peer's.
import { CeaseSubcode } from '../codec/error-codes';
import { stay, type Transition } from './actions';
import type { FsmData } from './data';
import {
  automaticStop,
  cease,
  enterIdle,
  holdTimerExpired,
  manualStop,
  messageError,
  notificationReceived,
  unexpectedEvent,
} from './ending';
import type { FsmEvent } from './events';
import { checkOpen } from './open-check';
import { backToActive } from './starting';

export function openSent(data: FsmData, event: FsmEvent): Transition {
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
    case 'TcpConnectionFails':
      return backToActive(data, event.why);
    case 'BGPOpen':
      return openReceived(data, event.open);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return messageError(data, event);
    case 'OpenCollisionDump':
      return collisionDump(data);
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      // RFC 4271 lists NotifMsg (25) under "any other event" (FSM error); answering a
      // NOTIFICATION is pointless, the peer closes the connection after sending it.
      return notificationReceived(data, event);
    default:
      return unexpectedEvent(data, event);
  }
}

function openReceived(data: FsmData, open: Extract<FsmEvent, { type: 'BGPOpen' }>['open']): Transition {
  const check = checkOpen(data.config, open);
  if (!check.ok) {
    return messageError(data, {
      type: 'BGPOpenMsgErr',
      error: check.error,
      why: `OPEN refused: ${check.why}`,
    });
  }
  const { accepted } = check;
  // §8.2.2 event 19: KEEPALIVE, KeepaliveTimer, HoldTimer at the negotiated value; neither timer
  // runs when the negotiated hold time is 0 (§4.4).
  const timers: Transition['actions'] =
    accepted.holdTimeSeconds === 0
      ? [
          { type: 'stopTimer', timer: 'hold' },
          { type: 'stopTimer', timer: 'keepalive' },
        ]
      : [
          { type: 'startTimer', timer: 'keepalive', seconds: accepted.keepaliveSeconds, jitter: true },
          { type: 'startTimer', timer: 'hold', seconds: accepted.holdTimeSeconds, jitter: false },
        ];
  return {
    next: { ...data, state: 'OpenConfirm', peerOpen: open, accepted },
    actions: [
      { type: 'stopTimer', timer: 'connectRetry' },
      { type: 'openAccepted', open, accepted },
      { type: 'sendKeepalive' },
      ...timers,
    ],
    reason: `OPEN accepted from ${accepted.peerBgpIdentifier} (AS ${accepted.peerAsn}, hold time ${accepted.holdTimeSeconds} s)`,
  };
}

/** RFC 4271 §6.8: this connection lost a collision, Cease / Connection Collision Resolution. */
export function collisionDump(data: FsmData): Transition {
  return enterIdle(data, {
    reason: 'connection collision: the other connection is kept (RFC 4271 §6.8)',
    notification: cease(CeaseSubcode.connectionCollisionResolution),
    counter: 'increment',
    // The winning connection carries on; this one is discarded by the session.
    restart: false,
  });
}
