import { connect, createServer, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { markRunDatabase, reserveTestDatabase, type TestDatabase } from './database';
import { postgresAdminUrl } from './env';
import { pollUntil } from './polling';
import type { ServiceProcess } from './service-process';

/**
 * Tools that make concurrent creators of one database really race, instead of hoping that
 * processes started together reach CREATE DATABASE within the same few milliseconds.
 */

export interface DatabaseCreationPause {
  /** Resolves once `count` sessions wait in CREATE DATABASE of `name` (each past its name check). */
  queued(name: string, count: number): Promise<void>;
  /** Lets every waiting CREATE DATABASE go on. */
  resume(): Promise<void>;
}

/**
 * Holds every CREATE DATABASE on the server between its name check and its insert into
 * pg_database, by holding pg_database in SHARE mode (createdb() takes ROW EXCLUSIVE on it after
 * checking the name). Sessions that wait there have all seen the name free: once resumed, one
 * creates the database and every other one fails with 23505 on pg_database_datname_index, the
 * error replicas starting together get. It pauses every CREATE and DROP DATABASE of the server,
 * other tests' too: resume as soon as the sessions of interest are queued.
 */
export async function pauseDatabaseCreation(adminUrl = postgresAdminUrl()): Promise<DatabaseCreationPause> {
  const holder = new Client({ connectionString: adminUrl });
  holder.on('error', () => undefined); // the test fails through queued()/resume() instead
  await holder.connect();
  // A test worker that hangs with the pause held must not stall the server's other users.
  await holder.query(`SET idle_in_transaction_session_timeout = '60s'`);
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE pg_catalog.pg_database IN SHARE MODE');
  let resumed = false;
  return {
    async queued(name, count) {
      const watcher = new Client({ connectionString: adminUrl });
      await watcher.connect();
      try {
        let waiting = 0;
        await pollUntil(
          `${count} sessions waiting in CREATE DATABASE "${name}"`,
          async () => {
            const { rows } = await watcher.query<{ n: string }>(
              `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE NOT l.granted AND l.relation = 'pg_catalog.pg_database'::regclass
                  AND a.query ILIKE 'CREATE DATABASE %' AND strpos(a.query, $1) > 0`,
              [name],
            );
            waiting = Number(rows[0]!.n);
            return waiting >= count;
          },
          { timeoutMs: 60_000, describeLast: () => `${waiting} waiting` },
        );
      } finally {
        await watcher.end();
      }
    },
    async resume() {
      if (resumed) return;
      resumed = true;
      await holder.query('COMMIT').catch(() => undefined);
      await holder.end().catch(() => undefined);
    },
  };
}

export interface ConnectionGate {
  /** The gate's port on 127.0.0.1; connections to it reach the target once the gate is open. */
  port: number;
  /** Connections made so far (held while the gate is closed). */
  connections(): number;
  /** Forwards the held connections, and every later one at once. */
  open(): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder to `target` that holds connections until open(): processes that start one
 * after the other then all reach the server at the same instant. What a client sends meanwhile
 * (PostgreSQL's startup message) waits in its socket's buffer.
 */
export async function startConnectionGate(target: { host: string; port: number }): Promise<ConnectionGate> {
  const held: Socket[] = [];
  const sockets = new Set<Socket>();
  let count = 0;
  let isOpen = false;
  const forward = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server: Server = createServer((client) => {
    count++;
    sockets.add(client);
    if (isOpen) forward(client);
    else {
      client.on('error', () => client.destroy());
      held.push(client);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    open() {
      isOpen = true;
      for (const client of held.splice(0)) forward(client);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReplicasStartedTogether {
  replicas: ServiceProcess[];
  /** The database they created (dropped by stop()). */
  database: TestDatabase;
  /**
   * What each replica's log says it did about the database, sorted: `created`, or the error its
   * CREATE DATABASE got when another replica created it first (`23505`, `42P04`), or `existed`.
   */
  databaseOutcomes(): string[];
  /** Resolves once every replica answers `path` (e.g. /readyz) with 200. */
  ready(path: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `count` replicas of a service at once against a database that does not exist yet, and
 * makes their creations of it race for certain: each replica's first connection (its check
 * whether the database exists) is held at a gate until all of them have connected; then the
 * gate opens with database creation paused (pauseDatabaseCreation), so that every replica has
 * seen the name free before any creates it. Resolves when every replica serves /healthz; fails,
 * stopping them all, if any does not start.
 */
export async function startReplicasTogether(opts: {
  count: number;
  databasePrefix: string;
  /** Starts one replica on `database` (its URL leads through the gate). */
  spawn: (database: TestDatabase) => Promise<ServiceProcess>;
}): Promise<ReplicasStartedTogether> {
  const database = reserveTestDatabase(opts.databasePrefix);
  const server = new URL(postgresAdminUrl());
  const gate = await startConnectionGate({ host: server.hostname, port: Number(server.port || 5432) });
  const gated = new URL(database.url);
  gated.port = String(gate.port);
  const starting = Array.from({ length: opts.count }, () =>
    opts.spawn({ ...database, url: gated.toString() }),
  );
  const started = Promise.allSettled(starting);
  const stopAll = async (replicas: ServiceProcess[]) => {
    await Promise.all(replicas.map((r) => r.stop()));
    await database.drop();
    await gate.close();
  };
  try {
    await Promise.race([
      pollUntil(`${opts.count} replicas connecting to PostgreSQL`, () => gate.connections() >= opts.count, {
        timeoutMs: 60_000,
        describeLast: () => `${gate.connections()} connected`,
      }),
      // A replica that exits before it connects fails spawn(): no use waiting for the gate.
      Promise.all(starting).then(() => undefined),
    ]);
    const pause = await pauseDatabaseCreation();
    try {
      gate.open();
      await pause.queued(database.name, opts.count);
    } finally {
      await pause.resume();
    }
  } catch (e) {
    gate.open();
    const settled = await started;
    await stopAll(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
    throw e;
  }
  const settled = await started;
  const replicas = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll(replicas);
    throw failed.reason;
  }
  const admin = new Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  await markRunDatabase(admin, database.name).finally(() => admin.end());
  return {
    replicas,
    database,
    databaseOutcomes: () => replicas.map((r) => databaseOutcome(r.output(), database.name)).sort(),
    async ready(path) {
      for (const r of replicas) {
        await pollUntil(`${r.url}${path} to answer 200`, async () => (await fetch(`${r.url}${path}`)).ok);
      }
    },
    stop: () => stopAll(replicas),
  };
}

/** From the lines @isthmus/migrate's databaseOutcomeLine() writes into a service's log. */
function databaseOutcome(output: string, name: string): string {
  // JSON logs escape the quotes around the name; text logs do not.
  const quoted = `\\\\?"${name}\\\\?"`;
  if (new RegExp(`created database ${quoted}`).test(output)) return 'created';
  const raced = new RegExp(`database ${quoted} was created by another process .*failed with (\\w+)`).exec(
    output,
  );
  return raced ? raced[1]! : 'existed';
}
