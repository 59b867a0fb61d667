import type { Sql } from '@isthmus/service-kit';
import { clusterState } from '../clusters/clusters.service';
import type { Cluster } from '../generated/prisma/client';
import {
  entityTables,
  lockClusters,
  revisionSql,
  stateEventSql,
  tombstoneSql,
  keyJson,
} from '../writer/entity-store';
import { col, column } from '../writer/columns';
import { stateEvent } from '../writer/events';

/**
 * Puts the registry's current state back into the outbox after the stream was lost (a NATS
 * server that came back without its store, a deleted stream): every cluster and entity (and the
 * tombstones still kept), each with its current revision, so consumers that have it skip it and
 * new ones replay the whole registry again.
 *
 * An entity whose newest event is still waiting in the outbox is left out: that row goes out
 * anyway. All clusters are locked exclusively, so no writer batch commits in between: a batch
 * in flight could otherwise commit a newer state under a smaller outbox id, and the older state
 * re-enqueued here would end up last in the compacted stream.
 */
export async function enqueueResync(sql: Sql, subjectRoot: string, at: string): Promise<number> {
  // Lock first, read after: a cluster read before its lock could change in between and its older
  // state would be re-enqueued after the newer one. Clusters created after this list only ever
  // published to the new stream: they need no resync.
  const ids = (await sql.query<{ id: string }>('SELECT id FROM cluster ORDER BY id')).map((r) => r.id);
  if (ids.length === 0) return 0;
  await lockClusters(sql, ids, 'exclusive');
  const clusters = await sql.query<Cluster>(
    `SELECT id, kind, status, status_reason AS "statusReason", last_sync_at AS "lastSyncAt", asn, labels,
            export_default AS "exportDefault", revision
       FROM cluster WHERE id = ANY(${col(1)}) ORDER BY id`,
    [column(ids)],
  );
  const pending = new Set(
    (
      await sql.query<{ id: bigint }>(`SELECT id FROM outbox WHERE id = ANY(${col(1)}::bigint[])`, [
        column(clusters.map((c) => c.revision.toString())),
      ])
    ).map((r) => r.id),
  );
  const clusterEvents = clusters
    .filter((c) => !pending.has(c.revision))
    .map((c) => stateEvent('cluster', clusterState(c), { id: c.id }, c.revision, at, subjectRoot));
  let count = 0;
  if (clusterEvents.length) {
    count += await sql.execute(
      `INSERT INTO outbox (id, subject, payload)
       SELECT ${revisionSql}, subject, payload FROM unnest(${col(1)}, ${col(2)}) AS i(subject, payload)`,
      [column(clusterEvents.map((e) => e.subject)), column(clusterEvents.map((e) => e.payload))],
    );
  }
  for (const t of entityTables) {
    count += await sql.execute(
      `INSERT INTO outbox (id, subject, payload)
       SELECT ${revisionSql}, t.subject,
              CASE WHEN t.deleted THEN ${tombstoneSql(t.kind, 't.revision', keyJson(t, 't'), '$1')}
                   ELSE ${stateEventSql(t.kind, 't.revision', 't.state', '$1')} END
         FROM (SELECT * FROM ${t.table} WHERE cluster = ANY(${col(2)}) ORDER BY revision) t
        WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = t.revision)`,
      [at, column(ids)],
    );
  }
  return count;
}
