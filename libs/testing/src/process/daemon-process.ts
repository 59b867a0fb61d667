import { type ChildProcess, spawn } from 'node:child_process';
import { isExecutable } from './executable';

/** Lines of a peer's output kept for error messages. */
const OUTPUT_LINES = 200;
const STOP_TIMEOUT_MS = 10_000;

// A test that fails or times out before its cleanup must not leave a daemon running. vitest ends
// its fork workers with SIGTERM, which kills Node without an 'exit' event, so the kernel does it:
// `setpriv --pdeathsig KILL` (util-linux, on every Debian) makes the daemon receive SIGKILL when
// the process that started it dies, however it dies. setpriv execs the daemon, so the pid we
// signal is the daemon's own. The private NATS servers (../nats-server.ts) and the BGP peers use it.
const SETPRIV = '/usr/bin/setpriv';

function withParentDeathSignal(bin: string, args: string[]): [string, string[]] {
  if (process.platform === 'linux' && isExecutable(SETPRIV))
    return [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]];
  return [bin, args];
}

const running = new Set<DaemonProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL without waiting.
  process.on('exit', () => {
    for (const peer of running) peer.killNow();
  });
}

/**
 * One run of a peer daemon in the foreground, its output kept (a ring of lines) for the error
 * messages of whoever waits on it. start() may be called again after the process ended.
 */
export class DaemonProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output: string[] = [];
  private exitListeners = new Set<(description: string) => void>();
  /** Set by stop()/kill(): an exit without it is the daemon's own (a crash), and is reported. */
  private ending = false;
  private lineListeners = new Set<(line: string) => void>();

  constructor(
    /** Name used in messages ("bird", "gobgpd", "nats-server"). */
    readonly label: string,
    private readonly bin: string,
    private readonly args: string[],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** The last lines the daemon printed, oldest first. */
  recentOutput(): string {
    return this.output.join('\n');
  }

  /** Calls `listener` with every line the process prints (stdout and stderr). */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Calls `listener` with a description when the process ends by itself or is stopped. */
  onExit(listener: (description: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Starts the program, with other arguments than the constructor's when given. */
  start(args: string[] = this.args): void {
    if (this.child) throw new Error(`${this.label} is already running (pid ${this.child.pid})`);
    installExitHook();
    this.output = [];
    this.ending = false;
    const [file, argv] = withParentDeathSignal(this.bin, args);
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(this);
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        this.output.push(line);
        if (this.output.length > OUTPUT_LINES) this.output.shift();
        for (const listener of this.lineListeners) listener(line);
      }
    };
    // Read both pipes so neither fills up and blocks the daemon.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // 'error' too: when the binary cannot be spawned, 'exit' may never come.
    this.exited = new Promise((resolve) => {
      const done = (description: string): void => {
        // A daemon that dies under a running test is the first thing to know when that test
        // then times out: say so on stderr, with what it printed last.
        if (!this.ending) {
          process.stderr.write(
            `[${this.label} pid ${child.pid}] ${description} without being stopped; its last output:\n` +
              `${this.output.slice(-40).join('\n')}\n`,
          );
        }
        if (this.child === child) this.child = undefined;
        running.delete(this);
        for (const listener of this.exitListeners) listener(description);
        resolve();
      };
      child.once('exit', (code, signal) => done(`exited (code ${code}, signal ${signal})`));
      child.once('error', (err) => done(`could not be started: ${err.message}`));
    });
  }

  /** SIGTERM (the daemon's orderly shutdown), SIGKILL after 10 s; resolves once it has exited. */
  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
  }

  /** SIGKILL, as in a crash; resolves once it has exited. */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  /** Synchronous SIGKILL for process 'exit' handlers. */
  killNow(): void {
    this.ending = true;
    this.child?.kill('SIGKILL');
  }

  /** Resolves when the current run has ended. */
  whenExited(): Promise<void> {
    return this.exited;
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.ending = true;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
