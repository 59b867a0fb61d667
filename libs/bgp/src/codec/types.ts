import type { BgpDecodeError } from './errors';

// The BGP-4 messages as values: what the codec decodes from and encodes to the wire. Names follow
// RFC 4271 §4; the RFC that defines each capability or attribute is cited beside it.

/** RFC 4760 §3 Address Family Identifier: 1 = IPv4, 2 = IPv6 (the families this speaker carries). */
export type Afi = 1 | 2;
/** RFC 4760 §3 Subsequent AFI: unicast only; MP attributes of other families are kept as unknown. */
export type Safi = 1;

/**
 * A prefix as its canonical CIDR text ("192.168.0.0/26", "2001:db8::/48"): cheap to key maps with
 * and identical to what @isthmus/net normalizeCidr produces (dotted quad; RFC 5952 for IPv6).
 */
export type Prefix = string;

export type Capability =
  /** RFC 4760 §8, code 1. */
  | { kind: 'multiprotocol'; afi: number; safi: number }
  /** RFC 2918 §2, code 2. */
  | { kind: 'route-refresh' }
  /** RFC 4724 §3, code 64. */
  | {
      kind: 'graceful-restart';
      /** The R bit: the sender has restarted (its routes from before are stale, not gone). */
      restarting: boolean;
      restartTimeSeconds: number;
      families: { afi: number; safi: number; forwardingPreserved: boolean }[];
    }
  /** RFC 6793 §3, code 65: the sender's real ASN. */
  | { kind: 'four-octet-as'; asn: number }
  | { kind: 'unknown'; code: number; value: Uint8Array };

/** RFC 4271 §4.2. */
export interface OpenMessage {
  type: 'open';
  version: number;
  /** The 2-octet My AS field: AS_TRANS (23456) when the real ASN (four-octet-as) is above 65535. */
  myAs: number;
  holdTimeSeconds: number;
  /** Dotted quad. */
  bgpIdentifier: string;
  /** RFC 5492: the capabilities of every Capabilities optional parameter, in order. */
  capabilities: Capability[];
}

/** RFC 4271 §4.4. */
export interface KeepaliveMessage {
  type: 'keepalive';
}

/** RFC 4271 §4.5. */
export interface NotificationMessage {
  type: 'notification';
  code: number;
  subcode: number;
  data: Uint8Array;
}

/** RFC 2918 §3. */
export interface RouteRefreshMessage {
  type: 'route-refresh';
  afi: number;
  safi: number;
}

/** RFC 4271 §5.1.1. */
export type Origin = 'igp' | 'egp' | 'incomplete';

/** RFC 4271 §4.3 (set, sequence) and RFC 5065 §3 (the confederation segment types). */
export interface AsPathSegment {
  kind: 'sequence' | 'set' | 'confed-sequence' | 'confed-set';
  asns: number[];
}

/** RFC 4760 §3. */
export interface MpReach {
  afi: number;
  safi: number;
  /** The global address, then the link-local one when present (RFC 2545 §3: 32-byte next hop). */
  nextHops: string[];
  nlri: Prefix[];
}

/** RFC 4760 §4. An empty `withdrawn` list is the End-of-RIB marker of that family (RFC 4724 §2). */
export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: Prefix[];
}

/** An attribute the codec does not interpret, kept with its flags so a transitive one can be passed on. */
export interface UnknownAttribute {
  flags: number;
  code: number;
  value: Uint8Array;
}

/**
 * RFC 4271 §5 path attributes. AS numbers are always the real 4-octet values: on a 2-octet session
 * the codec merges AS4_PATH / AS4_AGGREGATOR in when decoding and writes them when encoding
 * (RFC 6793 §4.2), so neither appears here.
 */
export interface PathAttributes {
  origin?: Origin;
  /** An empty list is the iBGP path of a locally originated route (RFC 4271 §5.1.2). */
  asPath?: AsPathSegment[];
  /** IPv4 next hop of the NLRI field (RFC 4271 §5.1.3). */
  nextHop?: string;
  /** MULTI_EXIT_DISC (RFC 4271 §5.1.4). */
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997: each a uint32, (asn << 16 | value) >>> 0. */
  communities?: number[];
  /** RFC 8092: [global administrator, local data part 1, local data part 2]. */
  largeCommunities?: [number, number, number][];
  /** RFC 4456 §8. */
  originatorId?: string;
  clusterList?: string[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /**
   * Optional attributes the codec does not know, and MP attributes of families other than IPv4/IPv6
   * unicast. RFC 4271 §5: pass on only the transitive ones (flag 0x40), with the Partial bit set.
   */
  unknown?: UnknownAttribute[];
}

/** RFC 4271 §4.3. */
export interface UpdateMessage {
  type: 'update';
  /** IPv4 withdrawn routes field. */
  withdrawn: Prefix[];
  attributes: PathAttributes;
  /** IPv4 NLRI field. */
  nlri: Prefix[];
}

export type BgpMessage =
  OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** What was negotiated in OPEN and changes how UPDATEs are read and written. */
export interface CodecContext {
  /** Both sides sent the four-octet-as capability (RFC 6793 §4): AS numbers are 4 octets wide. */
  fourOctetAs: boolean;
  /**
   * The peer is internal (same ASN). Only the LOCAL_PREF rules use it: from an external peer it is
   * ignored (RFC 4271 §5.1.5, RFC 7606 §7.5). Unknown (undefined) = accept it as sent.
   */
  ibgp?: boolean;
}

/** RFC 7606 §2 handling of an error, from least to most severe. */
export type ErrorHandling = 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable' | 'session-reset';

/** What decodeMessage returns: the message (already corrected) and the errors that were handled. */
export interface DecodeResult {
  message: BgpMessage;
  /**
   * Errors whose handling is below session-reset (RFC 7606 §2), most severe first (RFC 7606 §3.j:
   * the most severe one decides); the message already reflects them.
   */
  errors: BgpDecodeError[];
}

/** RFC 6793 §2: the 2-octet stand-in for an ASN above 65535 (in OPEN My AS, AS_PATH, AGGREGATOR). */
export const AS_TRANS = 23456;

/**
 * The attributes of routes to announce with packAnnouncements: no MP attributes, those are built by
 * the packer. IPv4 uses `nextHop`; IPv6 uses `mpNextHops` (global, then optionally link-local).
 */
export type RouteAttributes = Omit<PathAttributes, 'mpReach' | 'mpUnreach'> & { mpNextHops?: string[] };

/** A family as negotiated (RFC 4760 §8). */
export interface AddressFamily {
  afi: number;
  safi: number;
}

/** What negotiate() makes of two OPEN messages. */
export interface Negotiated {
  /** Both sent four-octet-as (RFC 6793 §4). */
  fourOctetAs: boolean;
  /** Families both sides announced (IPv4 unicast when a side sent no multiprotocol capability). */
  families: AddressFamily[];
  /** Both sent route-refresh (RFC 2918 §2). */
  routeRefresh: boolean;
  /** The peer's graceful-restart capability, when it sent one (RFC 4724 §3). */
  peerGracefulRestart?: Extract<Capability, { kind: 'graceful-restart' }>;
  /** The smaller of both hold times (RFC 4271 §4.2); 0 means no keepalives and no hold timer. */
  holdTimeSeconds: number;
  /** The peer's real ASN: its four-octet-as capability if sent, else My AS. */
  peerAsn: number;
}
