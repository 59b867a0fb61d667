import pg from 'pg';
import { endClient } from './end-client';

export interface ChangeListenerOptions {
  databaseUrl: string;
  /** The NOTIFY channel the table's triggers signal on. */
  channel: string;
  /** Called after LISTEN succeeded on a new connection, and for every notification. */
  onSignal: (reason: 'listening' | 'notified') => void;
  retryMs: number;
  logger: { warn(message: string): void };
}

/**
 * A dedicated connection that LISTENs for a table's changes (LISTEN is a property of a session,
 * so it cannot be a pooled connection): ipam's address plan, routing's peers and policies.
 * PostgreSQL delivers a NOTIFY when the writing transaction commits, to every listening session:
 * every replica learns of a change made through any replica's API.
 *
 * Notifications sent while no connection listens are lost (a PostgreSQL restart), so every new
 * connection signals 'listening' once LISTEN is in place: the receiver re-reads the table, which
 * covers whatever changed while it was not listening.
 */
export class ChangeListener {
  private stopped = false;
  private client: pg.Client | undefined;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: ChangeListenerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await endClient(this.client);
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const lost = await this.listenOnce();
      if (this.stopped) return;
      this.options.logger.warn(
        `${this.options.channel} listener: ${lost}; reconnecting in ${this.options.retryMs} ms`,
      );
      await this.sleep(this.options.retryMs);
    }
  }

  /** Listens until the connection fails; returns why. */
  private async listenOnce(): Promise<string> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, keepAlive: true });
    this.client = client;
    let ended: (reason: string) => void = () => undefined;
    const end = new Promise<string>((resolve) => (ended = resolve));
    // An error on an idle client would otherwise be an unhandled 'error' event: a crash.
    client.on('error', (e) => ended(`connection failed: ${e.message}`));
    client.on('end', () => ended('connection ended'));
    client.on('notification', () => this.options.onSignal('notified'));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (e) {
      await endClient(client);
      return `cannot listen: ${(e as Error).message}`;
    }
    if (this.stopped) {
      await endClient(client);
      return 'stopped';
    }
    this.options.onSignal('listening');
    const reason = await Promise.race([end, new Promise<string>((r) => (this.wakeUp = () => r('stopped')))]);
    await endClient(client);
    return reason;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
