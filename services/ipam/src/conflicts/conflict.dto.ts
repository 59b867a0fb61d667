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

/**
 * What operators read in the OpenAPI document about conflicts and verdicts: the precedence of
 * core/validation/block-state.ts (`outranks`, `ownersConflict`) and verdict.ts (`statusOf`),
 * pinned by core/validation/block-precedence.test.ts. Keep it and README.md alike.
 */
export const PRECEDENCE =
  'A conflict is two overlapping pod blocks of different clusters, or of different nodes of one cluster. ' +
  '`kept` keeps its addresses; `excluded` is kept out of routing and DNS. Which one is kept: (1) a block ' +
  "outside its cluster's pod allocations never wins against one that is not (inside one, or of a cluster " +
  'with no pod allocation of that family); (2) otherwise the one seen first; (3) equal first sightings go ' +
  'to the lower registry revision of the first announcement, then to the lower `<cluster>/<cidr>`. Each ' +
  'pair is judged on its own. A conflict clears by itself when either block goes away or the blocks stop ' +
  'conflicting (`clearedAt`), and the excluded block is judged again against what is left. Its id stays ' +
  'the same while it is open, across restarts and failovers; a conflict between the same blocks that ' +
  'comes back later (a block announced again, an allocation change that turns which one is kept) is a ' +
  'new conflict with a new id.';

/** The verdict statuses, for the verdict endpoints' descriptions. */
export const VERDICT_STATUSES =
  'Status: `conflict` when at least one overlapping block is kept against this one (also when it lies ' +
  'outside its allocation too), else `outside-allocation` when its cluster has pod allocations of its ' +
  'family and none contains it, else `valid`. Only `valid` blocks are routed and resolved. Which of two ' +
  'overlapping blocks is kept: see /v1/conflicts.';
