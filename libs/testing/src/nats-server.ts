import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_NATS_DEBUG_DIR, ENV_NATS_SERVER_BIN, ENV_NATS_URL, LOCAL_NATS_URL } from './env';
import { isAlive } from './pids';
import { DaemonProcess } from './process/daemon-process';
import { isExecutable } from './process/executable';

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

function serverBinary(): string {
  const configured = process.env[ENV_NATS_SERVER_BIN];
  if (configured) return configured;
  // Not Debian's package: search PATH, and fail at spawn time (ENOENT / exit 127) if missing.
  return isExecutable('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
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
  // The daemons themselves die with this process (DaemonProcess); their stores go here.
  // 'exit' handlers must be synchronous.
  process.on('exit', () => {
    for (const server of servers) server.destroySync();
  });
}

export interface ManagedServerOptions {
  jetstream: boolean;
  /** A fixed client port (a cluster's routes name each other's ports up front); default: any. */
  port?: number;
  /** More arguments, e.g. the cluster's (-n, --cluster, --routes). */
  extraArgs?: string[];
}

/** One private nats-server process, restartable on the same port and store. */
export class ManagedServer implements NatsServerHandle {
  port: number;
  private readonly daemon = new DaemonProcess('nats-server', serverBinary(), []);
  private readonly storeDir: string;
  private readonly jetstream: boolean;

  constructor(private readonly options: ManagedServerOptions) {
    initialiseProcess();
    servers.add(this);
    this.jetstream = options.jetstream;
    this.port = options.port ?? 0;
    this.storeDir = mkdtempSync(join(tmpdir(), `${STORE_PREFIX}${process.pid}-`));
  }

  get pid(): number | undefined {
    return this.daemon.pid;
  }

  get running(): boolean {
    return this.daemon.isRunning;
  }

  get url(): string {
    return `nats://${HOST}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.daemon.isRunning) return;
    // First start: port -1 lets the server pick a free port itself (no race with another
    // process between choosing a port and binding it); later starts reuse that port.
    const args = ['-a', HOST, '-p', this.port === 0 ? '-1' : String(this.port)];
    if (this.jetstream) args.push('-js', '-sd', this.storeDir);
    args.push(...(this.options.extraArgs ?? []));
    const debugDir = process.env[ENV_NATS_DEBUG_DIR];
    if (debugDir) args.push('-D');
    const ready = new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        offLine();
        offExit();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => done(this.failure(`did not become ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      // nats-server logs to stderr; DaemonProcess reads both pipes.
      const offLine = this.daemon.onLine((line) => {
        const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(line);
        if (listening?.[1]) this.port = Number(listening[1]);
        if (line.includes('Server is ready')) done();
      });
      const offExit = this.daemon.onExit((how) => done(this.failure(`${how} during start-up`)));
    });
    this.daemon.start(args);
    if (debugDir) {
      // Debugging an outage test: every line of every run of this server, in one file.
      const file = join(debugDir, `nats-${process.pid}-${this.storeDir.split('-').pop()}.log`);
      const offDebug = this.daemon.onLine((line) => appendFileSync(file, `${line}\n`));
      void this.daemon.whenExited().then(offDebug);
    }
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

  stop(): Promise<void> {
    return this.daemon.stop();
  }

  kill(): Promise<void> {
    return this.daemon.kill();
  }

  destroySync(): void {
    this.daemon.killNow();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private failure(what: string): Error {
    return new Error(
      `nats-server (${serverBinary()}) ${what}; its last output:\n${this.daemon.recentOutput()}`,
    );
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
  const server = new ManagedServer({ jetstream: opts.jetstream ?? true });
  await server.start();
  return server;
}
