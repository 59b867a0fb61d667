import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

/**
 * Drives Prisma's schema engine through its WebAssembly build (@prisma/schema-engine-wasm).
 *
 * Why: the Prisma CLI's migrate commands need the native schema engine binary, which the CLI
 * downloads at first use; these machines reach the npm registry only, and no npm package ships
 * that binary. The Wasm engine is the same engine (same `_prisma_migrations` bookkeeping, same
 * migrations folder format that `prisma migrate deploy` applies elsewhere), driven through a
 * driver adapter. Versions are pinned: the engine must match the Prisma CLI that generates the
 * client (7.10.x ↔ engine 7.10.0-4.0edf323…).
 */

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
type SchemaEngine = SchemaEngineModule['SchemaEngine']['prototype'];

/** The part of the WebAssembly global we use (its types live in lib.dom, which a server does not load). */
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

export interface PgConnectionConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/**
 * Discrete fields rather than a connectionString: node-postgres lets connectionString override
 * `database`, which would make a "shadow database" connection reuse the main database.
 */
export function pgConfigFromUrl(databaseUrl: string): PgConnectionConfig {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)),
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
  };
}

let enginePromise: Promise<SchemaEngineModule> | undefined;

/** Loads and instantiates the Wasm module once per process (wasm-bindgen's "bundler" output). */
function loadEngineModule(): Promise<SchemaEngineModule> {
  enginePromise ??= (async () => {
    // A real dynamic import: the package is ESM-only and we compile to CommonJS.
    const bg: SchemaEngineModule = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = path.join(
      path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': bg,
    });
    const exports = instance.exports as { __wbindgen_start: () => void };
    (bg as unknown as { __wbg_set_wasm: (e: unknown) => void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return bg;
  })();
  return enginePromise;
}

interface Queryable {
  performIO(query: unknown): Promise<{ fields?: { dataTypeID: number }[] }>;
  startTransaction?: (...args: unknown[]) => Promise<Queryable>;
}

/**
 * adapter-pg 7.10 refuses PostgreSQL's internal "char" type (oid 18), which the engine's schema
 * describer selects (pg_class.relkind …): "Column type 'char' could not be deserialized".
 * Reporting those columns as text (oid 25) is exact for single-byte values.
 */
function reportCharAsText<T extends Queryable>(q: T): T {
  const performIO = q.performIO.bind(q);
  q.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return result;
  };
  const startTransaction = q.startTransaction?.bind(q);
  if (startTransaction)
    q.startTransaction = async (...args) => reportCharAsText(await startTransaction(...args));
  return q;
}

/** What adapter-pg 7.10's connection has, besides the Queryable surface, that scripts need. */
interface ScriptRunner {
  client: { query(sql: string): Promise<unknown> };
  onError(error: unknown): never;
  executeScript(script: string): Promise<void>;
}

/**
 * adapter-pg 7.10's executeScript cuts a migration at every ";" (inside string literals, comments
 * and function bodies too) and runs the pieces one by one. Sent whole as one simple-protocol
 * query instead, as Prisma's own Rust driver does, a migration may hold PL/pgSQL bodies, and
 * PostgreSQL runs its statements as one implicit transaction: all or nothing.
 */
function runScriptsWhole<T>(adapter: T): T {
  const runner = adapter as unknown as ScriptRunner;
  runner.executeScript = async (script) => {
    try {
      await runner.client.query(script);
    } catch (error) {
      runner.onError(error);
    }
  };
  return adapter;
}

async function connect(config: PgConnectionConfig) {
  const adapter = runScriptsWhole(await new PrismaPg(config).connect());
  return reportCharAsText(adapter as unknown as Queryable) as never;
}

/** One statement on the server's `postgres` database, the way CREATE DATABASE must be run. */
export type AdminQuery = (sql: string, params?: unknown[]) => Promise<{ rowCount: number | null }>;

export function adminQueryFor(config: PgConnectionConfig): AdminQuery {
  return (sql, params = []) => adminQuery(config, sql, params);
}

async function adminQuery(config: PgConnectionConfig, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ ...config, database: 'postgres' });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * What ensureDatabase found: the database was there, this call created it, or another process
 * created it between this call's check and its CREATE DATABASE (replicas starting together).
 */
export type DatabaseOutcome =
  { kind: 'existed' } | { kind: 'created' } | { kind: 'created-concurrently'; code: ConcurrentCreateCode };

/**
 * The errors a CREATE DATABASE gets when another session creates the same name at the same time:
 * - 42P04 duplicate_database: the other one had committed before this one checked the name;
 * - 23505 unique_violation on pg_database_datname_index: both passed the name check, and this one
 *   waited on the other's row in pg_database until that committed (createdb() in PostgreSQL's
 *   dbcommands.c accepts this race and leaves the "less friendly message"). With replicas that
 *   start together this is the usual one.
 * Either way the other transaction has committed: the database exists.
 */
const CONCURRENT_CREATE = ['42P04', '23505'] as const;
type ConcurrentCreateCode = (typeof CONCURRENT_CREATE)[number];

function concurrentCreateCode(e: unknown): ConcurrentCreateCode | null {
  const code = (e as { code?: unknown })?.code;
  return CONCURRENT_CREATE.find((c) => c === code) ?? null;
}

/**
 * Creates the database unless it exists. Any number of processes may call it at once for the
 * same name: one creates it, the others find it created (see CONCURRENT_CREATE) and then check
 * that they can connect to it, so that a name taken by a database nobody can use (one whose DROP
 * was interrupted is "invalid" in PostgreSQL 15) fails here, naming it, rather than somewhere in
 * the migrations.
 */
export async function ensureDatabase(
  config: PgConnectionConfig,
  admin: AdminQuery = adminQueryFor(config),
): Promise<DatabaseOutcome> {
  const { rowCount } = await admin('SELECT 1 FROM pg_database WHERE datname = $1', [config.database]);
  if (rowCount) return { kind: 'existed' };
  try {
    await admin(`CREATE DATABASE ${quoteIdent(config.database)}`);
    return { kind: 'created' };
  } catch (e) {
    const code = concurrentCreateCode(e);
    if (!code) throw e;
    await checkConnectable(config, code);
    return { kind: 'created-concurrently', code };
  }
}

/** A log line for what ensureDatabase did; null when the database was already there. */
export function databaseOutcomeLine(database: string, outcome: DatabaseOutcome): string | null {
  switch (outcome.kind) {
    case 'existed':
      return null;
    case 'created':
      return `created database "${database}"`;
    case 'created-concurrently':
      return (
        `database "${database}" was created by another process at the same time ` +
        `(CREATE DATABASE failed with ${outcome.code}); it accepts connections`
      );
  }
}

async function checkConnectable(config: PgConnectionConfig, code: ConcurrentCreateCode): Promise<void> {
  const client = new pg.Client(config);
  // A connection refused or reset surfaces on connect()/query(); without a listener an 'error'
  // event emitted meanwhile would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (e) {
    throw new Error(
      `database "${config.database}" was created by another process at the same time (CREATE DATABASE ` +
        `failed with ${code}), but it cannot be connected to: ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaPath: string,
  fn: (engine: SchemaEngine) => Promise<T>,
  log: (line: string) => void = () => undefined,
): Promise<T> {
  const bg = await loadEngineModule();
  const config = pgConfigFromUrl(databaseUrl);
  const base = new PrismaPg(config);
  // The engine never disposes the connections it asks for, and each is a pg pool whose idle
  // client (idle timeout 10 s) keeps the session-level advisory lock the engine takes around
  // migrations (pg_advisory_lock(72707369)): another replica migrating within those 10 s timed
  // out with P1002. They are disposed here once the engine is done.
  const opened: { dispose(): Promise<void> }[] = [];
  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => {
      const adapter = await connect(config);
      opened.push(adapter as { dispose(): Promise<void> });
      return adapter;
    },
    // PrismaPg's own connectToShadowDb() (7.10.1) drops the shadow database while its pool still
    // holds it open; we create and drop our own around the engine's use of it.
    async connectToShadowDb() {
      const name = `prisma_shadow_${Date.now()}_${process.pid}`;
      await adminQuery(config, `CREATE DATABASE ${quoteIdent(name)}`);
      const shadow = (await connect({ ...config, database: name })) as { dispose(): Promise<void> };
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await adminQuery(config, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      };
      return shadow as never;
    },
  } as never);
  const datamodel = await readFile(schemaPath, 'utf8');
  const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, datamodel]] } as never, log, factory);
  try {
    return await fn(engine);
  } finally {
    engine.free();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}
