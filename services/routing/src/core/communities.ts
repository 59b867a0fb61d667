// The communities that say which cluster a route came from. Operators filter and prefer on
// them at the reflector or beyond it (seed 002: routes of the Kubernetes and the DC/OS cluster
// through one reflector), so the default must be predictable without configuration.
import type { ClusterRoutingPolicy, Community, LargeCommunity, RouteAttributes } from './types';

/**
 * Local data 1 of the default large community: "the source cluster is local data 2". RFC 8092
 * §4 leaves the meaning of the local data parts to the global administrator (our ASN); a
 * function number in the first part is the usual convention (RFC 8195 §2).
 */
export const SOURCE_CLUSTER_FUNCTION = 1;

/**
 * The default policy of a cluster with no policy of its own: advertised, and tagged with
 * - the large community `<local ASN>:1:<tag>` (RFC 8092), always;
 * - the community `<local ASN>:<tag>` (RFC 1997), when both fit in 16 bits (a 4-octet ASN or a
 *   tag over 65535 cannot be written as a standard community; RFC 6793 §4.2 leaves them out).
 */
export function defaultPolicy(tag: number): ClusterRoutingPolicy {
  return { advertise: true, tag };
}

export function routeAttributes(policy: ClusterRoutingPolicy, localAsn: number): RouteAttributes {
  const communities: readonly Community[] =
    policy.communities ?? (localAsn <= 0xffff && policy.tag <= 0xffff ? [[localAsn, policy.tag]] : []);
  const large: readonly LargeCommunity[] = policy.largeCommunities ?? [
    [localAsn, SOURCE_CLUSTER_FUNCTION, policy.tag],
  ];
  return {
    communities: [...new Set(communities.map(([asn, value]) => ((asn << 16) | value) >>> 0))].sort(
      (a, b) => a - b,
    ),
    largeCommunities: uniqueLarge(large),
  };
}

function uniqueLarge(list: readonly LargeCommunity[]): LargeCommunity[] {
  const seen = new Map<string, LargeCommunity>();
  for (const c of list) seen.set(c.join(':'), [c[0], c[1], c[2]]);
  return [...seen.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
}

/** `asn:value` text (RFC 1997 notation) of an encoded community. */
export function communityText(value: number): string {
  return `${value >>> 16}:${value & 0xffff}`;
}

export function largeCommunityText(c: LargeCommunity): string {
  return c.join(':');
}
