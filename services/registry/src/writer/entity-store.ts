import type { NodeState, PodBlockState, ServiceState } from '@isthmus/contracts';
import type { Sql } from '../db/sql';
import type { CoalescedChanges } from './changes';
import { changeSubject } from './changes';
import { col, column } from './columns';
import type { OutboxRow } from './events';

/**
 * Set-based SQL for one writer batch, inside the writer's transaction: one statement per kind
 * and operation, each of which also writes the outbox rows of what it changed.
 *
 * - A state is stored as the JSON text that goes into its event; an upsert whose text equals
 *   the stored one (a byte comparison: text equality under a deterministic collation) changes
 *   nothing and writes no outbox row (writing the same state twice publishes nothing). States must therefore be built with a fixed key order, as
 *   the mappers do: a different order of the same content costs one redundant event, no more.
 * - The event payload is assembled in SQL by concatenating text around the stored state, so
 *   Postgres never parses a state on this path.
 * - Revisions come from the outbox sequence and must grow per entity in commit order, with
 *   writer transactions running in parallel (they hold their clusters' advisory locks shared).
 *   Updates draw theirs in the SET clause, after the row lock is held. Deletes are soft (the row
 *   stays, `deleted`, until purged long after), so re-creating a deleted entity is an update too.
 *   Only a key never seen (or purged long ago) is inserted, with a revision drawn before any wait,
 *   and no tombstone of it can be in flight then.
 * - Rows are sorted by key within each statement, so concurrent batches lock rows in one order.
 */
const REVISION = `nextval(pg_get_serial_sequence('outbox', 'id'))`;

/** RegistryEvent JSON text (libs/contracts) around a state or a key that is already JSON text. */
const stateEventSql = (kind: string, rev: string, state: string) =>
  `'{"kind":"${kind}","revision":' || ${rev} || ',"at":"' || $1 || '","deleted":false,"state":' || ${state} || '}'`;
const tombstoneSql = (kind: string, rev: string, key: string) =>
  `'{"kind":"${kind}","revision":' || ${rev} || ',"at":"' || $1 || '","deleted":true,"key":' || ${key} || '}'`;

export interface Written {
  revision: bigint;
  subject: string;
}

/**
 * Cluster advisory locks: writer batches take them shared (they run in parallel), cluster
 * operations (create, patch, delete) exclusive, so a cluster cannot be deleted under a batch
 * that checked it exists. Sorted by the caller and taken in that order.
 */
export async function lockClusters(
  sql: Sql,
  clusters: readonly string[],
  mode: 'shared' | 'exclusive',
): Promise<void> {
  if (clusters.length === 0) return;
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await sql.execute(
    `SELECT ${fn}(hashtextextended('isthmus.registry.cluster:' || c, 0))
       FROM unnest(${col(1)}) WITH ORDINALITY AS t(c, o) ORDER BY o`,
    [column(clusters)],
  );
}

/** The clusters of the batch that exist (checked under their locks: none can vanish before commit). */
export async function existingClusters(sql: Sql, clusters: readonly string[]): Promise<Set<string>> {
  const rows = await sql.query<{ id: string }>(`SELECT id FROM cluster WHERE id = ANY(${col(1)})`, [
    column(clusters),
  ]);
  return new Set(rows.map((r) => r.id));
}

interface Encoded {
  subject: string;
  state: string;
}

function encode<S>(states: readonly S[], subjectOf: (s: S) => string): Encoded[] {
  return states.map((s) => ({ subject: subjectOf(s), state: JSON.stringify(s) }));
}

export async function writeChanges(
  sql: Sql,
  changes: CoalescedChanges,
  at: string,
  subjectRoot: string,
): Promise<Written[]> {
  const out: Written[] = [];
  const run = async (text: string, ...columns: string[]) => {
    out.push(...(await sql.query<Written>(text, [at, ...columns])));
  };
  const subject = (c: Parameters<typeof changeSubject>[0]) => changeSubject(c, subjectRoot);

  if (changes.nodeUpserts.length) {
    const n = sortBy(changes.nodeUpserts, (x) => [x.cluster, x.name]);
    const e = encode<NodeState>(n, (state) => subject({ kind: 'node', op: 'upsert', state }));
    await run(
      `WITH up AS (
         INSERT INTO node AS t (cluster, name, subject, state, revision, updated_at)
         SELECT cluster, name, subject, state, ${REVISION}, now()
           FROM unnest(${col(2)}, ${col(3)}, ${col(4)}, ${col(5)}) AS i(cluster, name, subject, state)
         ON CONFLICT (cluster, name) DO UPDATE
           SET state = excluded.state, revision = ${REVISION},
               updated_at = excluded.updated_at, deleted = false
           WHERE t.state <> excluded.state OR t.deleted
         RETURNING t.subject, t.state, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject, ${stateEventSql('node', 'revision', 'state')} FROM up
       RETURNING id AS revision, subject`,
      column(n.map((s) => s.cluster)),
      column(n.map((s) => s.name)),
      column(e.map((x) => x.subject)),
      column(e.map((x) => x.state)),
    );
  }

  if (changes.nodeDeletes.length) {
    const keys = sortBy(changes.nodeDeletes, (k) => [k.cluster, k.name]);
    const clusters = column(keys.map((k) => k.cluster));
    const names = column(keys.map((k) => k.name));
    // A pod block's next hop is its node: blocks go with their node (DESIGN.md, PodBlock).
    await run(
      `WITH del AS (
         UPDATE pod_block t SET deleted = true, revision = ${REVISION}, updated_at = now()
           FROM unnest(${col(2)}, ${col(3)}) AS i(cluster, node)
          WHERE t.cluster = i.cluster AND t.node = i.node AND NOT t.deleted
          RETURNING t.subject, t.cluster, t.cidr, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject, ${tombstoneSql('block', 'revision', `json_build_object('cluster', cluster, 'cidr', cidr)::text`)}
         FROM del
       RETURNING id AS revision, subject`,
      clusters,
      names,
    );
    await run(
      `WITH del AS (
         UPDATE node t SET deleted = true, revision = ${REVISION}, updated_at = now()
           FROM unnest(${col(2)}, ${col(3)}) AS i(cluster, name)
          WHERE t.cluster = i.cluster AND t.name = i.name AND NOT t.deleted
          RETURNING t.subject, t.cluster, t.name, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject, ${tombstoneSql('node', 'revision', `json_build_object('cluster', cluster, 'name', name)::text`)}
         FROM del
       RETURNING id AS revision, subject`,
      clusters,
      names,
    );
  }

  if (changes.blockUpserts.length) {
    const b = sortBy(changes.blockUpserts, (x) => [x.cluster, x.cidr]);
    const e = encode<PodBlockState>(b, (state) => subject({ kind: 'block', op: 'upsert', state }));
    await run(
      `WITH up AS (
         INSERT INTO pod_block AS t (cluster, cidr, node, subject, state, revision, updated_at)
         SELECT cluster, cidr, node, subject, state, ${REVISION}, now()
           FROM unnest(${col(2)}, ${col(3)}, ${col(4)}, ${col(5)}, ${col(6)})
             AS i(cluster, cidr, node, subject, state)
         ON CONFLICT (cluster, cidr) DO UPDATE
           SET node = excluded.node, state = excluded.state,
               revision = ${REVISION}, updated_at = excluded.updated_at, deleted = false
           WHERE t.state <> excluded.state OR t.deleted
         RETURNING t.subject, t.state, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject, ${stateEventSql('block', 'revision', 'state')} FROM up
       RETURNING id AS revision, subject`,
      column(b.map((s) => s.cluster)),
      column(b.map((s) => s.cidr)),
      column(b.map((s) => s.node)),
      column(e.map((x) => x.subject)),
      column(e.map((x) => x.state)),
    );
  }

  if (changes.blockDeletes.length) {
    const keys = sortBy(changes.blockDeletes, (k) => [k.cluster, k.cidr]);
    await run(
      `WITH del AS (
         UPDATE pod_block t SET deleted = true, revision = ${REVISION}, updated_at = now()
           FROM unnest(${col(2)}, ${col(3)}) AS i(cluster, cidr)
          WHERE t.cluster = i.cluster AND t.cidr = i.cidr AND NOT t.deleted
          RETURNING t.subject, t.cluster, t.cidr, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject, ${tombstoneSql('block', 'revision', `json_build_object('cluster', cluster, 'cidr', cidr)::text`)}
         FROM del
       RETURNING id AS revision, subject`,
      column(keys.map((k) => k.cluster)),
      column(keys.map((k) => k.cidr)),
    );
  }

  if (changes.serviceUpserts.length) {
    const s = sortBy(changes.serviceUpserts, (x) => [x.cluster, x.namespace, x.name]);
    const e = encode<ServiceState>(s, (state) => subject({ kind: 'service', op: 'upsert', state }));
    await run(
      `WITH up AS (
         INSERT INTO service AS t (cluster, namespace, name, exported, endpoint_count, subject, state, revision, updated_at)
         SELECT cluster, namespace, name, exported::boolean, endpoint_count::int, subject, state, ${REVISION}, now()
           FROM unnest(${col(2)}, ${col(3)}, ${col(4)}, ${col(5)}, ${col(6)}, ${col(7)}, ${col(8)})
             AS i(cluster, namespace, name, exported, endpoint_count, subject, state)
         ON CONFLICT (cluster, namespace, name) DO UPDATE
           SET exported = excluded.exported, endpoint_count = excluded.endpoint_count, state = excluded.state,
               revision = ${REVISION}, updated_at = excluded.updated_at, deleted = false
           WHERE t.state <> excluded.state OR t.deleted
         RETURNING t.subject, t.state, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject, ${stateEventSql('service', 'revision', 'state')} FROM up
       RETURNING id AS revision, subject`,
      column(s.map((x) => x.cluster)),
      column(s.map((x) => x.namespace)),
      column(s.map((x) => x.name)),
      column(s.map((x) => String(x.exported))),
      column(s.map((x) => String(x.endpoints.length))),
      column(e.map((x) => x.subject)),
      column(e.map((x) => x.state)),
    );
  }

  if (changes.serviceDeletes.length) {
    const keys = sortBy(changes.serviceDeletes, (k) => [k.cluster, k.namespace, k.name]);
    await run(
      `WITH del AS (
         UPDATE service t SET deleted = true, revision = ${REVISION}, updated_at = now()
           FROM unnest(${col(2)}, ${col(3)}, ${col(4)}) AS i(cluster, namespace, name)
          WHERE t.cluster = i.cluster AND t.namespace = i.namespace AND t.name = i.name AND NOT t.deleted
          RETURNING t.subject, t.cluster, t.namespace, t.name, t.revision)
       INSERT INTO outbox (id, subject, payload)
       SELECT revision, subject,
              ${tombstoneSql('service', 'revision', `json_build_object('cluster', cluster, 'namespace', namespace, 'name', name)::text`)}
         FROM del
       RETURNING id AS revision, subject`,
      column(keys.map((k) => k.cluster)),
      column(keys.map((k) => k.namespace)),
      column(keys.map((k) => k.name)),
    );
  }

  return out;
}

/** Outbox rows built in JS (cluster-level operations: rare, one at a time). */
export async function insertOutbox(sql: Sql, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.execute(
    `INSERT INTO outbox (id, subject, payload)
     SELECT id::bigint, subject, payload FROM unnest(${col(1)}, ${col(2)}, ${col(3)}) AS i(id, subject, payload)`,
    [
      column(rows.map((r) => r.id.toString())),
      column(rows.map((r) => r.subject)),
      column(rows.map((r) => r.payload)),
    ],
  );
}

/**
 * Deletes every entity of a cluster, writing a tombstone for each live one (cluster deletion).
 * Rows go for good: the caller holds the cluster's lock exclusively, so no batch of that cluster
 * is in flight, and any later write draws a revision above these tombstones.
 */
export async function deleteClusterEntities(sql: Sql, cluster: string, at: string): Promise<number> {
  let count = 0;
  for (const [table, kind, key] of [
    [
      'service',
      'service',
      `json_build_object('cluster', cluster, 'namespace', namespace, 'name', name)::text`,
    ],
    ['pod_block', 'block', `json_build_object('cluster', cluster, 'cidr', cidr)::text`],
    ['node', 'node', `json_build_object('cluster', cluster, 'name', name)::text`],
  ] as const) {
    count += await sql.execute(
      `WITH del AS (DELETE FROM ${table} t WHERE t.cluster = $2 RETURNING t.*)
       INSERT INTO outbox (id, subject, payload)
       SELECT rev, subject, ${tombstoneSql(kind, 'rev', key)}
         FROM (SELECT *, ${REVISION} AS rev FROM del WHERE NOT deleted) live`,
      [at, cluster],
    );
  }
  return count;
}

/**
 * Removes soft-deleted rows whose tombstone is older than the retention: long enough that no
 * transaction that drew its revision before the tombstone can still be running.
 */
export async function purgeTombstones(sql: Sql, olderThan: Date): Promise<number> {
  let count = 0;
  for (const table of ['node', 'pod_block', 'service']) {
    count += await sql.execute(`DELETE FROM ${table} WHERE deleted AND updated_at < $1`, [olderThan]);
  }
  return count;
}

function sortBy<T>(rows: readonly T[], key: (row: T) => string[]): T[] {
  return rows
    .map((row) => ({ row, k: key(row) }))
    .sort((a, b) => {
      for (let i = 0; i < a.k.length; i++) {
        if (a.k[i]! < b.k[i]!) return -1;
        if (a.k[i]! > b.k[i]!) return 1;
      }
      return 0;
    })
    .map((x) => x.row);
}
