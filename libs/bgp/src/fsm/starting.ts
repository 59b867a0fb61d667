// How a connection begins: leaving Idle (RFC 4271 §8.2.2 Idle, events 1, 3, 4, 5) and the TCP
// connection coming up (Connect/Active, events 16, 17).
import type { FsmAction, Transition } from './actions';
import { retryDelaySeconds } from './config';
import type { FsmData } from './data';

function connectRetryTimer(data: FsmData, failures: number): FsmAction {
  return {
    type: 'startTimer',
    timer: 'connectRetry',
    seconds: retryDelaySeconds(data.config.connectRetry, Math.max(1, failures)),
    jitter: true,
  };
}

/** Idle → Connect: start the ConnectRetryTimer and initiate the TCP connection. */
export function startActive(data: FsmData, counter: number, reason: string): Transition {
  return {
    next: { state: 'Connect', config: data.config, connectRetryCounter: counter },
    actions: [
      { type: 'stopTimer', timer: 'idleHold' },
      connectRetryTimer(data, counter + 1),
      { type: 'connect' },
    ],
    reason,
  };
}

/**
 * Idle → Active: wait for the peer to connect. A passive peer never connects by itself, so no
 * ConnectRetryTimer is started (it would turn into a connect attempt in Active, §8.2.2).
 */
export function startPassive(data: FsmData, counter: number, reason: string): Transition {
  return {
    next: { state: 'Active', config: data.config, connectRetryCounter: counter },
    actions: [{ type: 'stopTimer', timer: 'idleHold' }],
    reason,
  };
}

/** Connect/Active, TCP up (events 16, 17): send OPEN, hold timer "large" (§8.2.2: 4 minutes). */
export function connectionUp(data: FsmData, reason: string): Transition {
  return {
    next: { state: 'OpenSent', config: data.config, connectRetryCounter: data.connectRetryCounter },
    actions: [
      { type: 'stopTimer', timer: 'connectRetry' },
      { type: 'sendOpen' },
      { type: 'startTimer', timer: 'hold', seconds: data.config.openSentHoldSeconds, jitter: false },
    ],
    reason,
  };
}

/** Connect: the ConnectRetryTimer expired, drop the attempt and try again (§8.2.2 event 9). */
export function retryConnect(data: FsmData): Transition {
  // The RFC keeps the counter here; counting the attempt makes a black-holed peer back off too.
  const counter = data.connectRetryCounter + 1;
  const actions: FsmAction[] = [];
  if (data.state === 'Connect') actions.push({ type: 'dropConnection' });
  actions.push(connectRetryTimer(data, counter + 1), { type: 'connect' });
  return {
    next: { state: 'Connect', config: data.config, connectRetryCounter: counter },
    actions,
    reason: 'connect retry timer expired, connecting again',
  };
}

/** OpenSent: the TCP connection failed (§8.2.2 event 18): back to Active and listen. */
export function backToActive(data: FsmData, why: string): Transition {
  const actions: FsmAction[] = [
    { type: 'dropConnection' },
    { type: 'stopTimer', timer: 'hold' },
    { type: 'stopTimer', timer: 'keepalive' },
  ];
  if (!data.config.passive) actions.push(connectRetryTimer(data, data.connectRetryCounter + 1));
  return {
    next: { state: 'Active', config: data.config, connectRetryCounter: data.connectRetryCounter },
    actions,
    reason: `connection failed in OpenSent (${why}), waiting in Active`,
  };
}
