import { describe, expect, it } from 'vitest';
import { communityText, defaultPolicy, largeCommunityText, routeAttributes } from './communities';

describe('route attributes of a cluster', () => {
  it('by default: <asn>:<tag> and the large community <asn>:1:<tag>', () => {
    const a = routeAttributes(defaultPolicy(7), 64511);
    expect(a.communities.map(communityText)).toEqual(['64511:7']);
    expect(a.largeCommunities.map(largeCommunityText)).toEqual(['64511:1:7']);
  });

  it('leaves the standard community out where a 4-octet ASN or a large tag cannot be written in it', () => {
    expect(routeAttributes(defaultPolicy(7), 4_200_000_000)).toEqual({
      communities: [],
      largeCommunities: [[4_200_000_000, 1, 7]],
    });
    expect(routeAttributes(defaultPolicy(70_000), 64511).communities).toEqual([]);
  });

  it("takes a cluster's own lists instead, as sets: sorted, each once", () => {
    const a = routeAttributes(
      {
        advertise: true,
        tag: 3,
        communities: [
          [65000, 20],
          [64511, 100],
          [65000, 20],
        ],
        largeCommunities: [
          [65000, 2, 1],
          [64511, 9, 9],
          [65000, 2, 1],
        ],
      },
      64511,
    );
    expect(a.communities.map(communityText)).toEqual(['64511:100', '65000:20']);
    expect(a.largeCommunities.map(largeCommunityText)).toEqual(['64511:9:9', '65000:2:1']);
    expect(
      routeAttributes({ advertise: true, tag: 3, communities: [], largeCommunities: [] }, 64511),
    ).toEqual({
      communities: [],
      largeCommunities: [],
    });
  });
});
