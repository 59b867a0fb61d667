// The desired table: a pure function of (clusters, blocks, verdicts, policies, settings, now),
// as DESIGN.md asks ("keep it in a pure core"). No IO and no clock: the adapter re-runs it when
// an input changes, and at `nextChangeAt` when a lost cluster turns stale.
import { routeAttributes } from './communities';
import {
  blockKey,
  type BlockView,
  type ClusterView,
  type DesiredRouteEntry,
  type DesiredTable,
  type ExcludedBlock,
  type ExclusionReason,
  type RouteAttributes,
  type RoutingInputs,
  type RoutingSettings,
} from './types';
import type { VerdictStatus } from '@isthmus/contracts';

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
  const eligible = new Map<string, BlockView[]>();
  let nextChangeAt: number | undefined;

  for (const block of inputs.blocks) {
    const cluster = clusters.get(block.cluster);
    const judged = judgeBlock(
      block,
      cluster,
      verdicts.get(blockKey(block.cluster, block.cidr)),
      settings,
      now,
    );
    if (judged.staleAt !== undefined) {
      nextChangeAt = nextChangeAt === undefined ? judged.staleAt : Math.min(nextChangeAt, judged.staleAt);
    }
    if (judged.reason) {
      excluded.push(exclusion(block, judged.reason, judged.detail));
      continue;
    }
    const rivals = eligible.get(block.cidr);
    if (rivals) rivals.push(block);
    else eligible.set(block.cidr, [block]);
  }

  const candidates: BlockView[] = [];
  for (const blocks of eligible.values()) {
    const [winner, taken] = arbitrate(blocks);
    candidates.push(winner);
    for (const block of taken) excluded.push(prefixTaken(block, winner));
  }

  const routes = new Map<string, DesiredRouteEntry>();
  for (const block of candidates.sort(byClusterThenCidr)) {
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

/** The verdict on one block by itself (prefix-taken is decided among the eligible blocks). */
export interface BlockJudgement {
  reason?: Exclude<ExclusionReason, 'prefix-taken'>;
  detail?: string;
  /** Set while the block's cluster is lost but not yet stale: when it turns stale. */
  staleAt?: number;
}

/** Whether a block may be advertised on its own merits, or the first reason it may not. */
export function judgeBlock(
  block: BlockView,
  cluster: ClusterView | undefined,
  verdict: VerdictStatus | undefined,
  settings: RoutingSettings,
  now: number,
): BlockJudgement {
  if (!cluster) return { reason: 'cluster-unknown' };
  if (!cluster.policy.advertise) return { reason: 'cluster-opted-out' };
  let staleAt: number | undefined;
  if (cluster.status === 'lost' && cluster.lostSince !== undefined) {
    staleAt = cluster.lostSince + settings.staleAfterMs;
    if (now >= staleAt)
      return { reason: 'stale', detail: `lost since ${new Date(cluster.lostSince).toISOString()}` };
  }
  const pending = staleAt !== undefined ? { staleAt } : {};
  if (familyOf(block.nextHop) !== familyOf(block.cidr)) {
    return {
      reason: 'next-hop-family',
      detail: `next hop ${block.nextHop} is not an IPv${familyOf(block.cidr)} address`,
      ...pending,
    };
  }
  if (verdict === 'conflict' || verdict === 'outside-allocation') return { reason: verdict, ...pending };
  if (verdict === undefined && settings.requireVerdict) return { reason: 'no-verdict', ...pending };
  return pending;
}

export function exclusion(block: BlockView, reason: ExclusionReason, detail?: string): ExcludedBlock {
  return {
    cluster: block.cluster,
    cidr: block.cidr,
    node: block.node,
    reason,
    ...(detail ? { detail } : {}),
  };
}

/** Of the eligible blocks of one prefix: the one advertised, and the others. */
export function arbitrate(blocks: readonly BlockView[]): [BlockView, BlockView[]] {
  let winner = blocks[0]!;
  for (const b of blocks) if (firstSeen(b, winner)) winner = b;
  return [winner, blocks.filter((b) => b !== winner)];
}

export function prefixTaken(block: BlockView, winner: BlockView): ExcludedBlock {
  return exclusion(block, 'prefix-taken', `${blockKey(winner.cluster, winner.cidr)} was seen first`);
}

/** Of two eligible blocks with one prefix, whether `a` wins: the registry saw it first. */
export function firstSeen(a: BlockView, b: BlockView): boolean {
  return a.revision !== b.revision ? a.revision < b.revision : a.cluster < b.cluster;
}

export function byClusterThenCidr(
  a: { cluster: string; cidr: string },
  b: { cluster: string; cidr: string },
) {
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
