import type { BlockVerdict } from '../core';
import type { ConflictRecord } from '../conflicts/conflict-record';

/** An event waiting to be published, before it has a revision. */
export type OutgoingEvent =
  | {
      kind: 'verdict';
      subject: string;
      cluster: string;
      cidr: string;
      verdict: BlockVerdict | null;
      at: number;
    }
  | {
      kind: 'conflict';
      subject: string;
      id: string;
      /** The open record, or null for the tombstone of a cleared conflict. */
      record: ConflictRecord | null;
      at: number;
    };

export interface PendingEntry {
  event: OutgoingEvent;
  /** Assigned when the entry first goes into a batch, and kept if the batch is retried. */
  revision?: number;
}

/**
 * The events waiting to be published, at most one per subject: a newer event of a subject
 * replaces the waiting one (events are state, so only the latest matters), which is what lets a
 * batch carry each subject once (publishBatchInOrder's rule for keeping per-subject order).
 * A replaced entry keeps its place in the queue, so a subject that changes all the time is not
 * pushed back forever.
 */
export class PendingEvents {
  private entries = new Map<string, PendingEntry>();

  get size(): number {
    return this.entries.size;
  }

  has(subject: string): boolean {
    return this.entries.has(subject);
  }

  set(event: OutgoingEvent): void {
    this.entries.set(event.subject, { event });
  }

  /** Removes and returns up to `max` entries, oldest first. */
  take(max: number): PendingEntry[] {
    const out: PendingEntry[] = [];
    for (const [subject, entry] of this.entries) {
      if (out.length >= max) break;
      out.push(entry);
      this.entries.delete(subject);
    }
    return out;
  }

  /**
   * Returns entries of a failed batch to the front of the queue, with their revisions (a retry
   * of the same message is then a duplicate JetStream drops). An entry whose subject got a newer
   * event meanwhile stays out: the newer one goes instead.
   */
  putBack(batch: readonly PendingEntry[]): void {
    const back = batch.filter((e) => !this.entries.has(e.event.subject));
    if (back.length === 0) return;
    this.entries = new Map([...back.map((e) => [e.event.subject, e] as const), ...this.entries]);
  }

  clear(): void {
    this.entries.clear();
  }
}
