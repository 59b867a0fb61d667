import { type Community, ibgpIpv4Attributes, ibgpIpv6Attributes } from '../fixtures/attributes';
import type { MrtRoute } from '../mrt/table-dump-v2';

export const LOCAL_ASN = 64511;

/** What a peer must hold for one fixture route. */
export interface FixtureRoute {
  prefix: string;
  nextHop: string;
  communities: string[];
}

/**
 * `ipv4Count` /26 routes from 10.1.0.0 up, next hops alternating between 192.0.2.0/24 and
 * 198.51.100.0/24 (RFC 5737), each with a community of its own and 64511:1000; and five
 * 2001:db8:N::/48 routes with next hops 2001:db8::N (RFC 3849). Documentation addresses as
 * next-hop data, because gobgpd silently drops routes with loopback next hops.
 */
export function fixtureTable(ipv4Count: number): { mrt: MrtRoute[]; expected: FixtureRoute[] } {
  const mrt: MrtRoute[] = [];
  const expected: FixtureRoute[] = [];
  const add = (prefix: string, nextHop: string, communities: Community[], attributes: Uint8Array): void => {
    mrt.push({ prefix, attributes });
    expected.push({ prefix, nextHop, communities: communities.map(([asn, value]) => `${asn}:${value}`) });
  };
  for (let i = 0; i < ipv4Count; i++) {
    const network = 0x0a010000 + i * 64; // 10.1.0.0 + i × 64 addresses
    const prefix = `${network >>> 24}.${(network >>> 16) & 0xff}.${(network >>> 8) & 0xff}.${network & 0xff}/26`;
    const nextHop = i % 2 === 0 ? `192.0.2.${1 + (i % 200)}` : `198.51.100.${1 + (i % 200)}`;
    const communities: Community[] = [
      [LOCAL_ASN, 1 + (i % 500)],
      [LOCAL_ASN, 1000],
    ];
    add(prefix, nextHop, communities, ibgpIpv4Attributes(nextHop, communities));
  }
  for (let n = 1; n <= 5; n++) {
    const prefix = `2001:db8:${n}::/48`;
    const nextHop = `2001:db8::${n}`;
    const communities: Community[] = [[LOCAL_ASN, 2000 + n]];
    add(prefix, nextHop, communities, ibgpIpv6Attributes(prefix, nextHop, communities));
  }
  return { mrt, expected };
}
