/** The two families the harness speaks of, named as BIRD's channels and gobgp's `-a` flag are. */
export type AddressFamily = 'ipv4' | 'ipv6';

export type RouteOrigin = 'igp' | 'egp' | 'incomplete';

/**
 * One route as a peer holds it, in one shape whichever peer (BIRD, gobgpd) was asked, so tests
 * compare tables across implementations.
 */
export interface PeerRoute {
  /** Canonical CIDR, as the peer prints it ("10.0.0.0/26", "2001:db8:1::/48"). */
  prefix: string;
  /** The NEXT_HOP attribute (IPv4) or the global next hop of MP_REACH_NLRI (IPv6, RFC 4760 §3). */
  nextHop: string;
  origin: RouteOrigin | undefined;
  /** AS numbers of AS_PATH in order; AS_SET members are listed flat. Empty for iBGP-originated routes. */
  asPath: number[];
  localPref: number | undefined;
  med: number | undefined;
  /** RFC 1997 communities as "asn:value", in the order the peer lists them. */
  communities: string[];
  /** RFC 8092 large communities as "global:local1:local2". */
  largeCommunities: string[];
  /** RFC 4456 ORIGINATOR_ID, when the route went through a route reflector. */
  originatorId?: string;
  /** RFC 4456 CLUSTER_LIST, when the route went through a route reflector. */
  clusterList?: string[];
  /**
   * Kept only because the session it came from is in graceful restart (RFC 4724 §4.2) or
   * long-lived graceful restart. See each peer's parser for how exact this is.
   */
  stale: boolean;
  /** Where the route came from: BIRD's protocol name; gobgpd's neighbor address or "local". */
  fromProtocol: string;
}

/** "64511:1" from the 32-bit value of an RFC 1997 community. */
export function formatCommunity(value: number): string {
  return `${value >>> 16}:${value & 0xffff}`;
}
