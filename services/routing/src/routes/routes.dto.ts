import { z } from 'zod';
import { DnsLabel } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';

export const EXCLUSION_REASONS = [
  'cluster-unknown',
  'cluster-opted-out',
  'stale',
  'next-hop-family',
  'conflict',
  'outside-allocation',
  'no-verdict',
  'prefix-taken',
] as const;

export const RoutesQuery = PageQuery.extend({
  cluster: DnsLabel.optional(),
  /** true: the routes sent; false: the blocks left out; unset: both. */
  advertised: z.enum(['true', 'false']).optional(),
  reason: z.enum(EXCLUSION_REASONS).optional(),
});
// Not a type of the same name: Nest's decorator metadata would name the schema object.
export type RoutesPageQuery = z.infer<typeof RoutesQuery>;

export const PeerRoutesQuery = PageQuery;
export type PeerRoutesPageQuery = z.infer<typeof PeerRoutesQuery>;
