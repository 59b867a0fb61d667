// The desired table: a pure function of (clusters, blocks, verdicts, policies, settings, now),
// as DESIGN.md asks ("keep it in a pure core"). No IO and no clock: the adapter re-runs it when
// an input changes, and at `nextChangeAt` when a lost cluster turns stale.
import { routeAttributes } from './communities';
import {
  blockKey,
  type BlockView,
  type DesiredRouteEntry,
  type DesiredTable,
  type ExcludedBlock,
  type RouteAttributes,
  type RoutingInputs,
} from './types';

const familyOf = (text: string): 4 | 6 => (text.includes(':') ? 6 : 4);

/**
 * Every block that may be advertised, with NEXT_HOP = the address of its node of the block's
 * family (the registry's `nextHop`), and the clusters' communities; every other block with the
 * first reason that keeps it out (ExclusionReason lists the order).
 *
 * - degraded clusters keep their routes (their watch fails, what we had is still the truth we
 *   know); lost ones keep them until `staleAfterMs` after they became lost;
 * - IPAM's verdict decides between overlapping blocks; with `requireVerdict` off, a block with
 *   no verdict is advertised, and of two blocks with the same prefix the first the registry
 *   saw (lower revision; then cluster id) is, so that the table never flips with input order.
 */
export function computeDesiredTable(inputs: RoutingInputs): DesiredTable {
  const { clusters, verdicts, settings, now } = inputs;
  const attributesByCluster = new Map<string, RouteAttributes>();
  const excluded: ExcludedBlock[] = [];
  const candidates = new Map<string, BlockView>();
  let nextChangeAt: number | undefined;

  for (const block of inputs.blocks) {
    const out = (reason: ExcludedBlock['reason'], detail?: string) =>
      excluded.push({
        cluster: block.cluster,
        cidr: block.cidr,
        node: block.node,
        reason,
        ...(detail ? { detail } : {}),
      });
    const cluster = clusters.get(block.cluster);
    if (!cluster) {
      out('cluster-unknown');
      continue;
    }
    if (!cluster.policy.advertise) {
      out('cluster-opted-out');
      continue;
    }
    if (cluster.status === 'lost' && cluster.lostSince !== undefined) {
      const staleAt = cluster.lostSince + settings.staleAfterMs;
      if (now >= staleAt) {
        out('stale', `lost since ${new Date(cluster.lostSince).toISOString()}`);
        continue;
      }
      nextChangeAt = nextChangeAt === undefined ? staleAt : Math.min(nextChangeAt, staleAt);
    }
    if (familyOf(block.nextHop) !== familyOf(block.cidr)) {
      out('next-hop-family', `next hop ${block.nextHop} is not an IPv${familyOf(block.cidr)} address`);
      continue;
    }
    const verdict = verdicts.get(blockKey(block.cluster, block.cidr));
    if (verdict === 'conflict' || verdict === 'outside-allocation') {
      out(verdict);
      continue;
    }
    if (verdict === undefined && settings.requireVerdict) {
      out('no-verdict');
      continue;
    }
    const rival = candidates.get(block.cidr);
    if (rival && !firstSeen(block, rival)) {
      out('prefix-taken', `${blockKey(rival.cluster, rival.cidr)} was seen first`);
      continue;
    }
    if (rival) {
      excluded.push({
        cluster: rival.cluster,
        cidr: rival.cidr,
        node: rival.node,
        reason: 'prefix-taken',
        detail: `${blockKey(block.cluster, block.cidr)} was seen first`,
      });
    }
    candidates.set(block.cidr, block);
  }

  const routes = new Map<string, DesiredRouteEntry>();
  for (const block of [...candidates.values()].sort(byClusterThenCidr)) {
    let attributes = attributesByCluster.get(block.cluster);
    if (!attributes) {
      attributes = routeAttributes(clusters.get(block.cluster)!.policy, settings.localAsn);
      attributesByCluster.set(block.cluster, attributes);
    }
    routes.set(block.cidr, {
      prefix: block.cidr,
      cluster: block.cluster,
      node: block.node,
      nextHop: block.nextHop,
      attributes,
    });
  }
  excluded.sort(byClusterThenCidr);
  return { routes, excluded, ...(nextChangeAt !== undefined ? { nextChangeAt } : {}) };
}

function firstSeen(a: BlockView, b: BlockView): boolean {
  return a.revision !== b.revision ? a.revision < b.revision : a.cluster < b.cluster;
}

function byClusterThenCidr(a: { cluster: string; cidr: string }, b: { cluster: string; cidr: string }) {
  return a.cluster < b.cluster
    ? -1
    : a.cluster > b.cluster
      ? 1
      : a.cidr < b.cidr
        ? -1
        : a.cidr > b.cidr
          ? 1
          : 0;
}
