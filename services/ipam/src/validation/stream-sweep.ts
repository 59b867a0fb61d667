import type { IpamEvent, IpamSubjects } from '@isthmus/contracts';
import type { OutgoingEvent } from './pending-events';

/** What the publisher knows now, to judge what the IPAM stream still holds. */
export interface KnownState {
  /** True when the block is live here (it has a verdict). */
  hasBlock(cluster: string, cidr: string): boolean;
  /** True when the conflict is open here, or an event of its subject is already on its way. */
  hasConflict(id: string): boolean;
}

/**
 * Tombstones for the events the stream holds as live that are gone here: a publisher that died
 * between a block's deletion (or a conflict's clearing) and its tombstone left them behind, and
 * republishing what is live would never replace them. Pure: the caller reads the stream.
 */
export function tombstonesFor(
  live: readonly IpamEvent[],
  known: KnownState,
  subjects: IpamSubjects,
  at: number,
): OutgoingEvent[] {
  const out: OutgoingEvent[] = [];
  for (const event of live) {
    if (event.deleted) continue;
    if (event.kind === 'verdict') {
      const { cluster, cidr } = event.state;
      if (known.hasBlock(cluster, cidr)) continue;
      out.push({
        kind: 'verdict',
        subject: subjects.verdict(cluster, cidr),
        cluster,
        cidr,
        verdict: null,
        at,
      });
    } else {
      const { id } = event.state;
      if (known.hasConflict(id)) continue;
      out.push({ kind: 'conflict', subject: subjects.conflict(id), id, record: null, at });
    }
  }
  return out;
}
