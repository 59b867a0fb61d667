import { Injectable } from '@nestjs/common';
import { PgService, type Sql } from '@isthmus/service-kit';
import { normalizePrefix, type Prefix } from '../core';
import type { Allocation, Purpose } from './allocation';

interface AllocationRow {
  id: number;
  pool: string;
  cluster: string;
  purpose: Purpose;
  cidr: string;
  created_at: Date;
}

// `cidr` comes out as text under the same name: ORDER BY must name the column (allocation.cidr),
// or it would sort by the text.
const COLUMNS = 'id, pool, cluster, purpose, cidr::text AS cidr, created_at';

function toAllocation(row: AllocationRow): Allocation {
  return { ...row, prefix: normalizePrefix(row.cidr), createdAt: row.created_at };
}

export interface NewAllocation {
  pool: string;
  /** The pool's prefix, repeated in the row so that the database keeps the allocation inside it. */
  poolCidr: string;
  cluster: string;
  purpose: Purpose;
  cidr: string;
}

export interface AllocationFilter {
  pool?: string;
  cluster?: string;
  purpose?: Purpose;
  /** Keyset: only allocations after this prefix (address order). */
  afterCidr?: string;
}

/** The allocation table. Statements that must share a transaction take its `sql`. */
@Injectable()
export class AllocationStore {
  constructor(private readonly pg: PgService) {}

  /** Fails with SQLSTATE 23P01 when the prefix overlaps an allocation, committed or committing. */
  async insert(a: NewAllocation, sql?: Sql): Promise<Allocation> {
    const text = `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr)
                  VALUES ($1, $2::cidr, $3, $4, $5::cidr) RETURNING ${COLUMNS}`;
    const params = [a.pool, a.poolCidr, a.cluster, a.purpose, a.cidr];
    const [row] = await (sql ?? this.pg).query<AllocationRow>(text, params);
    return toAllocation(row!);
  }

  /** Every allocated prefix of a pool, in address order (the search's view of occupied space). */
  async prefixesOf(pool: string, sql?: Sql): Promise<Prefix[]> {
    const text = 'SELECT cidr::text AS cidr FROM allocation WHERE pool = $1 ORDER BY allocation.cidr';
    const rows = await (sql ?? this.pg).query<{ cidr: string }>(text, [pool]);
    return rows.map((r) => normalizePrefix(r.cidr));
  }

  /** Allocations that overlap `cidr` (uses the exclusion constraint's GiST index). */
  async overlapping(cidr: string, limit = 100): Promise<Allocation[]> {
    const rows = await this.pg.query<AllocationRow>(
      `SELECT ${COLUMNS} FROM allocation WHERE cidr && $1::cidr ORDER BY allocation.cidr LIMIT $2`,
      [cidr, limit],
    );
    return rows.map(toAllocation);
  }

  async find(id: number): Promise<Allocation | null> {
    const [row] = await this.pg.query<AllocationRow>(`SELECT ${COLUMNS} FROM allocation WHERE id = $1`, [id]);
    return row ? toAllocation(row) : null;
  }

  async delete(id: number): Promise<Allocation | null> {
    const [row] = await this.pg.query<AllocationRow>(
      `DELETE FROM allocation WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    return row ? toAllocation(row) : null;
  }

  /** Allocations in address order (prefixes never overlap, so the prefix is a unique key). */
  async list(filter: AllocationFilter, limit: number, sql?: Sql): Promise<Allocation[]> {
    const text = `SELECT ${COLUMNS} FROM allocation
                   WHERE ($1::text IS NULL OR pool = $1)
                     AND ($2::text IS NULL OR cluster = $2)
                     AND ($3::text IS NULL OR purpose = $3)
                     AND ($4::cidr IS NULL OR cidr > $4::cidr)
                   ORDER BY allocation.cidr LIMIT $5`;
    const params = [
      filter.pool ?? null,
      filter.cluster ?? null,
      filter.purpose ?? null,
      filter.afterCidr ?? null,
      limit,
    ];
    const rows = await (sql ?? this.pg).query<AllocationRow>(text, params);
    return rows.map(toAllocation);
  }

  async countInPool(pool: string, sql: Sql): Promise<number> {
    const [row] = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM allocation WHERE pool = $1',
      [pool],
    );
    return row!.n;
  }
}
