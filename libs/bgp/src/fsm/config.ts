// What the state machine of one peer is configured with (RFC 4271 §8.1.1 "session attributes").

/** Exponential back-off of reconnects (RFC 4271 §8.1.1 DampPeerOscillations, §10 ConnectRetryTime). */
export interface RetryBackoff {
  /** Delay before the first reconnect after a failure; doubles with every consecutive failure. */
  initialSeconds: number;
  /** Upper bound of the delay (RFC 4271 §10 suggests 120 s as ConnectRetryTime). */
  maxSeconds: number;
}

export interface FsmConfig {
  localAsn: number;
  /** Our BGP Identifier, dotted quad. */
  bgpIdentifier: string;
  peerAsn: number;
  /**
   * The BGP Identifier the peer must present (a router id the operator configured); any valid
   * one when undefined. A different one is refused with Bad BGP Identifier (RFC 4271 §6.2).
   */
  peerBgpIdentifier?: string;
  /** Hold Time we offer in OPEN: 0 (no keepalives) or at least 3 (RFC 4271 §4.2). */
  holdTimeSeconds: number;
  /**
   * Hold timer while waiting for the peer's OPEN (RFC 4271 §8.2.2 OpenSent: "a large value",
   * 4 minutes suggested).
   */
  openSentHoldSeconds: number;
  /** Never initiate the TCP connection; wait for the peer (RFC 4271 §8.1.1 PassiveTcpEstablishment). */
  passive: boolean;
  /** Restart by itself after the back-off when a session fails (RFC 4271 §8.1.1 AllowAutomaticStart). */
  automaticRestart: boolean;
  connectRetry: RetryBackoff;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialSeconds: 1, maxSeconds: 120 };
/** RFC 4271 §10: suggested Hold Time 90 s; OpenSent waits 4 minutes (§8.2.2). */
export const DEFAULT_HOLD_TIME_SECONDS = 90;
export const DEFAULT_OPEN_SENT_HOLD_SECONDS = 240;

/**
 * The delay before reconnect attempt number `failures` (1 = after the first failure). Jitter is
 * not applied here, the FSM stays deterministic: the timer driver applies it (RFC 4271 §10).
 */
export function retryDelaySeconds(backoff: RetryBackoff, failures: number): number {
  const doublings = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(backoff.maxSeconds, backoff.initialSeconds * 2 ** doublings);
}
