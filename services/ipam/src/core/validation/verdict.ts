import type { BlockState } from './block-state';
import type { BlockVerdict, ConflictParty, VerdictStatus } from './types';

/**
 * A verdict names at most this many of the blocks it yields to: a /8 announced over a hundred
 * thousand /26s must still fit in one message (NATS refuses payloads over 1 MB by default).
 */
export const VERDICT_PARTY_LIMIT = 10;

function olderParty(a: ConflictParty, b: ConflictParty): number {
  if (a.firstSeen !== b.firstSeen) return a.firstSeen - b.firstSeen;
  if (a.cluster !== b.cluster) return a.cluster < b.cluster ? -1 : 1;
  return a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0;
}

/** The `limit` oldest parties, without sorting all of them. */
function oldestParties(block: BlockState, limit: number): ConflictParty[] {
  const out: ConflictParty[] = [];
  for (const conflict of block.excludedBy?.values() ?? []) {
    const party = conflict.kept;
    if (out.length === limit && olderParty(party, out[limit - 1]!) >= 0) continue;
    let i = Math.min(out.length, limit - 1);
    out[i] = party;
    while (i > 0 && olderParty(out[i]!, out[i - 1]!) < 0) {
      [out[i - 1], out[i]] = [out[i]!, out[i - 1]!];
      i--;
    }
  }
  return out;
}

function statusOf(block: BlockState): VerdictStatus {
  if (block.excludedBy?.size) return 'conflict';
  if (block.allocation === 'outside') return 'outside-allocation';
  return 'valid';
}

export function verdictOf(block: BlockState): BlockVerdict {
  return {
    cluster: block.cluster,
    cidr: block.cidr,
    node: block.node,
    status: statusOf(block),
    allocation: block.allocation,
    excludedBy: oldestParties(block, VERDICT_PARTY_LIMIT),
    excludedByTotal: block.excludedBy?.size ?? 0,
    excludingTotal: block.excluding?.size ?? 0,
  };
}

export function verdictsEqual(a: BlockVerdict | null, b: BlockVerdict | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.node === b.node &&
    a.status === b.status &&
    a.allocation === b.allocation &&
    a.excludedByTotal === b.excludedByTotal &&
    a.excludingTotal === b.excludingTotal &&
    a.excludedBy.length === b.excludedBy.length &&
    a.excludedBy.every((p, i) => olderParty(p, b.excludedBy[i]!) === 0)
  );
}
