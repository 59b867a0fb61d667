import type { NodeState, PodBlockState } from '@isthmus/contracts';
import type { Sql } from '@isthmus/service-kit';
import { col, column } from '../writer/columns';

/**
 * What the static API reads and keeps besides states, inside the writer's transaction for a
 * dependent write (RegistryWriter.submitDependent), under the cluster's exclusive lock.
 */

/** The live nodes of `cluster` among `names`. */
export async function storedNodes(sql: Sql, cluster: string, names: readonly string[]): Promise<NodeState[]> {
  if (names.length === 0) return [];
  const rows = await sql.query<{ state: string }>(
    `SELECT state FROM node WHERE cluster = $1 AND name = ANY(${col(2)}) AND NOT deleted`,
    [cluster, column(names)],
  );
  return rows.map((r) => JSON.parse(r.state) as NodeState);
}

/** The live blocks of those nodes whose next hop follows their node (not given explicitly). */
export async function blocksFollowing(
  sql: Sql,
  cluster: string,
  nodes: readonly string[],
): Promise<PodBlockState[]> {
  if (nodes.length === 0) return [];
  const rows = await sql.query<{ state: string }>(
    `SELECT state FROM pod_block
      WHERE cluster = $1 AND node = ANY(${col(2)}) AND NOT deleted AND NOT next_hop_explicit
      ORDER BY cidr`,
    [cluster, column(nodes)],
  );
  return rows.map((r) => JSON.parse(r.state) as PodBlockState);
}

/**
 * Records which blocks were given their next hop. Run after the blocks are written (a new block's
 * row exists only then); not part of the state, so no revision and no event.
 */
export async function setExplicitNextHops(
  sql: Sql,
  cluster: string,
  blocks: readonly { cidr: string; explicit: boolean }[],
): Promise<void> {
  if (blocks.length === 0) return;
  await sql.execute(
    `UPDATE pod_block b SET next_hop_explicit = i.explicit::boolean
       FROM unnest(${col(2)}, ${col(3)}) AS i(cidr, explicit)
      WHERE b.cluster = $1 AND b.cidr = i.cidr AND b.next_hop_explicit <> i.explicit::boolean`,
    [cluster, column(blocks.map((b) => b.cidr)), column(blocks.map((b) => String(b.explicit)))],
  );
}
