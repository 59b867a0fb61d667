// The speaker's configuration: what DESIGN.md "Routing semantics" says a peer is (address, port,
// peer ASN, local ASN, router id, hold time, passive/active), checked once, with every problem
// listed in one error.
import type { Afi } from '../codec/types';
import {
  bgpIdentifierValue,
  DEFAULT_HOLD_TIME_SECONDS,
  DEFAULT_OPEN_SENT_HOLD_SECONDS,
  DEFAULT_RETRY_BACKOFF,
  type FsmConfig,
  type RetryBackoff,
} from '../fsm';
import type { GracefulRestartOptions, ListenAddress, PeerSessionOptions } from '../session';
import { addressAfi } from '../rib';

export interface PeerConfig {
  /** Identifies the peer in events and status; default: its address. */
  name?: string;
  address: string;
  /** Default 179 (RFC 4271 §8.1.1). */
  port?: number;
  peerAsn: number;
  /** Our ASN towards this peer; default the speaker's `localAsn` (RFC 6793: 2- or 4-octet). */
  localAsn?: number;
  /** The BGP Identifier the peer must present in its OPEN; default: any valid one. */
  peerRouterId?: string;
  /** Our address for this session (the connection is made from it; incoming ones must reach it). */
  localAddress?: string;
  /** Offered Hold Time: 0 or 3..65535 (RFC 4271 §4.2); default 90 s (§10). */
  holdTimeSeconds?: number;
  /** Wait for the peer to connect; default false (we connect, and also accept its connection). */
  passive?: boolean;
  /** Families offered; default IPv4 and IPv6 unicast. */
  families?: Afi[];
  /** RFC 4724 as the restarting speaker; omitted: no graceful-restart capability. */
  gracefulRestart?: GracefulRestartOptions;
  /** Reconnect back-off; default 1 s doubling to 120 s. Tests use much less. */
  connectRetry?: RetryBackoff;
}

export interface SpeakerConfig {
  localAsn: number;
  /** BGP Identifier, dotted quad, non-zero (RFC 6286). */
  routerId: string;
  /** Where peers may connect to us (passive peers; the peer's side of a collision). */
  listen?: ListenAddress[];
  peers?: PeerConfig[];
}

export class SpeakerConfigError extends Error {
  override readonly name = 'SpeakerConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid BGP speaker configuration: ${problems.join('; ')}`);
  }
}

const isAsn = (n: unknown): boolean =>
  typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffffffff;
const isPort = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;

export function checkSpeakerConfig(config: SpeakerConfig): string[] {
  const problems: string[] = [];
  if (!isAsn(config.localAsn)) problems.push(`localAsn ${config.localAsn} is not an ASN (1..4294967295)`);
  const id = bgpIdentifierValue(config.routerId ?? '');
  if (id === undefined || id === 0)
    problems.push(`routerId "${config.routerId}" is not a non-zero dotted quad`);
  for (const l of config.listen ?? []) {
    if (addressAfi(l.host) === undefined) problems.push(`listen host "${l.host}" is not an address`);
    if (!isPort(l.port)) problems.push(`listen port ${l.port} is not a port`);
  }
  return problems;
}

export function checkPeerConfig(peer: PeerConfig): string[] {
  const problems: string[] = [];
  const name = peer.name ?? peer.address;
  if (addressAfi(peer.address ?? '') === undefined)
    problems.push(`peer ${name}: address "${peer.address}" is not an address`);
  if (peer.localAddress !== undefined && addressAfi(peer.localAddress) === undefined) {
    problems.push(`peer ${name}: localAddress "${peer.localAddress}" is not an address`);
  }
  if (peer.port !== undefined && (!isPort(peer.port) || peer.port === 0))
    problems.push(`peer ${name}: port ${peer.port} is not a port`);
  if (!isAsn(peer.peerAsn)) problems.push(`peer ${name}: peerAsn ${peer.peerAsn} is not an ASN`);
  if (peer.localAsn !== undefined && !isAsn(peer.localAsn))
    problems.push(`peer ${name}: localAsn ${peer.localAsn} is not an ASN`);
  if (peer.peerRouterId !== undefined) {
    const id = bgpIdentifierValue(peer.peerRouterId);
    if (id === undefined || id === 0)
      problems.push(`peer ${name}: peerRouterId "${peer.peerRouterId}" is not a non-zero dotted quad`);
  }
  const hold = peer.holdTimeSeconds;
  if (hold !== undefined && !(Number.isInteger(hold) && (hold === 0 || (hold >= 3 && hold <= 65535)))) {
    problems.push(`peer ${name}: holdTimeSeconds ${hold} must be 0 or 3..65535 (RFC 4271 §4.2)`);
  }
  const families = peer.families ?? [1, 2];
  if (families.length === 0 || families.some((f) => f !== 1 && f !== 2)) {
    problems.push(`peer ${name}: families must be a non-empty list of 1 (IPv4) and 2 (IPv6)`);
  }
  const gr = peer.gracefulRestart;
  if (
    gr &&
    !(Number.isInteger(gr.restartTimeSeconds) && gr.restartTimeSeconds >= 0 && gr.restartTimeSeconds <= 4095)
  ) {
    problems.push(`peer ${name}: restartTimeSeconds ${gr.restartTimeSeconds} must be 0..4095 (RFC 4724 §3)`);
  }
  const retry = peer.connectRetry;
  if (retry && !(retry.initialSeconds > 0 && retry.maxSeconds >= retry.initialSeconds)) {
    problems.push(`peer ${name}: connectRetry needs 0 < initialSeconds <= maxSeconds`);
  }
  return problems;
}

/** Our ASN on this peer's session. */
export function localAsnOf(speaker: SpeakerConfig, peer: PeerConfig): number {
  return peer.localAsn ?? speaker.localAsn;
}

export function peerName(peer: PeerConfig): string {
  return peer.name ?? peer.address;
}

/** The session options of a (checked) peer. */
export function sessionOptions(speaker: SpeakerConfig, peer: PeerConfig): PeerSessionOptions {
  const fsm: FsmConfig = {
    localAsn: localAsnOf(speaker, peer),
    bgpIdentifier: speaker.routerId,
    peerAsn: peer.peerAsn,
    ...(peer.peerRouterId !== undefined ? { peerBgpIdentifier: peer.peerRouterId } : {}),
    holdTimeSeconds: peer.holdTimeSeconds ?? DEFAULT_HOLD_TIME_SECONDS,
    openSentHoldSeconds: DEFAULT_OPEN_SENT_HOLD_SECONDS,
    passive: peer.passive ?? false,
    automaticRestart: true,
    connectRetry: peer.connectRetry ?? DEFAULT_RETRY_BACKOFF,
  };
  return {
    fsm,
    peerAddress: peer.address,
    peerPort: peer.port ?? 179,
    ...(peer.localAddress !== undefined ? { localAddress: peer.localAddress } : {}),
    families: [...new Set<Afi>(peer.families ?? [1, 2])],
    ...(peer.gracefulRestart ? { gracefulRestart: peer.gracefulRestart } : {}),
  };
}
