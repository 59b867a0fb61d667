import { PrefixTrie } from '../lookup/prefix-trie';
import { prefixContains, type Prefix } from '../prefix/prefix';
import { parsePrefix } from '../prefix/prefix-text';
import {
  blockKey,
  conflictId,
  conflictsOf,
  linkConflict,
  outranks,
  ownersConflict,
  partyOf,
  type BlockState,
} from './block-state';
import { ChangeSet } from './change-set';
import type {
  AllocationFit,
  AnnouncedBlock,
  BlockConflict,
  BlockVerdict,
  ValidationChanges,
  ValidatorInput,
  VerdictChange,
} from './types';
import { verdictOf, verdictsEqual } from './verdict';

interface PodAllocation {
  cluster: string;
  prefix: Prefix;
}

/** An input with its CIDR parsed: a batch is parsed whole before any state changes. */
type ParsedInput =
  | { type: 'block-upsert'; block: AnnouncedBlock; prefix: Prefix }
  | { type: 'block-delete'; cluster: string; cidr: string; revision: number }
  | { type: 'allocation-upsert'; id: string; cluster: string; purpose: string; prefix: Prefix }
  | { type: 'allocation-delete'; id: string };

/**
 * Checks the pod blocks clusters announce against the address plan and against each other
 * (issue 4, "Validation of what clusters use"), level-based: the verdicts are a function of the
 * current blocks and allocations only, whatever order the inputs came in, as long as each
 * block's own inputs keep their order. Every overlapping pair of blocks of different owners is
 * one conflict; the younger block of the pair is excluded (block-state.ts, `outranks`). Overlaps
 * are found through a prefix trie (what contains the block, what it contains), not by a scan.
 */
export class BlockValidator {
  private readonly blocks = new Map<string, BlockState>();
  private readonly index = new PrefixTrie<BlockState>();
  private readonly blocksByCluster = new Map<string, Set<BlockState>>();
  /** Highest revision applied per deleted block key, so a late replay cannot resurrect it. */
  private readonly tombstones = new Map<string, number>();
  private readonly podAllocations = new Map<string, PodAllocation>();
  /** The same allocations by cluster: a block is checked against its own cluster's only. */
  private readonly podAllocationsByCluster = new Map<string, Map<string, Prefix>>();

  /** Applies a batch of inputs; `at` (ms since epoch) dates the conflicts it opens. */
  apply(inputs: readonly ValidatorInput[], at: number): ValidationChanges {
    const parsed = inputs.map(parseInput);
    const changes = new ChangeSet();
    for (const input of parsed) {
      switch (input.type) {
        case 'block-upsert':
          this.upsert(input.block, input.prefix, at, changes);
          break;
        case 'block-delete':
          this.delete(blockKey(input.cluster, input.cidr), input.revision, changes);
          break;
        case 'allocation-upsert':
          this.setAllocation(input.id, input, at, changes);
          break;
        case 'allocation-delete':
          this.setAllocation(input.id, undefined, at, changes);
          break;
      }
    }
    return {
      verdicts: this.publishVerdicts(changes.touched),
      conflictsOpened: changes.conflictsOpened(),
      conflictsClosed: changes.conflictsClosed(),
    };
  }

  /** The current verdict on a block, as last reported. */
  verdict(cluster: string, cidr: string): BlockVerdict | undefined {
    return this.blocks.get(blockKey(cluster, cidr))?.published;
  }

  /** Every live block's verdict. */
  *verdicts(): IterableIterator<BlockVerdict> {
    for (const block of this.blocks.values()) if (block.published) yield block.published;
  }

  /** Every open conflict, each once. */
  conflicts(): BlockConflict[] {
    const out: BlockConflict[] = [];
    for (const block of this.blocks.values()) if (block.excluding) out.push(...block.excluding.values());
    return out;
  }

  get blockCount(): number {
    return this.blocks.size;
  }

  private upsert(announced: AnnouncedBlock, prefix: Prefix, at: number, changes: ChangeSet): void {
    const key = blockKey(announced.cluster, announced.cidr);
    const existing = this.blocks.get(key);
    if (existing) {
      if (announced.revision <= existing.revision) return;
      existing.revision = announced.revision;
      existing.nextHop = announced.nextHop;
      if (existing.node === announced.node) return;
      // Moved to another node: pairs with the old and the new node's blocks change.
      existing.node = announced.node;
      changes.touch(existing);
      this.syncConflicts(existing, at, changes);
      return;
    }
    const tombstone = this.tombstones.size > 0 ? this.tombstones.get(key) : undefined;
    if (tombstone !== undefined) {
      if (announced.revision <= tombstone) return;
      this.tombstones.delete(key);
    }
    const block: BlockState = {
      key,
      cluster: announced.cluster,
      cidr: announced.cidr,
      prefix,
      node: announced.node,
      nextHop: announced.nextHop,
      revision: announced.revision,
      firstSeen: announced.firstSeen,
      firstRevision: announced.firstRevision ?? announced.revision,
      allocation: 'no-pod-allocation',
      live: true,
      published: changes.takeRemoved(key)?.published,
      excludedBy: undefined,
      excluding: undefined,
    };
    block.allocation = this.allocationFit(block);
    this.blocks.set(key, block);
    this.index.set(prefix, key, block);
    let siblings = this.blocksByCluster.get(block.cluster);
    if (!siblings) this.blocksByCluster.set(block.cluster, (siblings = new Set()));
    siblings.add(block);
    changes.touch(block);
    this.syncConflicts(block, at, changes);
  }

  private delete(key: string, revision: number, changes: ChangeSet): void {
    const block = this.blocks.get(key);
    if (!block) {
      if (revision > (this.tombstones.get(key) ?? -1)) this.tombstones.set(key, revision);
      return;
    }
    if (revision <= block.revision) return;
    this.tombstones.set(key, revision);
    for (const [, conflict] of conflictsOf(block)) this.closeConflict(conflict, changes);
    this.blocks.delete(key);
    this.index.delete(block.prefix, key);
    const siblings = this.blocksByCluster.get(block.cluster)!;
    siblings.delete(block);
    if (siblings.size === 0) this.blocksByCluster.delete(block.cluster);
    block.live = false;
    changes.remove(block);
  }

  /** Adds, replaces (allocation given) or removes (undefined) an allocation, then re-judges the clusters it concerns. */
  private setAllocation(
    id: string,
    allocation: { cluster: string; purpose: string; prefix: Prefix } | undefined,
    at: number,
    changes: ChangeSet,
  ): void {
    const affected = new Set<string>();
    const previous = this.podAllocations.get(id);
    if (previous) {
      affected.add(previous.cluster);
      this.podAllocations.delete(id);
      const ofCluster = this.podAllocationsByCluster.get(previous.cluster)!;
      ofCluster.delete(id);
      if (ofCluster.size === 0) this.podAllocationsByCluster.delete(previous.cluster);
    }
    if (allocation?.purpose === 'pods') {
      const { cluster, prefix } = allocation;
      this.podAllocations.set(id, { cluster, prefix });
      let ofCluster = this.podAllocationsByCluster.get(cluster);
      if (!ofCluster) this.podAllocationsByCluster.set(cluster, (ofCluster = new Map()));
      ofCluster.set(id, prefix);
      affected.add(cluster);
    }
    for (const cluster of affected) {
      for (const block of this.blocksByCluster.get(cluster) ?? []) {
        const fit = this.allocationFit(block);
        if (fit === block.allocation) continue;
        block.allocation = fit;
        changes.touch(block);
        // Whether a block is inside its allocation decides who wins its conflicts.
        this.syncConflicts(block, at, changes);
      }
    }
  }

  /**
   * Pod allocations are per cluster and per family: a dual-stack cluster with only an IPv4 pod
   * allocation is not constrained in IPv6. A cluster holds a handful of allocations, so a scan
   * of its own is cheaper than an index.
   */
  private allocationFit(block: BlockState): AllocationFit {
    let constrained = false;
    for (const prefix of this.podAllocationsByCluster.get(block.cluster)?.values() ?? []) {
      if (prefix.family !== block.prefix.family) continue;
      if (prefixContains(prefix, block.prefix)) return 'inside';
      constrained = true;
    }
    return constrained ? 'outside' : 'no-pod-allocation';
  }

  /** Makes the block's open conflicts match the blocks it overlaps now, with the right roles. */
  private syncConflicts(block: BlockState, at: number, changes: ChangeSet): void {
    // What is left in `stale` at the end no longer overlaps (or is the same owner now).
    const open = conflictsOf(block);
    const stale = open.length > 0 ? new Map(open) : undefined;
    for (const { value: other } of this.index.overlapping(block.prefix)) {
      if (!ownersConflict(block, other)) continue;
      stale?.delete(other.key);
      const wins = outranks(block, other);
      const asKept = block.excluding?.get(other.key);
      const asExcluded = block.excludedBy?.get(other.key);
      if (wins ? asKept : asExcluded) continue;
      // New, or the roles turned (an allocation change): a new record.
      const turned = asKept ?? asExcluded;
      if (turned) this.closeConflict(turned, changes);
      if (wins) this.openConflict(block, other, at, changes);
      else this.openConflict(other, block, at, changes);
    }
    for (const conflict of stale?.values() ?? []) this.closeConflict(conflict, changes);
  }

  private openConflict(kept: BlockState, excluded: BlockState, at: number, changes: ChangeSet): void {
    const conflict = changes.open({
      id: conflictId(kept, excluded),
      kept: partyOf(kept),
      excluded: partyOf(excluded),
      since: at,
    });
    linkConflict(kept, excluded, conflict);
    changes.touch(kept);
    changes.touch(excluded);
  }

  /** Closes a conflict between two live blocks. */
  private closeConflict(conflict: BlockConflict, changes: ChangeSet): void {
    const kept = this.blocks.get(blockKey(conflict.kept.cluster, conflict.kept.cidr))!;
    const excluded = this.blocks.get(blockKey(conflict.excluded.cluster, conflict.excluded.cidr))!;
    kept.excluding?.delete(excluded.key);
    excluded.excludedBy?.delete(kept.key);
    changes.close(conflict);
    changes.touch(kept);
    changes.touch(excluded);
  }

  /** Compares each touched block's verdict with the one last reported; reports only differences. */
  private publishVerdicts(touched: ReadonlySet<BlockState>): VerdictChange[] {
    const out: VerdictChange[] = [];
    for (const block of touched) {
      const previous = block.published ?? null;
      const next = block.live ? verdictOf(block) : null;
      if (verdictsEqual(previous, next)) continue;
      out.push({ cluster: block.cluster, cidr: block.cidr, verdict: next });
      block.published = next ?? undefined;
    }
    return out;
  }
}

function parseInput(input: ValidatorInput): ParsedInput {
  switch (input.type) {
    case 'block-upsert':
      return { type: input.type, block: input.block, prefix: parsePrefix(input.block.cidr) };
    case 'block-delete':
    case 'allocation-delete':
      return input;
    case 'allocation-upsert': {
      const { id, cluster, purpose, cidr } = input.allocation;
      return { type: 'allocation-upsert', id, cluster, purpose, prefix: parsePrefix(cidr) };
    }
  }
}
