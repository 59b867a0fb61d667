// The path attributes of our routes as a given peer must see them (RFC 4271 §5.1, §9.1.2.2).
import type { AsPathSegment, RouteAttributes } from '../codec/types';
import type { AttributeSet } from './attribute-set';

/** What about the peer changes the attributes we send it. */
export interface PeerRouting {
  localAsn: number;
  /** Internal peer (same ASN): route reflectors are. */
  ibgp: boolean;
}

/** RFC 4271 §5.1.5: the LOCAL_PREF an internal peer gets when the route names none. */
export const DEFAULT_LOCAL_PREF = 100;

export function routeAttributes(set: AttributeSet, peer: PeerRouting): RouteAttributes {
  // §5.1.2: a route we originate has an empty AS_PATH towards internal peers, and our ASN as the
  // only AS_SEQUENCE towards external ones.
  const asPath: AsPathSegment[] = peer.ibgp ? [] : [{ kind: 'sequence', asns: [peer.localAsn] }];
  const attributes: RouteAttributes = { origin: set.origin, asPath };
  // §5.1.3 / RFC 4760 §3: the next hop is the node's address, as given; a route reflector passes
  // it on unchanged (RFC 4456 §10).
  if (set.afi === 1) attributes.nextHop = set.nextHop;
  else attributes.mpNextHops = [set.nextHop];
  if (set.med !== undefined) attributes.med = set.med;
  // §5.1.5: LOCAL_PREF goes to internal peers only.
  if (peer.ibgp) attributes.localPref = set.localPref ?? DEFAULT_LOCAL_PREF;
  if (set.communities.length > 0) attributes.communities = [...set.communities];
  if (set.largeCommunities.length > 0) {
    attributes.largeCommunities = set.largeCommunities.map((c) => [c[0], c[1], c[2]]);
  }
  return attributes;
}
