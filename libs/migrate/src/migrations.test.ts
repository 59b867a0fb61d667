import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  pauseDatabaseCreation,
  reserveTestDatabase,
  type TestDatabase,
} from '@isthmus/testing';
import { ensureDatabase, pgConfigFromUrl, type AdminQuery } from './engine';
import { applyMigrations } from './migrations';

/** A service folder in a temporary directory: an empty schema and these migrations. */
function serviceFolder(migrations: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'isthmus-migrate-'));
  writeFileSync(path.join(dir, 'schema.prisma'), 'datasource db {\n  provider = "postgresql"\n}\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(path.join(dir, 'migrations', name), { recursive: true });
    writeFileSync(path.join(dir, 'migrations', name, 'migration.sql'), sql);
  }
  return dir;
}

const optionsFor = (databaseUrl: string, dir: string) => ({
  databaseUrl,
  schemaPath: path.join(dir, 'schema.prisma'),
  migrationsDir: path.join(dir, 'migrations'),
});

let dir: string;

beforeAll(() => {
  dir = serviceFolder({
    '20260101000000_init': 'CREATE TABLE "thing" ("id" INTEGER NOT NULL PRIMARY KEY)',
    // Semicolons in a comment, a string literal and a PL/pgSQL body: the script runs whole.
    '20260101000001_function': [
      '-- counts things; used by nothing',
      `CREATE FUNCTION "thing_count"() RETURNS bigint LANGUAGE plpgsql AS $$`,
      'DECLARE n bigint;',
      'BEGIN SELECT count(*) INTO n FROM "thing"; RETURN n; END',
      '$$;',
      `COMMENT ON FUNCTION "thing_count"() IS 'a; b';`,
    ].join('\n'),
  });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Applying migrations leaves nothing behind (in this test's database; other suites running at the
 * same time hold advisory locks of their own): replicas of a service start together and each
 * applies them, so the schema engine's advisory lock must be free as soon as one is done.
 */
describe('applyMigrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('migrate');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const options = () => optionsFor(db.url, dir);

  it('applies, then holds no connection and no advisory lock', async () => {
    expect(await applyMigrations(options())).toEqual({
      database: { kind: 'existed' },
      applied: ['20260101000000_init', '20260101000001_function'],
    });
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
    expect((await applyMigrations(options())).applied).toEqual([]);
  });
});

/**
 * Replicas started together against a database that does not exist yet: each checks the name,
 * finds it free and runs CREATE DATABASE. Six calls at once stand for six replicas; creation is
 * paused until all six are past that check, so the race happens every time, as it did for two
 * ipam replicas in 3 starts of 5 (issue 10).
 */
describe('applyMigrations six times at once on a database that does not exist', () => {
  const db = reserveTestDatabase('migrate_race');
  afterAll(async () => {
    await db.drop();
  });

  it('creates the database once; the others take the 23505 path; the migrations run once', async () => {
    const pause = await pauseDatabaseCreation();
    const calls = Array.from({ length: 6 }, () => applyMigrations(optionsFor(db.url, dir)));
    try {
      await pause.queued(db.name, 6);
    } finally {
      await pause.resume();
    }
    const results = await Promise.all(calls);

    expect(results.map((r) => r.database.kind).sort()).toEqual([
      'created',
      ...Array(5).fill('created-concurrently'),
    ]);
    expect(results.filter((r) => r.database.kind === 'created-concurrently')).toEqual(
      Array(5).fill({
        database: { kind: 'created-concurrently', code: '23505' },
        applied: expect.any(Array),
      }),
    );
    // Taking turns on the migration lock: one applied both migrations, the others found none.
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, 0, 0, 2]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const applied = await client.query('SELECT migration_name FROM _prisma_migrations ORDER BY 1');
      expect(applied.rows.map((r) => r.migration_name)).toEqual([
        '20260101000000_init',
        '20260101000001_function',
      ]);
    } finally {
      await client.end();
    }
  });
});

/**
 * The schema engine's own lock (pg_advisory_lock(72707369)) gives up after 10 s with P1002. A
 * migration that takes longer (an index on a large table) would then make every replica that
 * starts meanwhile exit; they wait on the migration lock instead.
 */
describe('applyMigrations while another process runs a migration longer than 10 s', () => {
  let db: TestDatabase;
  let slowDir: string;
  beforeAll(async () => {
    db = await createTestDatabase('migrate_slow');
    slowDir = serviceFolder({
      '20260101000000_slow': 'SELECT pg_sleep(12); CREATE TABLE "thing" ("id" INTEGER NOT NULL PRIMARY KEY)',
    });
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(slowDir, { recursive: true, force: true });
  });

  it('waits for it instead of failing with P1002', async () => {
    const options = optionsFor(db.url, slowDir);
    const results = await Promise.all([applyMigrations(options), applyMigrations(options)]);
    expect(results.map((r) => r.applied).sort()).toEqual([[], ['20260101000000_slow']]);
  });
});

describe('ensureDatabase after another process created the database', () => {
  /** An admin connection that saw the name free, then lost the race with `code`. */
  const lostRace =
    (code: string): AdminQuery =>
    async (sql) => {
      if (sql.startsWith('SELECT')) return { rowCount: 0 };
      throw Object.assign(new Error(`CREATE DATABASE failed (${code})`), { code });
    };

  it('checks that the database accepts connections, and says so when it does not', async () => {
    // The name is never created: "the other process" is a fiction of lostRace.
    const config = pgConfigFromUrl(reserveTestDatabase('migrate_gone').url);
    await expect(ensureDatabase(config, lostRace('23505'))).rejects.toThrow(
      new RegExp(
        `database "${config.database}" was created by another process at the same time \\(CREATE DATABASE ` +
          `failed with 23505\\), but it cannot be connected to: .*does not exist`,
      ),
    );
  });

  it.each(['23505', '42P04'])('returns created-concurrently after %s once it connects', async (code) => {
    const db = await createTestDatabase('migrate_won');
    try {
      expect(await ensureDatabase(pgConfigFromUrl(db.url), lostRace(code))).toEqual({
        kind: 'created-concurrently',
        code,
      });
    } finally {
      await db.drop();
    }
  });

  it('passes any other error of CREATE DATABASE on', async () => {
    const config = pgConfigFromUrl(reserveTestDatabase('migrate_denied').url);
    await expect(ensureDatabase(config, lostRace('42501'))).rejects.toMatchObject({ code: '42501' });
  });
});
