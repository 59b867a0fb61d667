import { z } from 'zod';
import { CidrText, DnsLabel } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';
import { PoolName } from '../pools/pool.dto';
import { PURPOSES } from './allocation';

export const Purpose = z.enum(PURPOSES, {
  message: `must be one of ${PURPOSES.map((p) => `"${p}"`).join(', ')}`,
});

/**
 * Either `cidr` (exactly that prefix) or `prefixLength` (the lowest free block of that length).
 * The length's range depends on the pool (its own length up to 32 or 128), so the service checks it.
 */
export const CreateAllocationBody = z
  .strictObject({
    cluster: DnsLabel,
    purpose: Purpose,
    cidr: CidrText.optional(),
    prefixLength: z.number().int().nonnegative().optional(),
  })
  .refine((b) => (b.cidr === undefined) !== (b.prefixLength === undefined), {
    message:
      'give either "cidr" (that prefix) or "prefixLength" (the next free block of that length), not both and not neither',
  });
export type CreateAllocationBody = z.infer<typeof CreateAllocationBody>;

export const PoolAllocationListQuery = PageQuery.extend({
  cluster: DnsLabel.optional(),
  purpose: Purpose.optional(),
});
export type PoolAllocationFilter = z.infer<typeof PoolAllocationListQuery>;

export const AllocationListQuery = PoolAllocationListQuery.extend({ pool: PoolName.optional() });
// Query types are named apart from their schemas (see PoolPageQuery).
export type AllocationFilter = z.infer<typeof AllocationListQuery>;

/** Allocation ids are int4 serials. */
export const AllocationId = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, { message: 'must be a positive integer' })
  .transform(Number)
  .refine((n) => n <= 2_147_483_647, { message: 'no allocation has an id that large' });
