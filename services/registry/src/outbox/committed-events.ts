import type { CommittedRow } from '../writer/events';

export interface CommittedEvent {
  subject: string;
  /** The outbox row's payload: the bytes the writer built (encoded once), published as they are. */
  data: Uint8Array;
}

/**
 * The outbox rows this process committed and the relay has not yet published, by outbox id: the
 * writer hands them over after each commit (RegistryWriter.onCommit), so the relay does not read
 * back the payloads it just wrote, which cost PostgreSQL the transfer of every state a second
 * time and Node its decoding (docs/BENCHMARKS.md, "Registry writer").
 *
 * It is a cache and nothing more. The outbox stays the one record of what must be published and
 * in which order: the relay reads the ids waiting there, as before, and takes from here only the
 * payload and subject of each id (an id is drawn once from a sequence, so an id's row never
 * changes). Whatever is missing here is read from the outbox: rows written by another replica,
 * rows left by a crash or a restart, rows re-enqueued after a stream loss, a commit whose
 * success the writer never heard of, and rows that arrived while the cache was full. None of
 * those cases can publish anything out of order or skip a row, because none of them changes
 * which ids the relay publishes.
 *
 * Bounded by `capacity` events: while the relay is behind (NATS away, another replica relaying)
 * new rows are not kept, the oldest ones are (the relay needs those first).
 */
export class CommittedEvents {
  private readonly events = new Map<bigint, CommittedEvent>();
  /** Rows not kept because the cache was full (a metric: how often the outbox had to be read). */
  overflowed = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.events.size;
  }

  add(rows: readonly CommittedRow[]): void {
    for (const row of rows) {
      if (this.events.size >= this.capacity) {
        this.overflowed++;
        continue;
      }
      this.events.set(row.id, { subject: row.subject, data: row.data });
    }
  }

  get(id: bigint): CommittedEvent | undefined {
    return this.events.get(id);
  }

  /** After a round: what it published is gone from the outbox, and what is below its first id too. */
  forget(published: readonly bigint[], below: bigint | undefined): void {
    for (const id of published) this.events.delete(id);
    if (below === undefined) return;
    for (const id of this.events.keys()) if (id < below) this.events.delete(id);
  }

  clear(): void {
    this.events.clear();
  }
}
