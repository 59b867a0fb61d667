import { Injectable } from '@nestjs/common';
import { PgService, type Sql } from '@isthmus/service-kit';
import { normalizePrefix } from '../core';
import type { Pool } from './pool';

interface PoolRow {
  name: string;
  cidr: string;
  description: string;
  created_at: Date;
}

const COLUMNS = 'name, cidr::text AS cidr, description, created_at';

function toPool(row: PoolRow): Pool {
  // PostgreSQL prints cidr values canonically; normalizePrefix accepts its spelling of IPv4-mapped
  // IPv6 too ("::ffff:1.2.3.0/120").
  const prefix = normalizePrefix(row.cidr);
  return { name: row.name, cidr: row.cidr, prefix, description: row.description, createdAt: row.created_at };
}

/** The pool table. Statements that must share a transaction take its `sql`. */
@Injectable()
export class PoolStore {
  constructor(private readonly pg: PgService) {}

  async insert(pool: { name: string; cidr: string; description: string }): Promise<Pool> {
    const [row] = await this.pg.query<PoolRow>(
      `INSERT INTO pool (name, cidr, description) VALUES ($1, $2::cidr, $3) RETURNING ${COLUMNS}`,
      [pool.name, pool.cidr, pool.description],
    );
    return toPool(row!);
  }

  async find(name: string, sql?: Sql): Promise<Pool | null> {
    const text = `SELECT ${COLUMNS} FROM pool WHERE name = $1`;
    const [row] = await (sql ?? this.pg).query<PoolRow>(text, [name]);
    return row ? toPool(row) : null;
  }

  /**
   * Locks the pool's row (FOR NO KEY UPDATE) against every other write of the pool's allocations:
   * next-free searches take their turns instead of all choosing the same lowest block, and
   * explicit allocations and releases, which take the same lock in a trigger before their row is
   * written (migration 20261208100000_free_space), cannot change the free space under a search.
   */
  async lockForSearch(sql: Sql, name: string): Promise<Pool | null> {
    const [row] = await sql.query<PoolRow>(`SELECT ${COLUMNS} FROM pool WHERE name = $1 FOR NO KEY UPDATE`, [
      name,
    ]);
    return row ? toPool(row) : null;
  }

  /** Locks the pool's row against new allocations (FOR UPDATE conflicts with the foreign key's share lock). */
  async lockForDelete(sql: Sql, name: string): Promise<Pool | null> {
    const [row] = await sql.query<PoolRow>(`SELECT ${COLUMNS} FROM pool WHERE name = $1 FOR UPDATE`, [name]);
    return row ? toPool(row) : null;
  }

  async delete(sql: Sql, name: string): Promise<void> {
    await sql.execute('DELETE FROM pool WHERE name = $1', [name]);
  }

  async list(after: string | null, limit: number): Promise<Pool[]> {
    const rows = await this.pg.query<PoolRow>(
      `SELECT ${COLUMNS} FROM pool WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2`,
      [after, limit],
    );
    return rows.map(toPool);
  }

  /** Pools whose prefix overlaps `cidr` (uses the exclusion constraint's GiST index). */
  async overlapping(cidr: string): Promise<Pool[]> {
    const rows = await this.pg.query<PoolRow>(
      `SELECT ${COLUMNS} FROM pool WHERE cidr && $1::cidr ORDER BY pool.cidr`,
      [cidr],
    );
    return rows.map(toPool);
  }
}
