import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './index';
import { postgresAdminUrl } from './env';

async function databaseExists(name: string): Promise<boolean> {
  const admin = new Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    const res = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return res.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('createTestDatabase', () => {
  it('creates a uniquely named, usable database and drops it', async () => {
    const db = await createTestDatabase('Harness-DB');
    const other = await createTestDatabase('Harness-DB');
    try {
      // Lower-cased, sanitised prefix + random suffix; two calls never collide.
      expect(db.name).toMatch(/^harness_db_[0-9a-f]{12}$/);
      expect(other.name).not.toBe(db.name);
      expect(new URL(db.url).pathname).toBe(`/${db.name}`);

      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
        expect(rows[0]?.db).toBe(db.name);
        await client.query('CREATE TABLE item (id int PRIMARY KEY, label text NOT NULL)');
        await client.query("INSERT INTO item VALUES (1, 'one'), (2, 'two')");
        const count = await client.query<{ n: string }>('SELECT count(*) AS n FROM item');
        expect(count.rows[0]?.n).toBe('2');
      } finally {
        await client.end();
      }
      // The other database is a separate one: the table does not exist there.
      const otherClient = new Client({ connectionString: other.url });
      await otherClient.connect();
      try {
        await expect(otherClient.query('SELECT * FROM item')).rejects.toThrow(/does not exist/);
      } finally {
        await otherClient.end();
      }
    } finally {
      await db.drop();
      await other.drop();
    }
    expect(await databaseExists(db.name)).toBe(false);
    expect(await databaseExists(other.name)).toBe(false);
  });

  it('drops a database that still has open connections, and drop() may be called twice', async () => {
    const db = await createTestDatabase();
    expect(db.name).toMatch(/^test_[0-9a-f]{12}$/);
    // A pool a test forgot to close must not make drop() fail.
    const lingering = new Client({ connectionString: db.url });
    lingering.on('error', () => undefined); // its session gets terminated by drop()
    await lingering.connect();
    await lingering.query('SELECT 1');

    await db.drop();
    await db.drop();
    expect(await databaseExists(db.name)).toBe(false);
    await expect(lingering.query('SELECT 1')).rejects.toThrow();
    await lingering.end().catch(() => undefined);
  });
});
