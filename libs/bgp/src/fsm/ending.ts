// How a connection ends: every path back to Idle (RFC 4271 §8.2.2 "releases all BGP resources,
// drops the TCP connection, … changes its state to Idle") goes through enterIdle.
import { CeaseSubcode, ErrorCode, FsmSubcode } from '../codec/error-codes';
import type { FsmAction, Transition } from './actions';
import { retryDelaySeconds } from './config';
import type { FsmData } from './data';
import type { FsmEvent } from './events';
import type { NotificationSpec } from './states';

const NO_DATA = new Uint8Array(0);

export interface IdleEntry {
  reason: string;
  /** The NOTIFICATION to send before closing; none after a NOTIFICATION was received. */
  notification?: NotificationSpec;
  /**
   * ConnectRetryCounter: `reset` after ManualStop, `keep` after a version-error NOTIFICATION
   * (§8.2.2 OpenSent event 24), `increment` after every other failure.
   */
  counter: 'increment' | 'reset' | 'keep';
  /** Restart by itself after the back-off (when the configuration allows automatic restart). */
  restart: boolean;
}

export function enterIdle(data: FsmData, entry: IdleEntry): Transition {
  const counter =
    entry.counter === 'reset'
      ? 0
      : entry.counter === 'keep'
        ? data.connectRetryCounter
        : data.connectRetryCounter + 1;
  const actions: FsmAction[] = [];
  if (entry.notification) actions.push({ type: 'sendNotification', ...entry.notification });
  if (data.state !== 'Idle') actions.push({ type: 'dropConnection' });
  actions.push(
    { type: 'stopTimer', timer: 'connectRetry' },
    { type: 'stopTimer', timer: 'hold' },
    { type: 'stopTimer', timer: 'keepalive' },
  );
  if (data.state === 'Established') actions.push({ type: 'down', reason: entry.reason });
  if (entry.restart && data.config.automaticRestart) {
    // RFC 4271 §8.1.1 DampPeerOscillations: the delay grows with consecutive failures.
    const seconds = retryDelaySeconds(data.config.connectRetry, Math.max(1, counter));
    actions.push({ type: 'startTimer', timer: 'idleHold', seconds, jitter: true });
  }
  return {
    next: { state: 'Idle', config: data.config, connectRetryCounter: counter },
    actions,
    reason: entry.reason,
  };
}

/** RFC 4271 §6.5: Hold Timer Expired, 4/0. */
export function holdTimerExpired(data: FsmData): Transition {
  return enterIdle(data, {
    reason: 'hold timer expired (RFC 4271 §6.5)',
    notification: { code: ErrorCode.holdTimerExpired, subcode: 0, data: NO_DATA },
    counter: 'increment',
    restart: true,
  });
}

/**
 * ManualStop (event 2): Cease / Administrative Shutdown (RFC 4486 §4). A graceful stop closes the
 * connection without NOTIFICATION: RFC 4724 §4.2 has the peer keep our routes as stale then.
 */
export function manualStop(data: FsmData, event: Extract<FsmEvent, { type: 'ManualStop' }>): Transition {
  const connected = data.state === 'OpenSent' || data.state === 'OpenConfirm' || data.state === 'Established';
  const notify = connected && !event.graceful;
  return enterIdle(data, {
    reason: event.graceful ? 'stopped (graceful restart: no NOTIFICATION)' : 'stopped',
    ...(notify ? { notification: cease(event.subcode ?? CeaseSubcode.administrativeShutdown) } : {}),
    counter: 'reset',
    restart: false,
  });
}

export function cease(subcode: number): NotificationSpec {
  return { code: ErrorCode.cease, subcode, data: NO_DATA };
}

/** A NOTIFICATION from the peer ends the connection; it is never answered with another one. */
export function notificationReceived(data: FsmData, event: FsmEvent): Transition {
  const n = event.type === 'NotifMsg' || event.type === 'NotifMsgVerErr' ? event.notification : undefined;
  return enterIdle(data, {
    reason: n ? `NOTIFICATION ${n.code}/${n.subcode} received` : 'NOTIFICATION received',
    // §8.2.2 OpenSent: a version error (event 24) does not count as a failure.
    counter: event.type === 'NotifMsgVerErr' ? 'keep' : 'increment',
    restart: true,
  });
}

/** A decode or OPEN error: its own NOTIFICATION (RFC 4271 §6.1-§6.3, RFC 7606). */
export function messageError(
  data: FsmData,
  event: Extract<FsmEvent, { error: NotificationSpec }>,
): Transition {
  return enterIdle(data, {
    reason: `${event.why} → NOTIFICATION ${event.error.code}/${event.error.subcode}`,
    notification: event.error,
    counter: 'increment',
    restart: true,
  });
}

/** RFC 4271 §4.1 message type codes, and RFC 2918 ROUTE-REFRESH. */
const MESSAGE_TYPE: Partial<Record<FsmEvent['type'], number>> = {
  BGPOpen: 1,
  BGPOpenMsgErr: 1,
  UpdateMsg: 2,
  UpdateMsgErr: 2,
  KeepAliveMsg: 4,
  RouteRefreshMsg: 5,
  RouteRefreshMsgErr: 5,
};

/**
 * RFC 4271 §8.2.2 "any other event" in OpenSent, OpenConfirm and Established: Finite State
 * Machine Error. RFC 6608 §4 names the state in the subcode and puts the type of the unexpected
 * message in the data; an unexpected non-message event gets subcode 0.
 */
export function unexpectedEvent(data: FsmData, event: FsmEvent): Transition {
  const messageType = MESSAGE_TYPE[event.type];
  const subcode =
    messageType === undefined
      ? FsmSubcode.unspecified
      : data.state === 'OpenSent'
        ? FsmSubcode.unexpectedMessageInOpenSent
        : data.state === 'OpenConfirm'
          ? FsmSubcode.unexpectedMessageInOpenConfirm
          : FsmSubcode.unexpectedMessageInEstablished;
  return enterIdle(data, {
    reason: `${event.type} unexpected in ${data.state} (RFC 6608)`,
    notification: {
      code: ErrorCode.finiteStateMachine,
      subcode,
      data: messageType === undefined ? NO_DATA : new Uint8Array([messageType]),
    },
    counter: 'increment',
    restart: true,
  });
}

/** A failure before any BGP message was exchanged (Connect, Active): no NOTIFICATION to send. */
export function connectionFailed(data: FsmData, reason: string): Transition {
  return enterIdle(data, { reason, counter: 'increment', restart: true });
}

/** AutomaticStop (event 8): Cease with the given subcode (RFC 4486). */
export function automaticStop(
  data: FsmData,
  event: Extract<FsmEvent, { type: 'AutomaticStop' }>,
): Transition {
  const connected = data.state === 'OpenSent' || data.state === 'OpenConfirm' || data.state === 'Established';
  return enterIdle(data, {
    reason: `stopped: ${event.why}`,
    ...(connected ? { notification: cease(event.subcode) } : {}),
    counter: 'increment',
    restart: true,
  });
}
