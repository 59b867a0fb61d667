import { Client } from 'pg';
import { DATABASE_COMMENT_PREFIX, ENV_RUN_ID, postgresAdminUrl } from './env';
import { uniqueName } from './names';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** PostgreSQL truncates identifiers longer than this, which would break the name we hand out. */
const MAX_IDENTIFIER = 63;
/** `_` + 12 hex digits appended by uniqueName(). */
const RANDOM_SUFFIX = 13;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function withAdmin<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function isTemplateBusy(err: unknown): boolean {
  // 55006 object_in_use: "source database "template1" is being accessed by other users".
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '55006';
}

/**
 * A fresh, uniquely named database on the run's Postgres (a testcontainers container when
 * Docker + the local image are available, else the machine's 127.0.0.1:5432, user postgres,
 * trust).
 */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = reserveTestDatabase(prefix).name;

  await withAdmin(postgresAdminUrl(), async (client) => {
    // CREATE DATABASE fails while any session is connected to template1 (a developer's psql, a
    // tool); such a session is usually short, so retry for a little while before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
        break;
      } catch (err) {
        if (!isTemplateBusy(err) || attempt >= 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await markRunDatabase(client, name);
  });
  return testDatabaseNamed(name);
}

/**
 * A unique database name and its URL, for a database that does not exist yet: for tests of what
 * creates it (services at start). Once created, markRunDatabase() lets the teardown reap it.
 */
export function reserveTestDatabase(prefix = 'test'): TestDatabase {
  // Lower case: unquoted identifiers in hand-written SQL and tools fold to lower case.
  return testDatabaseNamed(uniqueName(prefix.toLowerCase().slice(0, MAX_IDENTIFIER - RANDOM_SUFFIX)));
}

function testDatabaseNamed(name: string): TestDatabase {
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      await dropDatabase(name);
      dropped = true;
    },
  };
}

/**
 * Marks a database as belonging to this run, so the global teardown can drop the ones a test
 * forgot to drop (it matters on the local backend, whose server outlives the run).
 */
export async function markRunDatabase(
  client: Client,
  name: string,
  runId = process.env[ENV_RUN_ID],
): Promise<void> {
  if (!runId) return;
  await client.query(
    `COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(DATABASE_COMMENT_PREFIX + runId)}`,
  );
}

/**
 * Drops a database even while clients (a connection pool the test did not close) are still
 * connected: WITH (FORCE) terminates their sessions first (PostgreSQL 13+).
 */
export async function dropDatabase(name: string, adminUrl = postgresAdminUrl()): Promise<void> {
  await withAdmin(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

/** Names of the databases that createTestDatabase() made during run `runId`. */
export async function listRunDatabases(adminUrl: string, runId: string): Promise<string[]> {
  const result = await withAdmin(adminUrl, (client) =>
    client.query<{ datname: string }>(
      `SELECT d.datname FROM pg_database d
         JOIN pg_shdescription s ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass
        WHERE s.description = $1`,
      [DATABASE_COMMENT_PREFIX + runId],
    ),
  );
  return result.rows.map((row) => row.datname);
}
