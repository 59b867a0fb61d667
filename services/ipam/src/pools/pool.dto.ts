import { z } from 'zod';
import { CidrText, DnsLabel } from '@isthmus/contracts';
import { PageQuery } from '@isthmus/service-kit';

/** Pool names appear in URLs and messages; DNS labels keep them short and unambiguous. */
export const PoolName = DnsLabel;

export const CreatePoolBody = z.strictObject({
  name: PoolName,
  /** The supernet, canonical, no host bits (e.g. "192.168.0.0/16", "2001:db8::/32"). */
  cidr: CidrText,
  description: z.string().max(1024).default(''),
});
export type CreatePoolBody = z.infer<typeof CreatePoolBody>;

export const PoolListQuery = PageQuery;
// Not a type of the same name: Nest's decorator metadata would name the schema object as the
// parameter's type, and the OpenAPI explorer would take it for a class.
export type PoolPageQuery = z.infer<typeof PoolListQuery>;
