import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { childPids, isRunning } from './pids';

export interface PostgresServerHandle {
  /** postgresql://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  port: number;
  /** Fast shutdown (SIGINT); resolves when the server has exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data; resolves when it accepts queries. */
  start(): Promise<void>;
  /** SIGKILL, as in a crash (the next start runs crash recovery); resolves when it has exited. */
  kill(): Promise<void>;
  /** Ends the server for good and removes its data directory. */
  destroy(): Promise<void>;
}

/** Debian's PostgreSQL server binaries; PG_BIN overrides (another version, another distribution). */
function binDir(): string {
  const dir = process.env.ISTHMUS_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
  if (!existsSync(join(dir, 'postgres'))) {
    throw new Error(
      `no PostgreSQL server binaries in ${dir}: install postgresql-15, or set ISTHMUS_TEST_PG_BIN to a bin directory`,
    );
  }
  return dir;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user. Like the
 * private NATS servers, it gets SIGKILL from the kernel if the test worker dies (pdeathsig).
 */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [bin, args];
  return [
    '/usr/bin/setpriv',
    ['--reuid=postgres', '--regid=postgres', '--init-groups', '--pdeathsig', 'KILL', '--', bin, ...args],
  ];
}

/**
 * A private PostgreSQL server (its own data directory, port and process) that a test can stop,
 * kill and start again: for tests of what happens while the database is away. The shared
 * database of the run (createTestDatabase) is for everything else.
 */
export async function startPostgresServer(): Promise<PostgresServerHandle> {
  const bin = binDir();
  const dataDir = mkdtempSync(join(tmpdir(), `isthmus-pg-${process.pid}-`));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
  }
  const [initdb, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  execFileSync(initdb, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  let output = '';

  const waitReady = async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child?.exitCode !== null && child?.exitCode !== undefined) {
        throw new Error(`postgres exited with ${child.exitCode}:\n${output.slice(-2000)}`);
      }
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`postgres on port ${port} not ready after 30 s:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  };

  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r()));

  const handle: PostgresServerHandle = {
    url,
    port,
    async start() {
      const [cmd, args] = asServerUser(join(bin, 'postgres'), [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        dataDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=100',
      ]);
      output = '';
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      await waitReady();
    },
    async stop() {
      if (!child) return;
      child.kill('SIGINT'); // fast shutdown: disconnects clients, checkpoints
      await exited(child);
    },
    async kill() {
      if (!child) return;
      // A crash of the whole server, as when its machine or container dies: the postmaster and
      // every backend at once. Killing the postmaster alone left backends that had not noticed
      // its death yet holding the shared memory, and the restart right after failed with
      // "pre-existing shared memory block … is still in use" (a CI failure). The backends'
      // pids are read before the postmaster goes (they are re-parented after).
      const backends = child.pid !== undefined ? childPids(child.pid) : [];
      child.kill('SIGKILL');
      for (const pid of backends) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await exited(child);
      const deadline = Date.now() + 10_000;
      while (backends.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
    destroy: async () => undefined, // replaced below, once the cleanup exists
  };
  const cleanup = () => {
    try {
      child?.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  handle.destroy = async () => {
    await handle.kill();
    process.removeListener('exit', cleanup);
    rmSync(dataDir, { recursive: true, force: true });
  };
  await handle.start();
  return handle;
}
