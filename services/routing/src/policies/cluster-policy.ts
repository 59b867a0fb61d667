import {
  communityText,
  largeCommunityText,
  routeAttributes,
  type ClusterRoutingPolicy,
  type Community,
  type LargeCommunity,
} from '../core';

/** Where a cluster's tag came from: the sequence (first seen), or an operator's PUT. */
export type TagSource = 'assigned' | 'operator';

/** A cluster's routing policy as stored; null lists: the tag's default communities. */
export interface ClusterPolicy {
  cluster: string;
  tag: number;
  tagSource: TagSource;
  advertise: boolean;
  communities: Community[] | null;
  largeCommunities: LargeCommunity[] | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the core is given (src/core/types.ts): explicit lists only where the operator set them. */
export function routingPolicyOf(policy: ClusterPolicy): ClusterRoutingPolicy {
  return {
    advertise: policy.advertise,
    tag: policy.tag,
    ...(policy.communities !== null ? { communities: policy.communities } : {}),
    ...(policy.largeCommunities !== null ? { largeCommunities: policy.largeCommunities } : {}),
  };
}

export interface ClusterPolicyView {
  cluster: string;
  tag: number;
  tagSource: TagSource;
  advertise: boolean;
  /** As set; null: the defaults of the tag (see `effective`). */
  communities: string[] | null;
  largeCommunities: string[] | null;
  /** What the cluster's routes are sent with, with this replica's ROUTING_LOCAL_ASN. */
  effective: { communities: string[]; largeCommunities: string[] };
  createdAt: string;
  updatedAt: string;
}

export function clusterPolicyView(policy: ClusterPolicy, localAsn: number): ClusterPolicyView {
  const attributes = routeAttributes(routingPolicyOf(policy), localAsn);
  return {
    cluster: policy.cluster,
    tag: policy.tag,
    tagSource: policy.tagSource,
    advertise: policy.advertise,
    communities: policy.communities?.map(([asn, value]) => `${asn}:${value}`) ?? null,
    largeCommunities: policy.largeCommunities?.map(largeCommunityText) ?? null,
    effective: {
      communities: attributes.communities.map(communityText),
      largeCommunities: attributes.largeCommunities.map(largeCommunityText),
    },
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
  };
}
