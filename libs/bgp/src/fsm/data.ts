import type { OpenMessage } from '../codec/types';
import type { FsmConfig } from './config';
import type { BgpState } from './states';

/** What the peer's OPEN settled (RFC 4271 §4.2, §4.4). */
export interface OpenAccepted {
  /** min(ours, theirs); 0 = neither hold timer nor keepalives. */
  holdTimeSeconds: number;
  /** One third of the hold time (RFC 4271 §4.4, §10); 0 when the hold time is 0. */
  keepaliveSeconds: number;
  /** The peer's real ASN (RFC 6793 §4: its four-octet-as capability, else My AS). */
  peerAsn: number;
  peerBgpIdentifier: string;
}

/** The state of one BGP connection: RFC 4271 §8 state plus the session attributes of §8.1.1. */
export interface FsmData {
  readonly state: BgpState;
  readonly config: FsmConfig;
  /** RFC 4271 §8.1.1 ConnectRetryCounter: consecutive failures, drives the back-off. */
  readonly connectRetryCounter: number;
  /** Set in OpenConfirm and Established. */
  readonly peerOpen?: OpenMessage;
  readonly accepted?: OpenAccepted;
}

export function initialFsmData(config: FsmConfig): FsmData {
  return { state: 'Idle', config, connectRetryCounter: 0 };
}
