import type { IpamSubjects } from '@isthmus/contracts';
import type { BlockConflict } from '../core';
import type { OutgoingEvent } from '../validation/pending-events';
import { partiesKey, type ConflictRecord } from './conflict-record';
import type { ConflictStore } from './conflict-store';

/**
 * The publisher's side of the conflict records: turns the validator's opened and closed
 * conflicts into rows and into the events that announce them.
 *
 * Order of writes, so that a publisher dying at any point leaves something the next one repairs:
 * - opened: the row first (its id names the event's subject), then the event. A row whose event
 *   never went out is republished by the next publisher, which republishes every open record.
 * - cleared: the tombstone first, cleared_at after it is stored. A row left open whose conflict
 *   is gone is cleared by the next publisher's reconcile, tombstone included.
 */
export class ConflictLedger {
  /** This publisher's open records, by their parties. */
  private readonly open = new Map<string, ConflictRecord>();

  constructor(
    private readonly store: ConflictStore,
    private readonly subjects: IpamSubjects,
  ) {}

  /** Ids of the open records, for the stream sweep. */
  openIds(): Set<string> {
    return new Set([...this.open.values()].map((r) => r.id));
  }

  /**
   * Makes the table match the validator's open conflicts (a new publisher's first step): records
   * what is missing, clears (after its tombstone) what is no longer open, and republishes every
   * open record.
   */
  async reconcile(current: readonly BlockConflict[], at: number): Promise<OutgoingEvent[]> {
    this.open.clear();
    const recorded = new Map((await this.store.open()).map((r) => [partiesKey(r), r]));
    const wanted = new Map(current.map((c) => [partiesKey(c), c]));
    const missing = current.filter((c) => !recorded.has(partiesKey(c)));
    const out: OutgoingEvent[] = [];
    for (const [key, record] of recorded) {
      if (wanted.has(key)) this.open.set(key, record);
      else out.push(this.tombstone(record, at));
    }
    for (const record of await this.store.recordOpen(missing)) this.open.set(partiesKey(record), record);
    for (const record of this.open.values()) out.push(this.state(record, at));
    return out;
  }

  /** The events of one batch of the validator's changes (closed ones first: they free their parties). */
  async changed(
    opened: readonly BlockConflict[],
    closed: readonly BlockConflict[],
    at: number,
  ): Promise<OutgoingEvent[]> {
    const out: OutgoingEvent[] = [];
    for (const conflict of closed) {
      const key = partiesKey(conflict);
      const record = this.open.get(key);
      // Not recorded: opened and closed before this publisher took over; nothing to clear.
      if (!record) continue;
      this.open.delete(key);
      out.push(this.tombstone(record, at));
    }
    for (const record of await this.store.recordOpen(opened)) {
      this.open.set(partiesKey(record), record);
      out.push(this.state(record, at));
    }
    return out;
  }

  /** Writes cleared_at of conflicts whose tombstones are stored. */
  async recordCleared(cleared: readonly { id: string; at: number }[]): Promise<void> {
    await this.store.clear(cleared);
  }

  private state(record: ConflictRecord, at: number): OutgoingEvent {
    return { kind: 'conflict', subject: this.subjects.conflict(record.id), id: record.id, record, at };
  }

  private tombstone(record: ConflictRecord, at: number): OutgoingEvent {
    const subject = this.subjects.conflict(record.id);
    return { kind: 'conflict', subject, id: record.id, record: null, at, clearsRecord: true };
  }
}
