import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, applyMigrationsBefore } from '@isthmus/migrate';
import { createTestDatabase, type TestDatabase } from '@isthmus/testing';
import { formatPrefix, parsePrefix, poolUtilization } from '../core';

const PRISMA = path.resolve(__dirname, '../../prisma');
const MIGRATION = '20261208100000_free_space';

/** An upgrade: the migration builds the free space of the pools that exist from their allocations. */
describe(`migration ${MIGRATION}`, () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('ipam_migration');
    await applyMigrationsBefore({
      databaseUrl: db.url,
      schemaPath: path.join(PRISMA, 'schema.prisma'),
      migrationsDir: path.join(PRISMA, 'migrations'),
      before: MIGRATION,
    });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('lists the free blocks of every pool, as the core cuts its gaps', async () => {
    const plan: Record<string, { cidr: string; allocations: string[] }> = {
      empty: { cidr: '10.0.0.0/16', allocations: [] },
      some: { cidr: '10.1.0.0/16', allocations: ['10.1.5.0/24', '10.1.0.0/26', '10.1.128.0/17'] },
      full: { cidr: '10.2.0.0/24', allocations: ['10.2.0.0/25', '10.2.0.128/25'] },
      // The last allocation ends the pool and the address space: nothing after it to count.
      top6: { cidr: '8000::/1', allocations: ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127', '8000::1/128'] },
      v6: { cidr: '2001:db8::/32', allocations: ['2001:db8:0:1::/64', '2001:db8:ff00::/40'] },
    };
    for (const [name, pool] of Object.entries(plan)) {
      await client.query('INSERT INTO pool (name, cidr) VALUES ($1, $2)', [name, pool.cidr]);
      for (const cidr of pool.allocations) {
        await client.query(
          `INSERT INTO allocation (pool, pool_cidr, cluster, purpose, cidr) VALUES ($1, $2, 'c', 'pods', $3)`,
          [name, pool.cidr, cidr],
        );
      }
    }

    const { applied } = await applyMigrations({
      databaseUrl: db.url,
      schemaPath: path.join(PRISMA, 'schema.prisma'),
      migrationsDir: path.join(PRISMA, 'migrations'),
    });
    expect(applied).toContain(MIGRATION);
    for (const [name, pool] of Object.entries(plan)) {
      const { rows } = await client.query<{ cidr: string }>(
        'SELECT cidr::text AS cidr FROM free_block WHERE pool = $1 ORDER BY free_block.cidr',
        [name],
      );
      const expected = poolUtilization(parsePrefix(pool.cidr), pool.allocations.map(parsePrefix)).freeBlocks;
      expect(
        rows.map((r) => r.cidr),
        name,
      ).toEqual(expected.map(formatPrefix));
    }
  });
});
