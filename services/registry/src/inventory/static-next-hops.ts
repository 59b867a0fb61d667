import type { NodeState, PodBlockState } from '@isthmus/contracts';
import { ConflictError, InvalidInputError } from '@isthmus/service-kit';
import { addressFamily, cidrFamily, familyName, nextHopFor } from '../pod-blocks/next-hop';
import type { EntityChange } from '../writer/changes';
import type { ChangesBody } from './inventory.dto';

/**
 * The next hops of the blocks a static API request writes, and of the stored blocks whose node it
 * changes, planned from the request and what is stored (pure: the reads happen before, in the
 * same transaction, under the cluster's exclusive lock).
 *
 * The rule of next hops (docs/architecture.md, "Next hops"): a block's next hop is its node's
 * address of the block's family, now. So a block written without nextHop takes it from its node
 * (in the request, else stored), and keeps following it: a request that changes a node's
 * addresses also rewrites the next hop of each of its stored blocks that follows it (new revision,
 * new event; unchanged ones are dropped by the writer). A nextHop given explicitly must be of the
 * block's family and stays as given. A block can never be left without a next hop of its family:
 * a request that would leave one so is refused (400 for a block the request writes, 409 for a
 * stored block whose node the request changes), where the Kubernetes source, which cannot refuse
 * its cluster, leaves such a block out.
 */

export interface StoredInventory {
  /** Stored live nodes, of those named by storedNodesWanted(). */
  nodes: readonly NodeState[];
  /** Stored live blocks that follow their node, of the nodes named by followersWanted(). */
  followers: readonly PodBlockState[];
}

export interface NextHopPlan {
  /** The request's block upserts, each with its next hop. */
  blocks: EntityChange[];
  /** Stored blocks whose next hop follows a node the request changes. */
  derived: EntityChange[];
  /** Whether each block the request writes was given its next hop. */
  explicit: { cidr: string; explicit: boolean }[];
}

/** Where a field of the request is, for issues: the batch's paths, or a PUT's own body. */
export interface RequestPaths {
  block(index: number, field: string): string;
  node(index: number, field: string): string;
}

export const BATCH_PATHS: RequestPaths = {
  block: (i, field) => `upsert.podBlocks[${i}].${field}`,
  node: (i, field) => `upsert.nodes[${i}].${field}`,
};
export const PUT_PATHS: RequestPaths = { block: (_, field) => field, node: (_, field) => field };

/** The nodes whose stored addresses the request's blocks without nextHop need. */
export function storedNodesWanted(body: ChangesBody): string[] {
  const carried = new Set(body.upsert.nodes.map((n) => n.name));
  return [
    ...new Set(body.upsert.podBlocks.filter((b) => !b.nextHop && !carried.has(b.node)).map((b) => b.node)),
  ];
}

/** The nodes whose following blocks the request may move: the ones it upserts. */
export function followersWanted(body: ChangesBody): string[] {
  return [...new Set(body.upsert.nodes.map((n) => n.name))];
}

export function planNextHops(
  cluster: string,
  body: ChangesBody,
  stored: StoredInventory,
  paths: RequestPaths = BATCH_PATHS,
): NextHopPlan {
  const deletedNodes = new Set(body.delete.nodes);
  // The last upsert of a name wins, as in the writer's coalescing.
  const addressesOf = new Map<string, readonly string[]>();
  for (const n of stored.nodes) addressesOf.set(n.name, n.addresses);
  for (const n of body.upsert.nodes) addressesOf.set(n.name, n.addresses);

  const invalid: { path: string; message: string }[] = [];
  const blocks: EntityChange[] = [];
  const explicit: NextHopPlan['explicit'] = [];
  body.upsert.podBlocks.forEach((b, i) => {
    const family = cidrFamily(b.cidr);
    let nextHop: string | null = null;
    if (b.nextHop) {
      if (addressFamily(b.nextHop) === family) nextHop = b.nextHop;
      else {
        invalid.push({
          path: paths.block(i, 'nextHop'),
          message:
            `${b.nextHop} is not an ${familyName(family)} address; the next hop of ${familyName(family)} ` +
            `block ${b.cidr} must be one`,
        });
      }
    } else if (deletedNodes.has(b.node)) {
      invalid.push({
        path: paths.block(i, 'node'),
        message: `node "${b.node}" is deleted by this request; a block goes with its node`,
      });
    } else if (!addressesOf.has(b.node)) {
      invalid.push({
        path: paths.block(i, 'nextHop'),
        message: `not given, and node "${b.node}" is not known in cluster "${cluster}"; give nextHop or the node first`,
      });
    } else {
      nextHop = nextHopFor(family, addressesOf.get(b.node)!);
      if (!nextHop) {
        invalid.push({
          path: paths.block(i, 'nextHop'),
          message:
            `not given, and node "${b.node}" has no ${familyName(family)} address to be the next hop of ` +
            `${b.cidr}; give the node one, or give the block a nextHop`,
        });
      }
    }
    if (nextHop) {
      blocks.push({ kind: 'block', op: 'upsert', state: blockState(cluster, b.cidr, b.node, nextHop) });
      explicit.push({ cidr: b.cidr, explicit: b.nextHop !== undefined });
    }
  });
  if (invalid.length) {
    const first = invalid[0]!;
    const more = invalid.length > 1 ? ` (and ${invalid.length - 1} more)` : '';
    throw new InvalidInputError(`request body is invalid: ${first.path}: ${first.message}${more}`, invalid);
  }

  return {
    blocks,
    derived: followerChanges(cluster, body, stored.followers, addressesOf, deletedNodes),
    explicit,
  };
}

/**
 * The stored blocks that follow a node the request upserts, with the next hop the node's new
 * addresses give them; a conflict when the node keeps no address of a block's family.
 */
function followerChanges(
  cluster: string,
  body: ChangesBody,
  followers: readonly PodBlockState[],
  addressesOf: ReadonlyMap<string, readonly string[]>,
  deletedNodes: ReadonlySet<string>,
): EntityChange[] {
  // What the request itself writes or deletes of a block, or of its node, decides instead.
  const written = new Set([...body.upsert.podBlocks.map((b) => b.cidr), ...body.delete.podBlocks]);
  const out: EntityChange[] = [];
  const stranded = new Map<string, { family: string; cidrs: string[] }>();
  for (const block of followers) {
    if (written.has(block.cidr) || deletedNodes.has(block.node)) continue;
    const family = cidrFamily(block.cidr);
    const nextHop = nextHopFor(family, addressesOf.get(block.node) ?? []);
    if (nextHop) {
      out.push({ kind: 'block', op: 'upsert', state: blockState(cluster, block.cidr, block.node, nextHop) });
      continue;
    }
    const key = `${block.node}\u0000${family}`;
    const entry = stranded.get(key) ?? { family: familyName(family), cidrs: [] };
    entry.cidrs.push(block.cidr);
    stranded.set(key, entry);
  }
  if (stranded.size) {
    const reasons = [...stranded].map(([key, { family, cidrs }]) => {
      const node = key.split('\u0000')[0]!;
      const blocks =
        cidrs.length > 1 ? `pod blocks ${cidrs.join(', ')} follow it` : `pod block ${cidrs[0]} follows it`;
      return `node "${node}" would have no ${family} address, and ${blocks} (the next hop is the node's ${family} address)`;
    });
    throw new ConflictError(
      `${reasons.join('; ')}: keep such an address on the node, give the block a nextHop, or delete the block in the same request`,
    );
  }
  return out;
}

/** Field order is fixed here so that equal states serialize equally (the outbox payload). */
function blockState(cluster: string, cidr: string, node: string, nextHop: string): PodBlockState {
  return { cluster, cidr, node, nextHop, source: 'static' };
}
