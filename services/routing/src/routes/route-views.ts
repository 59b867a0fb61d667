import { communityText, largeCommunityText, type DesiredRouteEntry, type ExcludedBlock } from '../core';

/** One line of `/v1/routes`: a block, sent with these attributes, or left out and why. */
export type TableLineView =
  | {
      cluster: string;
      prefix: string;
      node: string;
      advertised: true;
      nextHop: string;
      communities: string[];
      largeCommunities: string[];
    }
  | {
      cluster: string;
      prefix: string;
      node: string;
      advertised: false;
      reason: string;
      detail: string | null;
    };

export function routeView(r: DesiredRouteEntry): TableLineView & { advertised: true } {
  return {
    cluster: r.cluster,
    prefix: r.prefix,
    node: r.node,
    advertised: true,
    nextHop: r.nextHop,
    communities: r.attributes.communities.map(communityText),
    largeCommunities: r.attributes.largeCommunities.map(largeCommunityText),
  };
}

export function excludedView(e: ExcludedBlock): TableLineView {
  return {
    cluster: e.cluster,
    prefix: e.cidr,
    node: e.node,
    advertised: false,
    reason: e.reason,
    detail: e.detail ?? null,
  };
}
