import type { IpFamily } from '@isthmus/net';
import type { PeerFilter } from '../core';

/**
 * A BGP peer (a route reflector) as the domain knows it: what every replica opens (or, passive,
 * accepts) a session with. The speaker gets these, never database rows.
 */
export interface Peer {
  /** Stable, URL-safe (a UUID): kept when the address or anything else changes. */
  id: string;
  /** Canonical text (RFC 5952 for IPv6). */
  address: string;
  family: IpFamily;
  port: number;
  peerAsn: number;
  localAsn: number;
  /** The BGP identifier the peer must present in its OPEN; null: any. */
  routerId: string | null;
  holdTimeSeconds: number;
  /** Wait for the peer to connect (on ROUTING_BGP_LISTEN_ADDRESS) instead of connecting to it. */
  passive: boolean;
  /** The restart time we announce (RFC 4724 §3); 0: no graceful restart. */
  gracefulRestartSeconds: number;
  /** Which routes it is sent; null: all of them. */
  filter: PeerFilter | null;
  name: string | null;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface PeerView extends Omit<Peer, 'createdAt' | 'updatedAt'> {
  createdAt: string;
  updatedAt: string;
}

export function peerView(peer: Peer): PeerView {
  return { ...peer, createdAt: peer.createdAt.toISOString(), updatedAt: peer.updatedAt.toISOString() };
}

/** How messages name a peer: `peer 6f1c… (rr1, 10.0.0.1 port 179)`. */
export function describePeer(peer: Pick<Peer, 'id' | 'name' | 'address' | 'port'>): string {
  return `peer ${peer.id} (${peer.name ? `${peer.name}, ` : ''}${peer.address} port ${peer.port})`;
}
