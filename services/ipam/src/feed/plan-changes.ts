import type { PlanAllocation, PlanPool } from '../lookup/lookup-index';

/**
 * One row of plan_change (migration 20261208200000_plan_changes): what one statement did to one
 * pool or allocation, at the plan revision that statement committed. Deletes carry the row as it
 * was, inserts and updates the row as it is; an update keeps its key (the trigger turns a key
 * change into a delete and an insert). A truncate empties its table.
 */
export type PlanChange =
  | { revision: number; ordinal: number; op: 'insert' | 'update' | 'delete'; pool: PlanPool }
  | { revision: number; ordinal: number; op: 'insert' | 'update' | 'delete'; allocation: PlanAllocation }
  | { revision: number; ordinal: number; op: 'truncate'; relation: 'pool' | 'allocation' };

/** plan_change as SELECTed by the feed (bigint revision as text, cidr as text). */
export interface PlanChangeRow {
  revision: string | number;
  ordinal: number;
  relation: 'pool' | 'allocation';
  op: 'insert' | 'update' | 'delete' | 'truncate';
  pool: string | null;
  allocation_id: number | null;
  cluster: string | null;
  purpose: string | null;
  cidr: string | null;
}

/** A row as a change; `canonical` spells its prefix as the rest of the plan does. */
export function planChangeOf(row: PlanChangeRow, canonical: (cidr: string) => string): PlanChange {
  const revision = Number(row.revision);
  const { ordinal } = row;
  if (row.op === 'truncate') return { revision, ordinal, op: 'truncate', relation: row.relation };
  const cidr = canonical(row.cidr!);
  if (row.relation === 'pool') return { revision, ordinal, op: row.op, pool: { name: row.pool!, cidr } };
  return {
    revision,
    ordinal,
    op: row.op,
    allocation: {
      id: row.allocation_id!,
      pool: row.pool!,
      cluster: row.cluster!,
      purpose: row.purpose!,
      cidr,
    },
  };
}

/**
 * Whether changes read above `applied` take a replica to `head` (plan_revision in the same
 * snapshot), change by change:
 * - 'current': nothing above `applied` (head is not above it);
 * - 'apply': every revision from applied + 1 to head is there, each from ordinal 1 on, and none
 *   is a truncate;
 * - 'whole': the log cannot say: a revision is missing (pruned: every revision has at least one
 *   row, see the migration), or a truncate, or the rows were cut short at `limit`. The replica
 *   reads the plan whole.
 */
export function planChangesFollow(
  applied: number,
  head: number,
  changes: readonly PlanChange[],
  limit = Infinity,
): 'current' | 'apply' | 'whole' {
  if (head <= applied) return 'current';
  if (changes.length >= limit) return 'whole';
  let revision = applied;
  let ordinal = 0;
  for (const c of changes) {
    if (c.op === 'truncate') return 'whole';
    if (c.revision === revision && c.ordinal === ordinal + 1) ordinal++;
    else if (c.revision === revision + 1 && c.ordinal === 1) [revision, ordinal] = [c.revision, 1];
    else return 'whole';
  }
  return revision === head ? 'apply' : 'whole';
}
