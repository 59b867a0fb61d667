import { z } from 'zod';
import { ConflictId, DnsLabel } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';

export const ConflictListQuery = PageQuery.extend({
  /** open (the default): conflicts still keeping a block out; cleared: history; all: both. */
  state: z
    .enum(['open', 'cleared', 'all'], { message: 'must be one of "open", "cleared", "all"' })
    .default('open'),
  /** Only conflicts in which this cluster is a party (kept or excluded). */
  cluster: DnsLabel.optional(),
});
// Named apart from the schema (see pool.dto.ts, PoolPageQuery).
export type ConflictListFilter = z.infer<typeof ConflictListQuery>;

export { ConflictId };
