// RFC 4271 §8.2.2 (OpenConfirm and Established), Event 11: KeepaliveTimer_Expires.
import { stay, type Transition } from './actions';
import type { FsmData } from './data';

/** Sends a KEEPALIVE and restarts the keepalive timer (with §10 jitter); the state stays. */
export function keepaliveTimerExpired(data: FsmData): Transition {
  return stay(data, 'keepalive timer expired', [
    { type: 'sendKeepalive' },
    {
      type: 'startTimer',
      timer: 'keepalive',
      seconds: data.accepted?.keepaliveSeconds ?? 0,
      jitter: true,
    },
  ]);
}
