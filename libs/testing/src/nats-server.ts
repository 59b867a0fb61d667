import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_NATS_SERVER_BIN, ENV_NATS_URL, LOCAL_NATS_URL } from './env';
import { isAlive } from './pids';

/** The run's shared NATS server URL (container when available, else nats://127.0.0.1:4222). JetStream enabled. */
export function natsUrl(): string {
  return process.env[ENV_NATS_URL] || LOCAL_NATS_URL;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  /** Graceful shutdown (SIGTERM); resolves when the process has exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and store; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Abrupt end (SIGKILL), as in a crash; resolves when the process has exited. */
  kill(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines of server output kept for error messages. */
const LOG_LINES = 60;

function serverBinary(): string {
  const configured = process.env[ENV_NATS_SERVER_BIN];
  if (configured) return configured;
  // Not Debian's package: search PATH, and fail at spawn time (ENOENT / exit 127) if missing.
  return isExecutable('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// A test that forgets stop() (or times out before it) must not leave a server running. vitest
// ends its fork workers with SIGTERM, which kills Node without any 'exit' event, so the worker
// cannot clean up itself. Instead the kernel does it: `setpriv --pdeathsig KILL` (util-linux,
// present on every Debian) makes the server receive SIGKILL when the process that started it
// dies, however it dies. setpriv execs the server, so the pid we signal is the server's own.
const SETPRIV = '/usr/bin/setpriv';
function command(bin: string, args: string[]): [string, string[]] {
  if (process.platform === 'linux' && isExecutable(SETPRIV))
    return [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]];
  return [bin, args];
}

// Store directories carry the pid of the process that made them. Directories of processes that
// are gone (for the same SIGTERM reason their owners could not remove them) are removed by the
// first server a process starts and by the global teardown; a normal exit removes its own.
const STORE_PREFIX = 'isthmus-nats-';
const servers = new Set<ManagedServer>();
let initialised = false;

/** Removes the store directories of processes that no longer exist. */
export function reapStaleNatsStores(): void {
  for (const entry of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${STORE_PREFIX}(\\d+)-`).exec(entry)?.[1];
    if (owner && Number(owner) !== process.pid && !isAlive(Number(owner))) {
      rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

function initialiseProcess(): void {
  if (initialised) return;
  initialised = true;
  reapStaleNatsStores();
  // 'exit' handlers must be synchronous, hence SIGKILL without waiting.
  process.on('exit', () => {
    for (const server of servers) server.destroySync();
  });
}

class ManagedServer implements NatsServerHandle {
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log: string[] = [];
  private readonly storeDir: string;

  constructor(private readonly jetstream: boolean) {
    this.storeDir = mkdtempSync(join(tmpdir(), `${STORE_PREFIX}${process.pid}-`));
  }

  get url(): string {
    return `nats://${HOST}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    // First start: port -1 lets the server pick a free port itself (no race with another
    // process between choosing a port and binding it); later starts reuse that port.
    const args = ['-a', HOST, '-p', this.port === 0 ? '-1' : String(this.port)];
    if (this.jetstream) args.push('-js', '-sd', this.storeDir);
    this.log = [];
    const [file, argv] = command(serverBinary(), args);
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // 'error' too: when the binary cannot be spawned, 'exit' may never come.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.failure(`did not become ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      let pending = '';
      const onData = (chunk: Buffer): void => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          this.log.push(line);
          if (this.log.length > LOG_LINES) this.log.shift();
          const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(line);
          if (listening?.[1]) this.port = Number(listening[1]);
          if (line.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        }
      };
      // nats-server logs to stderr; read both pipes so neither can fill up and block the server.
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(this.failure(`could not be started: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(this.failure(`exited during start-up (code ${code}, signal ${signal})`));
      });
    });

    try {
      await ready;
      // "Server is ready" is logged once the client listener is up; one real TCP connection
      // makes "resolves when the server accepts connections" hold without relying on log text.
      await probe(this.port);
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  destroySync(): void {
    this.child?.kill('SIGKILL');
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  private failure(what: string): Error {
    return new Error(`nats-server (${serverBinary()}) ${what}; its last output:\n${this.log.join('\n')}`);
  }
}

function probe(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: HOST, port }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/**
 * A private, controllable NATS server with JetStream whose store survives stop()/start() on the
 * same port, for outage tests. Runs the local nats-server binary (Debian's /usr/sbin/nats-server,
 * or ISTHMUS_NATS_SERVER_BIN) as a child process on 127.0.0.1; start() resolves when the server
 * accepts connections. Servers still running when the test process exits are killed.
 */
export async function startNatsServer(opts: { jetstream?: boolean } = {}): Promise<NatsServerHandle> {
  initialiseProcess();
  const server = new ManagedServer(opts.jetstream ?? true);
  servers.add(server);
  await server.start();
  return server;
}
