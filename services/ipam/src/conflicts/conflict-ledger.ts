import type { IpamSubjects } from '@isthmus/contracts';
import type { Sql } from '@isthmus/service-kit';
import type { BlockConflict } from '../core';
import type { OutgoingEvent } from '../validation/pending-events';
import { overlapKey, partiesKey, type ConflictRecord } from './conflict-record';
import type { ConflictStore } from './conflict-store';

/**
 * The publisher's side of the conflict records: turns the validator's opened and closed
 * conflicts into rows and into the events that announce them.
 *
 * Identity. An open conflict is its overlap, the pair of blocks: PostgreSQL holds at most one
 * open row per pair (conflict_open_overlap_key), and recording an overlap that has one returns
 * it, so no restart, takeover or second replica mints a second id for it. A conflict that clears
 * is over: if the same two blocks conflict again later (a block deleted and announced again, an
 * allocation change that turns who is kept, a node move and back), that is a new conflict with a
 * new id, as a new incident would be. Its old id stays in the API as cleared.
 *
 * Order of writes, so that a publisher dying at any point leaves what the next one repairs, and
 * never a cleared row for a conflict that is still open:
 * - opened: the row first (its id names the event's subject), then the event. A row whose event
 *   never went out is republished by the next publisher, which republishes every open record.
 * - cleared: cleared_at first, then the tombstone. A tombstone that never went out is sent by the
 *   next publisher's sweep (the stream holds a live conflict that is not open). The other order
 *   let a conflict that reopened before its cleared_at was written keep its id in the stream
 *   while its row was cleared, and the next publisher recorded it again under a new id.
 * Every write goes through `sql`, the publisher lease's session: once another replica holds the
 * lease, nothing of the previous publisher can still land (PublisherLease).
 */
export class ConflictLedger {
  /** This publisher's open records, by their overlap. */
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
   * Makes the table match the validator's open conflicts (a new publisher's first step, after it
   * took the lease, so it reads every row the previous publisher wrote): keeps the open rows that
   * are the validator's conflicts, with their ids; clears what is no longer open (a row of other
   * roles or other block lives on the same overlap is another conflict, over now); records what
   * is missing; and republishes every open record.
   */
  async reconcile(current: readonly BlockConflict[], at: number, sql: Sql): Promise<OutgoingEvent[]> {
    this.open.clear();
    const wanted = new Map(current.map((c) => [overlapKey(c), c]));
    const kept = new Map<string, ConflictRecord>();
    const over: ConflictRecord[] = [];
    for (const record of await this.store.open(sql)) {
      const conflict = wanted.get(overlapKey(record));
      if (conflict && partiesKey(conflict) === partiesKey(record)) kept.set(overlapKey(record), record);
      else over.push(record);
    }
    await this.store.clear(
      over.map((r) => ({ id: r.id, at })),
      sql,
    );
    const out = over.map((r) => this.tombstone(r, at));
    const missing = current.filter((c) => !kept.has(overlapKey(c)));
    const recorded = await this.record(missing, at, sql, out);
    for (const record of [...kept.values(), ...recorded]) this.open.set(overlapKey(record), record);
    for (const record of this.open.values()) out.push(this.state(record, at));
    return out;
  }

  /**
   * The events of one batch of the validator's changes. Closed ones first: their rows are cleared
   * before anything else, which frees their overlaps (a conflict whose roles turned is closed and
   * opened in one batch). Memory changes only once every write is done, so a batch that failed
   * halfway is retried whole (each write is idempotent).
   */
  async changed(
    opened: readonly BlockConflict[],
    closed: readonly BlockConflict[],
    at: number,
    sql: Sql,
  ): Promise<OutgoingEvent[]> {
    const ending: ConflictRecord[] = [];
    for (const conflict of closed) {
      const record = this.open.get(overlapKey(conflict));
      // Not recorded: opened and closed before this publisher took over; nothing to clear.
      if (record && partiesKey(record) === partiesKey(conflict)) ending.push(record);
    }
    await this.store.clear(
      ending.map((r) => ({ id: r.id, at })),
      sql,
    );
    const out = ending.map((r) => this.tombstone(r, at));
    const recorded = await this.record(opened, at, sql, out);
    for (const record of ending) this.open.delete(overlapKey(record));
    for (const record of recorded) {
      this.open.set(overlapKey(record), record);
      out.push(this.state(record, at));
    }
    return out;
  }

  /**
   * Records conflicts and returns their rows. A row returned for an overlap that holds another
   * conflict (one this publisher does not know, left open by a publisher that died) is cleared,
   * with a tombstone into `out`, and the conflict recorded again.
   */
  private async record(
    conflicts: readonly BlockConflict[],
    at: number,
    sql: Sql,
    out: OutgoingEvent[],
  ): Promise<ConflictRecord[]> {
    let records = await this.store.recordOpen(conflicts, sql);
    const other = records.filter((r, i) => partiesKey(r) !== partiesKey(conflicts[i]!));
    if (other.length === 0) return records;
    await this.store.clear(
      other.map((r) => ({ id: r.id, at })),
      sql,
    );
    for (const record of other) {
      this.open.delete(overlapKey(record));
      out.push(this.tombstone(record, at));
    }
    records = await this.store.recordOpen(conflicts, sql);
    if (records.some((r, i) => partiesKey(r) !== partiesKey(conflicts[i]!))) {
      throw new Error('an overlap holds another open conflict after it was cleared; retrying');
    }
    return records;
  }

  private state(record: ConflictRecord, at: number): OutgoingEvent {
    return { kind: 'conflict', subject: this.subjects.conflict(record.id), id: record.id, record, at };
  }

  private tombstone(record: ConflictRecord, at: number): OutgoingEvent {
    return { kind: 'conflict', subject: this.subjects.conflict(record.id), id: record.id, record: null, at };
  }
}
