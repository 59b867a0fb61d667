import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { DatabaseSettings } from './database-settings';
import type { Sql } from './sql';

// Return int8 (bigint) as JS bigint, as Prisma does: revisions and outbox ids are bigint.
const INT8_OID = 20;
const parseInt8 = (v: string) => BigInt(v);

/**
 * A node-postgres pool for hot paths and for SQL that Prisma's query API cannot say. Measured
 * against Prisma's interactive transactions on the registry writer's statements it took 25–40%
 * less time per batch (docs/BENCHMARKS.md). Its size is DatabaseSettings.pgPoolSize.
 */
@Injectable()
export class PgService implements Sql, OnModuleDestroy {
  private readonly log = new Logger(PgService.name);
  readonly pool: pg.Pool;

  constructor(config: DatabaseSettings) {
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.pgPoolSize ?? Math.max(2, Math.ceil(config.databasePoolSize / 2)),
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as never)) as never,
      },
    });
    // An idle client losing its connection (Postgres restarted) must not crash the process.
    this.pool.on('error', (e) => this.log.warn(`idle database connection lost: ${e.message}`));
  }

  /** One statement outside a transaction (pg checks a client out, runs it and returns the client). */
  async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params as unknown[])).rows as T[];
  }

  /** One statement outside a transaction; the number of rows it touched. */
  async execute(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.pool.query(text, params as unknown[])).rowCount ?? 0;
  }

  /** Runs `fn` in a transaction; commits if it resolves, rolls back if it throws. */
  async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // pg listens for errors only on idle clients. A checked-out one whose server goes away (a
    // restart: FATAL 57P01) between two queries, e.g. while the relay awaits NATS, would emit
    // 'error' with no listener and end the process; here the error fails the transaction instead.
    let lost: Error | undefined;
    const onError = (e: Error) => {
      lost = e;
      this.log.warn(`database connection lost during a transaction: ${e.message}`);
    };
    client.on('error', onError);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(clientSql(client));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw e;
    } finally {
      client.removeListener('error', onError);
      // A client that saw an error is not given back to the pool: it is closed.
      client.release(broken || lost !== undefined);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}

function clientSql(client: pg.PoolClient): Sql {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      (await client.query(text, params as unknown[])).rows as T[],
    execute: async (text: string, params: readonly unknown[] = []) =>
      (await client.query(text, params as unknown[])).rowCount ?? 0,
  };
}
