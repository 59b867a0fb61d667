export interface PendingRow {
  id: bigint;
  subject: string;
}

export interface RelayBatch<R extends PendingRow> {
  /** Rows to publish now, in id order, no subject twice. */
  publish: R[];
  /** True when rows were left for the next round (a repeated subject, or a full read). */
  more: boolean;
}

/**
 * Plans one relay round from outbox rows read in id order: the longest prefix in which no
 * subject appears twice. Every event is published, in order per subject, and a failed batch can
 * be retried as a whole: if a batch held two states of one entity and only the later one was
 * stored before a failure, the retry would store the earlier state after it and the compacted
 * stream would keep the older state. With one row per subject per batch that cannot happen, and
 * JetStream's de-duplication (Nats-Msg-Id = outbox id) absorbs what was stored before.
 */
export function planRelayBatch<R extends PendingRow>(rows: readonly R[], readLimit: number): RelayBatch<R> {
  const seen = new Set<string>();
  const publish: R[] = [];
  for (const row of rows) {
    if (seen.has(row.subject)) return { publish, more: true };
    seen.add(row.subject);
    publish.push(row);
  }
  return { publish, more: rows.length >= readLimit };
}
