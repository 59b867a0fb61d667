import { Injectable } from '@nestjs/common';
import { PgService } from '@isthmus/service-kit';
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
   * Records conflicts as open and returns their records in the order given: new rows, or the open
   * row that already holds the same parties (recorded by an earlier publisher, or by this one
   * before a restart), so a conflict is never recorded twice.
   */
  async recordOpen(conflicts: readonly BlockConflict[]): Promise<ConflictRecord[]> {
    if (conflicts.length === 0) return [];
    const col = <T>(f: (c: BlockConflict) => T) => conflicts.map(f);
    const rows = await this.pg.query<ConflictRow & { i: bigint }>(RECORD_OPEN, [
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
  async open(): Promise<ConflictRecord[]> {
    const rows = await this.pg.query<ConflictRow>(`SELECT ${COLUMNS} FROM conflict WHERE cleared_at IS NULL`);
    return rows.map(toRecord);
  }

  /** Marks conflicts cleared; a clock behind the detection's is not allowed to clear before `since`. */
  async clear(cleared: readonly { id: string; at: number }[]): Promise<void> {
    if (cleared.length === 0) return;
    await this.pg.execute(
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

/**
 * Inserts the conflicts that have no open row (the partial unique index on the parties decides)
 * and returns, for every input (its ordinality `i`), the new row or the open row already there.
 */
const RECORD_OPEN = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::cidr[], $3::timestamptz[], $4::text[], $5::cidr[], $6::timestamptz[], $7::timestamptz[])
      WITH ORDINALITY AS t(kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen, since, i)
  ), inserted AS (
    INSERT INTO conflict (kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen, since)
    SELECT kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen, since FROM input
    ON CONFLICT (kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen)
      WHERE cleared_at IS NULL DO NOTHING
    RETURNING *
  ), found AS (
    SELECT * FROM inserted
    UNION ALL
    SELECT c.* FROM conflict c JOIN input USING (kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen)
     WHERE c.cleared_at IS NULL
  )
  SELECT input.i, found.id, found.kept_cluster, found.kept_cidr::text AS kept_cidr, found.kept_first_seen,
         found.excluded_cluster, found.excluded_cidr::text AS excluded_cidr, found.excluded_first_seen,
         found.since, found.cleared_at
    FROM found JOIN input USING (kept_cluster, kept_cidr, kept_first_seen, excluded_cluster, excluded_cidr, excluded_first_seen)`;
