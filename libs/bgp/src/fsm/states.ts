// RFC 4271 §8: the six states of a BGP connection and the timers the state machine runs.

export type BgpState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/**
 * RFC 4271 §8 timers. `idleHold` is the IdleHoldTimer of §8.1.1 (DampPeerOscillations): the
 * back-off before an automatic restart from Idle after a failure.
 */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold';

/** A NOTIFICATION to send or that was received (RFC 4271 §4.5). */
export interface NotificationSpec {
  code: number;
  subcode: number;
  data: Uint8Array;
}
