import { Injectable } from '@nestjs/common';
import { PgService, type Sql } from '@isthmus/service-kit';
import { formatPrefix, normalizePrefix, type BlockConflict } from '../core';
import type { ConflictRecord } from './conflict-record';

interface ConflictRow {
  id: bigint;
  kept_cluster: string;
  kept_cidr: string;
  kept_first_seen: Date;
  excluded_cluster: string;
  excluded_cidr: string;
  excluded_first_seen: Date;
  since: Date;
  cleared_at: Date | null;
}

const COLUMNS = `id, kept_cluster, kept_cidr::text AS kept_cidr, kept_first_seen,
  excluded_cluster, excluded_cidr::text AS excluded_cidr, excluded_first_seen, since, cleared_at`;

function toRecord(r: ConflictRow): ConflictRecord {
  // PostgreSQL prints cidr its own way (IPv4-mapped IPv6 in dotted form): back to canonical text.
  const canonical = (cidr: string) => formatPrefix(normalizePrefix(cidr));
  return {
    id: r.id.toString(),
    kept: { cluster: r.kept_cluster, cidr: canonical(r.kept_cidr), firstSeen: r.kept_first_seen.getTime() },
    excluded: {
      cluster: r.excluded_cluster,
      cidr: canonical(r.excluded_cidr),
      firstSeen: r.excluded_first_seen.getTime(),
    },
    since: r.since.getTime(),
    clearedAt: r.cleared_at?.getTime() ?? null,
  };
}

export type ConflictStateFilter = 'open' | 'cleared' | 'all';

export interface ConflictFilter {
  state: ConflictStateFilter;
  /** Conflicts where this cluster is either party. */
  cluster?: string;
  /** Keyset: only ids above this one. */
  afterId?: string;
}

/** The conflict table. Only the publisher writes it; every replica reads it for the API. */
@Injectable()
export class ConflictStore {
  constructor(private readonly pg: PgService) {}

  /**
   * Records conflicts as open and returns, in the order given, the open row of each one's overlap
   * (the pair of blocks): a new row, or the one already open for the same two blocks, recorded by
   * an earlier publisher or by this one before a restart (conflict_open_overlap_key). So an
   * overlap never has two open ids. The row returned may hold other roles or other lives of the
   * blocks than asked for (a row a dead publisher left open): the caller compares (ConflictLedger).
   *
   * `sql`: the publisher passes its lease's session, so that a write of a publisher that died
   * cannot land after another replica took over (PublisherLease).
   */
  async recordOpen(conflicts: readonly BlockConflict[], sql: Sql = this.pg): Promise<ConflictRecord[]> {
    if (conflicts.length === 0) return [];
    const col = <T>(f: (c: BlockConflict) => T) => conflicts.map(f);
    const rows = await sql.query<ConflictRow & { i: bigint }>(RECORD_OPEN, [
      col((c) => c.kept.cluster),
      col((c) => c.kept.cidr),
      col((c) => new Date(c.kept.firstSeen)),
      col((c) => c.excluded.cluster),
      col((c) => c.excluded.cidr),
      col((c) => new Date(c.excluded.firstSeen)),
      col((c) => new Date(c.since)),
    ]);
    const out = new Array<ConflictRecord>(conflicts.length);
    for (const row of rows) out[Number(row.i) - 1] = toRecord(row);
    const missing = conflicts.filter((_, i) => !out[i]).length;
    if (missing > 0) throw new Error(`${missing} conflicts were neither recorded nor found open; retrying`);
    return out;
  }

  /** Every open conflict. */
  async open(sql: Sql = this.pg): Promise<ConflictRecord[]> {
    const rows = await sql.query<ConflictRow>(`SELECT ${COLUMNS} FROM conflict WHERE cleared_at IS NULL`);
    return rows.map(toRecord);
  }

  /** Marks conflicts cleared; a clock behind the detection's is not allowed to clear before `since`. */
  async clear(cleared: readonly { id: string; at: number }[], sql: Sql = this.pg): Promise<void> {
    if (cleared.length === 0) return;
    await sql.execute(
      `UPDATE conflict c SET cleared_at = GREATEST(c.since, t.at)
         FROM unnest($1::bigint[], $2::timestamptz[]) AS t(id, at)
        WHERE c.id = t.id AND c.cleared_at IS NULL`,
      [cleared.map((c) => c.id), cleared.map((c) => new Date(c.at))],
    );
  }

  async find(id: string): Promise<ConflictRecord | null> {
    const [row] = await this.pg.query<ConflictRow>(`SELECT ${COLUMNS} FROM conflict WHERE id = $1`, [id]);
    return row ? toRecord(row) : null;
  }

  /** Conflicts in id order (the order they were detected in). */
  async list(filter: ConflictFilter, limit: number): Promise<ConflictRecord[]> {
    const rows = await this.pg.query<ConflictRow>(
      `SELECT ${COLUMNS} FROM conflict
        WHERE ($1 = 'all' OR ($1 = 'open') = (cleared_at IS NULL))
          AND ($2::text IS NULL OR kept_cluster = $2 OR excluded_cluster = $2)
          AND ($3::bigint IS NULL OR id > $3::bigint)
        ORDER BY id LIMIT $4`,
      [filter.state, filter.cluster ?? null, filter.afterId ?? null, limit],
    );
    return rows.map(toRecord);
  }
}

/** The overlap of a row or an input: the generated column's expression (see its migration). */
const OVERLAP = (t: string) => `
  LEAST((${t}.kept_cluster || '/' || ${t}.kept_cidr::text) COLLATE "C", (${t}.excluded_cluster || '/' || ${t}.excluded_cidr::text) COLLATE "C")
  || ' ' ||
  GREATEST((${t}.kept_cluster || '/' || ${t}.kept_cidr::text) COLLATE "C", (${t}.excluded_cluster || '/' || ${t}.excluded_cidr::text) COLLATE "C")`;

/**
 * Inserts a row for every input whose overlap has no open row, and returns, for every input (its
 * ordinality `i`), the row open for its overlap now. DO UPDATE rather than DO NOTHING: it waits
 * for a row another session is inserting and returns it (a DO NOTHING would skip it, and a
 * SELECT in the same statement would not see it), and the no-op update changes nothing.
 */
const RECORD_OPEN = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::cidr[], $3::timestamptz[], $4::text[], $5::cidr[], $6::timestamptz[], $7::timestamptz[])
      WITH ORDINALITY AS t(kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen, since, i)
  ), recorded AS (
    INSERT INTO conflict (kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen, since)
    SELECT kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen, since
      FROM input ORDER BY i
    ON CONFLICT (overlap) WHERE cleared_at IS NULL DO UPDATE SET since = conflict.since
    RETURNING *
  )
  SELECT input.i, r.id, r.kept_cluster, r.kept_cidr::text AS kept_cidr, r.kept_first_seen,
         r.excluded_cluster, r.excluded_cidr::text AS excluded_cidr, r.excluded_first_seen,
         r.since, r.cleared_at
    FROM recorded r JOIN input ON r.overlap = (${OVERLAP('input')})`;
