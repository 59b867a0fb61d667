import type { NodeState, PodBlockState, ServiceState } from '@isthmus/contracts';
import type { Sql } from '@isthmus/service-kit';
import type { CoalescedChanges } from './changes';
import { changeSubject } from './changes';
import { col, column, JsonColumn } from './columns';
import type { OutboxRow } from './events';

/**
 * Set-based SQL for one writer batch, inside the writer's transaction: one statement per kind
 * and operation, generated from a table descriptor, each of which also writes the outbox rows
 * of what it changed.
 *
 * - A state is stored as the JSON text that goes into its event; an upsert whose text equals
 *   the stored one (a byte comparison: text equality under a deterministic collation) changes
 *   nothing and writes no outbox row (writing the same state twice publishes nothing). States
 *   must therefore be built with a fixed key order, as the mappers do: a different order of the
 *   same content costs one redundant event, no more.
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
export const revisionSql = REVISION;

/** RegistryEvent JSON text (libs/contracts) around a state or a key that is already JSON text. */
export const stateEventSql = (kind: string, rev: string, state: string, at = '$1') =>
  `'{"kind":"${kind}","revision":' || ${rev} || ',"at":"' || ${at} || '","deleted":false,"state":' || ${state} || '}'`;
export const tombstoneSql = (kind: string, rev: string, key: string, at = '$1') =>
  `'{"kind":"${kind}","revision":' || ${rev} || ',"at":"' || ${at} || '","deleted":true,"key":' || ${key} || '}'`;

/** An outbox row the batch wrote: the entity's new revision, its subject and its event. */
export interface Written {
  revision: bigint;
  subject: string;
  /** The event exactly as stored in the outbox row (what the relay publishes), as UTF-8. */
  data: Uint8Array;
}

/** The head of stateEventSql's text, before the state (ASCII: kind, digits and an ISO time). */
const stateEventHead = (kind: string, revision: bigint, at: string) =>
  `{"kind":"${kind}","revision":${revision},"at":"${at}","deleted":false,"state":`;

/**
 * stateEventSql in JS: the same bytes, from the same state bytes, revisions and time, for all
 * the rows of a statement in one allocation (a Buffer per event allocated apart cost a new 8 KB
 * pool every four events); each event is a view into it.
 */
export function stateEventsBytes(
  kind: string,
  rows: readonly { revision: bigint; state: Uint8Array }[],
  at: string,
): Buffer[] {
  const heads = rows.map((r) => stateEventHead(kind, r.revision, at));
  let total = 0;
  for (let i = 0; i < rows.length; i++) total += heads[i]!.length + rows[i]!.state.length + 1;
  const block = Buffer.allocUnsafeSlow(total);
  const out = new Array<Buffer>(rows.length);
  let at0 = 0;
  for (let i = 0; i < rows.length; i++) {
    const start = at0;
    at0 += block.write(heads[i]!, at0, heads[i]!.length, 'latin1');
    block.set(rows[i]!.state, at0);
    at0 += rows[i]!.state.length;
    block[at0++] = 0x7d; // }
    out[i] = block.subarray(start, at0);
  }
  return out;
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

/** How one kind of entity is stored: its table, key columns and the columns lists filter on. */
export interface EntityTable<S> {
  table: 'node' | 'pod_block' | 'service';
  kind: 'node' | 'block' | 'service';
  key: readonly string[];
  keyOf: (state: S) => string[];
  /** Columns besides key, subject and state, derived from the state, with their SQL cast. */
  columns: readonly { name: string; cast: string; of: (state: S) => string }[];
}

const NODES: EntityTable<NodeState> = {
  table: 'node',
  kind: 'node',
  key: ['cluster', 'name'],
  keyOf: (s) => [s.cluster, s.name],
  columns: [],
};
const BLOCKS: EntityTable<PodBlockState> = {
  table: 'pod_block',
  kind: 'block',
  key: ['cluster', 'cidr'],
  keyOf: (s) => [s.cluster, s.cidr],
  columns: [{ name: 'node', cast: 'text', of: (s) => s.node }],
};
const SERVICES: EntityTable<ServiceState> = {
  table: 'service',
  kind: 'service',
  key: ['cluster', 'namespace', 'name'],
  keyOf: (s) => [s.cluster, s.namespace, s.name],
  columns: [
    { name: 'exported', cast: 'boolean', of: (s) => String(s.exported) },
    { name: 'endpoint_count', cast: 'int', of: (s) => String(s.endpoints.length) },
  ],
};

/** Every entity table, in the order cluster deletion and resync go through them. */
export const entityTables = [SERVICES, BLOCKS, NODES] as EntityTable<never>[];

/** The tombstone's key as JSON text, from the deleted row's key columns. */
export const keyJson = (t: EntityTable<never>, alias: string) =>
  `json_build_object(${t.key.map((k) => `'${k}', ${alias}.${k}`).join(', ')})::text`;

/**
 * Upserts states; only rows whose text differs from the stored one (or that were deleted) get a
 * new revision and an outbox row. Parameters: $1 the event time, then one column per field.
 */
async function upsertStates<S>(
  sql: Sql,
  t: EntityTable<S>,
  states: readonly S[],
  at: string,
  subjectOf: (s: S) => string,
) {
  const rows = sortBy(states, t.keyOf);
  const fields = [...t.key, ...t.columns.map((c) => c.name), 'subject', 'state'];
  const casts = [...t.key.map(() => ''), ...t.columns.map((c) => `::${c.cast}`), '', ''];
  const subjects = rows.map(subjectOf);
  // Each state is stringified and encoded once, into the column's bytes; each event below is
  // built from its state's bytes there. The parameter is the column as text (see JsonColumn).
  const texts = new JsonColumn(rows.map((s) => JSON.stringify(s)));
  const values = [
    ...t.key.map((_, i) => column(rows.map((s) => t.keyOf(s)[i]!))),
    ...t.columns.map((c) => column(rows.map(c.of))),
    column(subjects),
    texts.text(),
  ];
  const updates = [...t.columns.map((c) => c.name), 'state'].map((f) => `${f} = excluded.${f}`).join(', ');
  // The events are built here from the texts just sent rather than returned by Postgres: the
  // same bytes (stateEventsBytes), without carrying every state back over the socket.
  const indexOf = new Map<string, number>();
  for (let i = 0; i < subjects.length; i++) indexOf.set(subjects[i]!, i);
  const written = await sql.query<{ revision: bigint; subject: string }>(
    `WITH up AS (
       INSERT INTO ${t.table} AS t (${fields.join(', ')}, revision, updated_at)
       SELECT ${fields.map((f, i) => `${f}${casts[i]}`).join(', ')}, ${REVISION}, now()
         FROM unnest(${fields.map((_, i) => col(i + 2)).join(', ')}) AS i(${fields.join(', ')})
       ON CONFLICT (${t.key.join(', ')}) DO UPDATE
         SET ${updates}, revision = ${REVISION}, updated_at = excluded.updated_at, deleted = false
         WHERE t.state <> excluded.state OR t.deleted
       RETURNING t.subject, t.state, t.revision)
     INSERT INTO outbox (id, subject, payload)
     SELECT revision, subject, ${stateEventSql(t.kind, 'revision', 'state')} FROM up
     RETURNING id AS revision, subject`,
    [at, ...values],
  );
  const events = stateEventsBytes(
    t.kind,
    written.map((w) => ({ revision: w.revision, state: texts.at(indexOf.get(w.subject)!) })),
    at,
  );
  return written.map((w, i) => ({ revision: w.revision, subject: w.subject, data: events[i]! }));
}

/**
 * Soft-deletes the live rows that match `match` (the key columns by default) and writes their
 * tombstones. Parameters: $1 the event time, then one column per matched field.
 */
async function softDelete<S>(
  sql: Sql,
  t: EntityTable<S>,
  matches: readonly string[][],
  at: string,
  match: readonly string[] = t.key,
) {
  const rows = sortBy(matches, (m) => m);
  const deleted = await sql.query<{ revision: bigint; subject: string; payload: string }>(
    `WITH del AS (
       UPDATE ${t.table} t SET deleted = true, revision = ${REVISION}, updated_at = now()
         FROM unnest(${match.map((_, i) => col(i + 2)).join(', ')}) AS i(${match.join(', ')})
        WHERE ${match.map((m) => `t.${m} = i.${m}`).join(' AND ')} AND NOT t.deleted
        RETURNING t.*)
     INSERT INTO outbox (id, subject, payload)
     SELECT revision, subject, ${tombstoneSql(t.kind, 'revision', keyJson(t as EntityTable<never>, 'del'))} FROM del
     RETURNING id AS revision, subject, payload`,
    [at, ...match.map((_, i) => column(rows.map((r) => r[i]!)))],
  );
  return deleted.map((d) => ({ revision: d.revision, subject: d.subject, data: Buffer.from(d.payload) }));
}

export async function writeChanges(
  sql: Sql,
  changes: CoalescedChanges,
  at: string,
  subjectRoot: string,
): Promise<Written[]> {
  const out: Written[] = [];
  const subject = (c: Parameters<typeof changeSubject>[0]) => changeSubject(c, subjectRoot);
  const add = async (written: Promise<Written[]>) => {
    for (const w of await written) out.push(w);
  };
  // A fixed order of statements in every batch: with rows sorted within each, concurrent batches
  // take row locks in the same order.
  if (changes.nodeUpserts.length) {
    await add(
      upsertStates(sql, NODES, changes.nodeUpserts, at, (state) =>
        subject({ kind: 'node', op: 'upsert', state }),
      ),
    );
  }
  if (changes.nodeDeletes.length) {
    const keys = changes.nodeDeletes.map((k) => [k.cluster, k.name]);
    // A pod block's next hop is its node: blocks go with their node (DESIGN.md, PodBlock).
    await add(softDelete(sql, BLOCKS, keys, at, ['cluster', 'node']));
    await add(softDelete(sql, NODES, keys, at));
  }
  if (changes.blockUpserts.length) {
    await add(
      upsertStates(sql, BLOCKS, changes.blockUpserts, at, (state) =>
        subject({ kind: 'block', op: 'upsert', state }),
      ),
    );
  }
  if (changes.blockDeletes.length) {
    await add(
      softDelete(
        sql,
        BLOCKS,
        changes.blockDeletes.map((k) => [k.cluster, k.cidr]),
        at,
      ),
    );
  }
  if (changes.serviceUpserts.length) {
    await add(
      upsertStates(sql, SERVICES, changes.serviceUpserts, at, (state) =>
        subject({ kind: 'service', op: 'upsert', state }),
      ),
    );
  }
  if (changes.serviceDeletes.length) {
    await add(
      softDelete(
        sql,
        SERVICES,
        changes.serviceDeletes.map((k) => [k.cluster, k.namespace, k.name]),
        at,
      ),
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
  for (const t of entityTables) {
    count += await sql.execute(
      `WITH del AS (DELETE FROM ${t.table} t WHERE t.cluster = $2 RETURNING t.*)
       INSERT INTO outbox (id, subject, payload)
       SELECT rev, subject, ${tombstoneSql(t.kind, 'rev', keyJson(t, 'live'))}
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
