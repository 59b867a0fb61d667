// The vocabulary of the routing core (DESIGN.md, "Routing semantics"): what it is given (the
// clusters, their pod blocks, IPAM's verdicts, each cluster's routing policy) and what it
// answers (the routes every reflector should have, and for every block left out, why).
import type { ClusterStatus, PodBlockState, VerdictStatus } from '@isthmus/contracts';

/** A cluster as routing needs it: its status, since when it is lost, how it is advertised. */
export interface ClusterView {
  id: string;
  status: ClusterStatus;
  /** When the cluster became `lost`, ms since the epoch (the `at` of the event that said so). */
  lostSince?: number;
  /** Its own policy, or defaultPolicy(its tag). */
  policy: ClusterRoutingPolicy;
}

/** A pod block with the registry revision that created it (first seen wins a tie on a prefix). */
export interface BlockView extends PodBlockState {
  revision: number;
}

/** RFC 1997 community as written by operators, `asn:value`, each 0..65535. */
export type Community = readonly [asn: number, value: number];
/** RFC 8092 large community: global administrator, local data 1, local data 2 (each 32 bits). */
export type LargeCommunity = readonly [global: number, local1: number, local2: number];

/**
 * How one cluster's blocks are advertised. `tag` is the cluster's number, which the default
 * communities carry (see communities.ts); explicit lists replace the defaults.
 */
export interface ClusterRoutingPolicy {
  /** False for a cluster whose nodes peer with the reflectors themselves (Calico in seed 002). */
  advertise: boolean;
  tag: number;
  communities?: readonly Community[];
  largeCommunities?: readonly LargeCommunity[];
}

export interface RoutingSettings {
  /** Our ASN: the global administrator of the default communities. */
  localAsn: number;
  /** A block without an IPAM verdict waits (ROUTING_REQUIRE_VERDICT, default true). */
  requireVerdict: boolean;
  /** A `lost` cluster's routes stay this long, then go (ROUTING_STALE_AFTER_MS). */
  staleAfterMs: number;
}

export interface RoutingInputs {
  clusters: ReadonlyMap<string, ClusterView>;
  blocks: Iterable<BlockView>;
  /** IPAM's verdict per block, keyed by blockKey(cluster, cidr). */
  verdicts: ReadonlyMap<string, VerdictStatus>;
  settings: RoutingSettings;
  /** The clock, as an input: the core reads no clock of its own. */
  now: number;
}

/** The attributes a route is sent with, shared by every route of one cluster (by identity). */
export interface RouteAttributes {
  /** RFC 1997 values, (asn << 16 | value) >>> 0, sorted. */
  communities: readonly number[];
  largeCommunities: readonly LargeCommunity[];
}

export interface DesiredRouteEntry {
  prefix: string;
  cluster: string;
  node: string;
  nextHop: string;
  attributes: RouteAttributes;
}

/**
 * Why a block is not advertised, in the order the core checks them:
 * - cluster-unknown: no cluster of that id (deleted, or not seen yet): its routes go at once;
 * - cluster-opted-out: the cluster's policy says not to advertise;
 * - stale: the cluster has been `lost` for longer than the stale timeout;
 * - next-hop-family: the next hop is not of the block's family (nothing to send);
 * - conflict, outside-allocation: IPAM's verdict keeps the block out;
 * - no-verdict: IPAM has not judged the block yet, and a verdict is required;
 * - prefix-taken: without verdicts, another cluster's block with the same prefix came first.
 */
export type ExclusionReason =
  | 'cluster-unknown'
  | 'cluster-opted-out'
  | 'stale'
  | 'next-hop-family'
  | 'conflict'
  | 'outside-allocation'
  | 'no-verdict'
  | 'prefix-taken';

export interface ExcludedBlock {
  cluster: string;
  cidr: string;
  node: string;
  reason: ExclusionReason;
  /** Words for an operator (which block took the prefix, since when the cluster is lost). */
  detail?: string;
}

export interface DesiredTable {
  /** Keyed by prefix: a reflector holds one route per prefix from us. */
  routes: ReadonlyMap<string, DesiredRouteEntry>;
  /** Sorted by cluster, then prefix. */
  excluded: readonly ExcludedBlock[];
  /** When the table changes with no new input (a lost cluster turning stale); undefined: never. */
  nextChangeAt?: number;
}

export function blockKey(cluster: string, cidr: string): string {
  return `${cluster}/${cidr}`;
}
