import { z } from 'zod';
import { DnsLabel } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';
import { communitySet, CommunityText, largeCommunitySet, LargeCommunityText } from './community-text';

export const ClusterId = DnsLabel;

/** The cluster's number in its default communities; 32 bits (the local data of a large community). */
export const Tag = z
  .number()
  .int({ message: 'must be a whole number from 1 to 4294967295' })
  .min(1, { message: 'must be a whole number from 1 to 4294967295' })
  .max(4294967295, { message: 'must be a whole number from 1 to 4294967295' });

/**
 * PUT replaces the policy: an omitted `advertise` is true, omitted lists are the defaults of the
 * tag (null says the same). An omitted tag keeps the cluster's tag (or assigns one to a cluster
 * routing has not seen yet): a tag is assigned once and kept, so its routes keep their
 * communities.
 */
export const PutClusterPolicyBody = z.strictObject({
  advertise: z.boolean().default(true),
  communities: z.array(CommunityText).max(1000).transform(communitySet).nullable().default(null),
  largeCommunities: z
    .array(LargeCommunityText)
    .max(1000)
    .transform(largeCommunitySet)
    .nullable()
    .default(null),
  tag: Tag.optional(),
});
export type PutClusterPolicyBody = z.infer<typeof PutClusterPolicyBody>;

export const ClusterPolicyListQuery = PageQuery;
export type ClusterPolicyPageQuery = z.infer<typeof ClusterPolicyListQuery>;
