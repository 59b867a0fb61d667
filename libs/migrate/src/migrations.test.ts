import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@isthmus/testing';
import { applyMigrations } from './migrations';

/**
 * Applying migrations leaves nothing behind (in this test's database; other suites running at the
 * same time hold advisory locks of their own): replicas of a service start together and each
 * applies them, so the schema engine's advisory lock must be free as soon as one is done.
 */
describe('applyMigrations', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('migrate');
    dir = mkdtempSync(path.join(tmpdir(), 'isthmus-migrate-'));
    writeFileSync(path.join(dir, 'schema.prisma'), 'datasource db {\n  provider = "postgresql"\n}\n');
    mkdirSync(path.join(dir, 'migrations', '20260101000000_init'), { recursive: true });
    writeFileSync(
      path.join(dir, 'migrations', '20260101000000_init', 'migration.sql'),
      'CREATE TABLE "thing" ("id" INTEGER NOT NULL PRIMARY KEY)',
    );
    // Semicolons in a comment, a string literal and a PL/pgSQL body: the script runs whole.
    mkdirSync(path.join(dir, 'migrations', '20260101000001_function'), { recursive: true });
    writeFileSync(
      path.join(dir, 'migrations', '20260101000001_function', 'migration.sql'),
      [
        '-- counts things; used by nothing',
        `CREATE FUNCTION "thing_count"() RETURNS bigint LANGUAGE plpgsql AS $$`,
        'DECLARE n bigint;',
        'BEGIN SELECT count(*) INTO n FROM "thing"; RETURN n; END',
        '$$;',
        `COMMENT ON FUNCTION "thing_count"() IS 'a; b';`,
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = () => ({
    databaseUrl: db.url,
    schemaPath: path.join(dir, 'schema.prisma'),
    migrationsDir: path.join(dir, 'migrations'),
  });

  it('applies, then holds no connection and no advisory lock', async () => {
    expect(await applyMigrations(options())).toEqual(['20260101000000_init', '20260101000001_function']);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ connections: string; locks: string }>(
        `SELECT (SELECT count(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()) AS connections,
                (SELECT count(*) FROM pg_locks
                  WHERE locktype = 'advisory'
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks`,
      );
      expect(rows[0]).toEqual({ connections: '0', locks: '0' });
      expect((await client.query('SELECT "thing_count"() AS n')).rows).toEqual([{ n: '0' }]);
    } finally {
      await client.end();
    }
  });

  it('a second run right after finds nothing to apply, without waiting for a lock', async () => {
    expect(await applyMigrations(options())).toEqual([]);
  });
});
