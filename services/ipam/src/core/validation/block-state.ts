import type { Prefix } from '../prefix/prefix';
import type { AllocationFit, BlockConflict, BlockVerdict, ConflictParty } from './types';

/** What the validator knows about one block (live, or deleted within the batch being applied). */
export interface BlockState {
  /** "<cluster>/<cidr>": cluster ids are DNS labels, so the first "/" separates the two. */
  readonly key: string;
  readonly cluster: string;
  readonly cidr: string;
  readonly prefix: Prefix;
  node: string;
  nextHop: string;
  revision: number;
  readonly firstSeen: number;
  /** Revision of the announcement that created it: the tie-breaker between equal firstSeen. */
  readonly firstRevision: number;
  allocation: AllocationFit;
  /** False once deleted (a deleted block may still be in the batch being applied). */
  live: boolean;
  /** The verdict last reported for this key; undefined until the first report. */
  published: BlockVerdict | undefined;
  /**
   * Open conflicts by the other block's key, split by this block's role; created on the first
   * conflict (most blocks never have one, and 100,000 pairs of empty maps are 40 MB of heap).
   */
  excludedBy: Map<string, BlockConflict> | undefined;
  excluding: Map<string, BlockConflict> | undefined;
}

export function linkConflict(kept: BlockState, excluded: BlockState, conflict: BlockConflict): void {
  (kept.excluding ??= new Map()).set(excluded.key, conflict);
  (excluded.excludedBy ??= new Map()).set(kept.key, conflict);
}

/** Every open conflict of a block with the other block's key, both roles (a copy: safe to close while iterating). */
export function conflictsOf(block: BlockState): [string, BlockConflict][] {
  if (!block.excludedBy?.size && !block.excluding?.size) return [];
  return [...(block.excludedBy ?? []), ...(block.excluding ?? [])];
}

export function blockKey(cluster: string, cidr: string): string {
  return `${cluster}/${cidr}`;
}

export function partyOf(block: BlockState): ConflictParty {
  return { cluster: block.cluster, cidr: block.cidr, firstSeen: block.firstSeen };
}

/**
 * Overlapping blocks conflict unless they are the same owner: the same node of the same cluster
 * may announce nested blocks (a node's podCIDR and the Calico blocks inside it). A block that
 * moved to another node of its cluster is one block (one key), never a conflict with itself.
 */
export function ownersConflict(a: BlockState, b: BlockState): boolean {
  return a.key !== b.key && !(a.cluster === b.cluster && a.node === b.node);
}

/**
 * True when `a` keeps its addresses against `b`. The earlier block wins, as the oldest export
 * wins in the Multi-Cluster Services API (KEP-1645, "Constraints and Conflict Resolution"); ties go to the lower
 * registry revision, then to the key, so every replica and every replay decides the same way.
 * One rule comes first: a block outside its cluster's pod allocation never wins against one
 * that is not, or a stray announcement could push a cluster out of the range it was allocated.
 */
export function outranks(a: BlockState, b: BlockState): boolean {
  const aStray = a.allocation === 'outside';
  const bStray = b.allocation === 'outside';
  if (aStray !== bStray) return bStray;
  if (a.firstSeen !== b.firstSeen) return a.firstSeen < b.firstSeen;
  if (a.firstRevision !== b.firstRevision) return a.firstRevision < b.firstRevision;
  return a.key < b.key;
}

export function conflictId(kept: BlockState, excluded: BlockState): string {
  return `${kept.key} > ${excluded.key}`;
}
