import pg from 'pg';
import type { PgConnectionConfig } from './engine';

/**
 * Runs `fn` while this process holds the database's migration lock, waiting for it as long as
 * another process holds it.
 *
 * Why a lock of our own: the schema engine serializes migrations itself with
 * pg_advisory_lock(72707369), but gives up after 10 s (P1002, "Timed out trying to acquire a
 * postgres advisory lock"). A migration that runs longer than that (an index built on a large
 * table) would make every replica starting meanwhile exit. Taking turns on this lock first, with
 * no time limit, means that the engine's lock is free whenever an engine asks for it; a replica
 * waits as long as the migration takes, as `prisma migrate deploy` run by hand would. Advisory
 * locks are per database, so services with databases of their own never wait for each other.
 * The lock is session-level on a connection of its own: it goes with that connection if this
 * process dies.
 */
export async function withMigrationLock<T>(config: PgConnectionConfig, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  let lost: Error | undefined;
  // Without a listener, losing the connection while fn runs would end the process; the lock is
  // gone with it, and the engine's own lock still keeps two migrations apart.
  client.on('error', (e) => (lost = e));
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended('isthmus.migrate', 0))`);
    const result = await fn();
    if (!lost) await client.query(`SELECT pg_advisory_unlock(hashtextextended('isthmus.migrate', 0))`);
    return result;
  } finally {
    await client.end().catch(() => undefined);
  }
}
