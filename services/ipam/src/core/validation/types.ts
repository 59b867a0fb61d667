/**
 * Inputs and outputs of the pod block validator (DESIGN.md, "IPAM semantics"): what the
 * registry says clusters use, against the address plan and against each other.
 */

/** A pod block as announced by the registry; its identity is (cluster, cidr), the registry's block key. */
export interface AnnouncedBlock {
  cluster: string;
  /** Canonical CIDR text. */
  cidr: string;
  node: string;
  nextHop: string;
  /** Registry revision of this state; a revision not above the last one applied is ignored. */
  revision: number;
  /**
   * When the block was first seen (ms since epoch; the service keeps it across restarts). The
   * earlier block wins an overlap. Only the first announcement's value counts while the block lives.
   */
  firstSeen: number;
  /**
   * Registry revision of the block's first announcement, when the caller keeps it with firstSeen
   * (default: `revision`, the first announcement this validator sees). It breaks ties between
   * equal firstSeen; a caller that persists firstSeen must persist this too, or a replica that
   * replays the stream (and sees only the latest revision) can break a tie the other way.
   */
  firstRevision?: number;
}

/** An allocation of a pool to a cluster; only purpose "pods" constrains pod blocks. */
export interface ClusterAllocation {
  id: string;
  cluster: string;
  purpose: string;
  cidr: string;
}

export type ValidatorInput =
  | { type: 'block-upsert'; block: AnnouncedBlock }
  | { type: 'block-delete'; cluster: string; cidr: string; revision: number }
  | { type: 'allocation-upsert'; allocation: ClusterAllocation }
  | { type: 'allocation-delete'; id: string };

/**
 * valid: routed and resolvable. conflict: overlaps an older block of another cluster or another
 * node and is excluded. outside-allocation: its cluster has pod allocations of the block's
 * family and none contains the block; excluded too.
 */
export type VerdictStatus = 'valid' | 'conflict' | 'outside-allocation';

/** no-pod-allocation: the cluster has no pod allocation of the block's family, so any block is accepted. */
export type AllocationFit = 'inside' | 'outside' | 'no-pod-allocation';

/** One side of a conflict. */
export interface ConflictParty {
  cluster: string;
  cidr: string;
  firstSeen: number;
}

/** The verdict on one block, published on its own subject whenever it changes. */
export interface BlockVerdict {
  cluster: string;
  cidr: string;
  node: string;
  status: VerdictStatus;
  allocation: AllocationFit;
  /** The blocks this one yields to, oldest first, at most VERDICT_PARTY_LIMIT of them. */
  excludedBy: ConflictParty[];
  excludedByTotal: number;
  /** How many younger blocks this one keeps out (they carry the details). */
  excludingTotal: number;
}

/** Two blocks that overlap and belong to different clusters or nodes; `kept` wins. */
export interface BlockConflict {
  /** Stable for the pair and its roles: "<kept cluster>/<kept cidr> > <excluded cluster>/<excluded cidr>". */
  id: string;
  kept: ConflictParty;
  excluded: ConflictParty;
  /** When it was detected: the time passed with the input that opened it (ms since epoch). */
  since: number;
}

/** A block's verdict changed; `verdict` null means the block is gone (publish a tombstone). */
export interface VerdictChange {
  cluster: string;
  cidr: string;
  verdict: BlockVerdict | null;
}

/** The net effect of a batch of inputs: only what differs from before the batch. */
export interface ValidationChanges {
  verdicts: VerdictChange[];
  conflictsOpened: BlockConflict[];
  conflictsClosed: BlockConflict[];
}
