// What the caller asks to advertise, and the checks that keep the Adj-RIB-Out's keys canonical.
import { formatIpv6, parseIpv6Into } from '../codec/address/ipv6-text';
import { parseIpv4Into } from '../codec/address/ipv4-text';
import { parsePrefixLength } from '../codec/nlri/prefix-wire';
import type { Afi, Origin, Prefix } from '../codec/types';

/**
 * Path attributes the caller chooses for a route. AS_PATH, the NEXT_HOP encoding and whether
 * LOCAL_PREF is sent are derived per peer (see path-attributes.ts). Treated as immutable: the same
 * object may be shared by many routes, and it is cached by identity.
 */
export interface PathOptions {
  /** Default IGP (RFC 4271 §5.1.1: a locally originated route). */
  origin?: Origin;
  /** Sent to internal peers only (RFC 4271 §5.1.5); default 100. */
  localPref?: number;
  med?: number;
  /** RFC 1997: each (asn << 16 | value) >>> 0. A set: order and duplicates do not matter. */
  communities?: readonly number[];
  /** RFC 8092: [global administrator, local data 1, local data 2]. A set, as above. */
  largeCommunities?: readonly (readonly [number, number, number])[];
}

/** A route the caller wants advertised: the value of a desired-routes map keyed by prefix. */
export interface DesiredRoute {
  /** The node address the peer must forward to; its family must be the prefix's. */
  nextHop: string;
  attributes?: PathOptions;
}

export class RouteInputError extends Error {
  override readonly name = 'RouteInputError';
  constructor(
    message: string,
    readonly prefix: string,
  ) {
    super(message);
  }
}

const scratch = new Uint8Array(16);

/**
 * The family of a canonical prefix ("192.0.2.0/26", "2001:db8::/48": no host bits, RFC 5952
 * text), or undefined. A non-canonical spelling would be a second key for the same route.
 */
export function canonicalPrefixAfi(prefix: string): Afi | undefined {
  const slash = prefix.indexOf('/');
  if (slash <= 0) return undefined;
  const afi: Afi = prefix.includes(':') ? 2 : 1;
  const bits = parsePrefixLength(prefix, slash + 1, afi === 1 ? 32 : 128);
  if (bits < 0) return undefined;
  scratch.fill(0);
  const parsed =
    afi === 1 ? parseIpv4Into(prefix, 0, slash, scratch, 0) : parseIpv6Into(prefix, 0, slash, scratch, 0);
  if (!parsed || !hostBitsClear(scratch, bits, afi === 1 ? 4 : 16)) return undefined;
  // The IPv4 parser accepts only canonical dotted quads; IPv6 text has many spellings.
  if (afi === 2 && formatIpv6(scratch, 0) !== prefix.slice(0, slash)) return undefined;
  return afi;
}

/** The family of an address (any valid spelling), or undefined. */
export function addressAfi(address: string): Afi | undefined {
  if (address.includes(':')) return parseIpv6Into(address, 0, address.length, scratch, 0) ? 2 : undefined;
  return parseIpv4Into(address, 0, address.length, scratch, 0) ? 1 : undefined;
}

/** RFC 5952 text of an IPv6 address (next hops are compared as text when interning). */
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  return parseIpv6Into(address, 0, address.length, scratch, 0) ? formatIpv6(scratch, 0) : address;
}

function hostBitsClear(bytes: Uint8Array, bits: number, size: number): boolean {
  const whole = bits >> 3;
  if (bits & 7 && (bytes[whole]! & (0xff >> (bits & 7))) !== 0) return false;
  for (let i = whole + (bits & 7 ? 1 : 0); i < size; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The family of `prefix`, checking that the route can be advertised: a canonical prefix, and a
 * next hop of the same family (`nextHopAfi`, known once the route's attributes are interned).
 * Throws RouteInputError otherwise.
 */
export function checkRoute(prefix: Prefix, route: DesiredRoute, nextHopAfi: Afi): Afi {
  const afi = canonicalPrefixAfi(prefix);
  if (afi === undefined) throw new RouteInputError(`"${prefix}" is not a canonical prefix`, prefix);
  if (nextHopAfi !== afi) {
    throw new RouteInputError(
      `next hop "${route.nextHop}" of ${prefix} is not an IPv${afi === 1 ? 4 : 6} address`,
      prefix,
    );
  }
  return afi;
}
