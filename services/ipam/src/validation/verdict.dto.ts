import { z } from 'zod';
import { CidrText, DnsLabel, VerdictStatus } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';

export const VerdictListQuery = PageQuery.extend({
  status: VerdictStatus.optional(),
  cluster: DnsLabel.optional(),
});
// Named apart from the schema (see pool.dto.ts, PoolPageQuery).
export type VerdictListFilter = z.infer<typeof VerdictListQuery>;

export { CidrText, DnsLabel };
