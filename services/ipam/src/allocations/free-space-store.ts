import { Injectable } from '@nestjs/common';
import type { Sql } from '@isthmus/service-kit';
import { normalizePrefix, type Prefix } from '../core';

/**
 * The free space of the pools (table free_block, migration 20261208100000_free_space): each
 * pool's maximal free aligned blocks, kept in step with the allocations by triggers in the
 * transaction that writes them. Reads only; the caller holds the pool's row lock, so the blocks
 * cannot change under it.
 */
@Injectable()
export class FreeSpaceStore {
  /**
   * The lowest free aligned block of `length` bits in the pool, or null. It is the first /length
   * of the lowest free block of that length or shorter: one index probe (pool, length, lowest
   * address) per length from the pool's own to `length`, so O(bits × log blocks), however many
   * allocations the pool has. Same answer as the core's nextFreeBlock() (the tests compare them).
   */
  async lowestFree(sql: Sql, pool: { name: string; prefix: Prefix }, length: number): Promise<Prefix | null> {
    const [row] = await sql.query<{ cidr: string }>(
      `SELECT set_masklen(f.cidr, $3)::text AS cidr
         FROM generate_series($2::int, $3::int) AS l(length)
        CROSS JOIN LATERAL (SELECT cidr FROM free_block
                             WHERE pool = $1 AND masklen(cidr) = l.length
                             ORDER BY cidr LIMIT 1) AS f
        ORDER BY f.cidr LIMIT 1`,
      [pool.name, pool.prefix.length, length],
    );
    return row ? normalizePrefix(row.cidr) : null;
  }

  /** The largest free block of the pool (the lowest on a tie), or null when it is full: one probe. */
  async largestFree(sql: Sql, pool: string): Promise<Prefix | null> {
    const [row] = await sql.query<{ cidr: string }>(
      // The column by its table's name: a bare `cidr` in ORDER BY would be the text output.
      `SELECT cidr::text AS cidr FROM free_block WHERE pool = $1
        ORDER BY masklen(free_block.cidr), free_block.cidr LIMIT 1`,
      [pool],
    );
    return row ? normalizePrefix(row.cidr) : null;
  }
}
