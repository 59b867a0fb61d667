import { ChangeListener } from '@isthmus/service-kit';

export interface ConfigFeedOptions<T> {
  /** What the feed is of, in messages: "peers", "cluster policies". */
  what: string;
  databaseUrl: string;
  channel: string;
  /** Reads the whole table and its revision in one snapshot. */
  read: () => Promise<{ revision: number; items: T[] }>;
  /** A re-read this often, whatever was notified (a lost notification, a database restored). */
  resyncMs: number;
  /** Pause between two attempts of the LISTEN connection. */
  retryMs: number;
  logger: { warn(message: string): void; error(message: string): void };
}

export type ConfigListener<T> = (items: readonly T[]) => void;

/**
 * A table every replica keeps in memory, current within a notification's round trip: a NOTIFY
 * from the table's trigger wakes it up, and it reads the whole table (a few hundred rows at most:
 * peers, cluster policies) with its revision. It also reads when its LISTEN connection comes back
 * (after a PostgreSQL restart: what was notified meanwhile is lost) and every `resyncMs`.
 *
 * Reads run one at a time; signals during a read make one more read after it. A read is passed
 * on to the listeners only when its revision differs from the one passed on last (a lower one
 * means the database went back, a restore: the database is the truth).
 */
export class ConfigFeed<T> {
  private readonly listener: ChangeListener;
  private readonly listeners = new Set<ConfigListener<T>>();
  private items: readonly T[] = [];
  private appliedRevision: number | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;
  private settleLoaded!: () => void;
  /** Resolves after the first complete read. */
  readonly loaded: Promise<void>;

  constructor(private readonly options: ConfigFeedOptions<T>) {
    this.loaded = new Promise((resolve) => (this.settleLoaded = resolve));
    this.listener = new ChangeListener({
      databaseUrl: options.databaseUrl,
      channel: options.channel,
      retryMs: options.retryMs,
      logger: options.logger,
      onSignal: () => void this.request(),
    });
  }

  start(): void {
    this.listener.start();
    this.resyncTimer = setInterval(() => void this.request(), this.options.resyncMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    await this.listener.stop();
    await this.next;
    await this.running;
  }

  get isLoaded(): boolean {
    return this.appliedRevision !== undefined;
  }

  /** The revision passed on last; undefined before the first read. */
  get revision(): number | undefined {
    return this.appliedRevision;
  }

  /** The table as read last. */
  get current(): readonly T[] {
    return this.items;
  }

  /**
   * Calls `listener` with the whole table whenever it changed, and at once with the table as it
   * is when it was read already. Returns the function that unsubscribes.
   */
  subscribe(listener: ConfigListener<T>): () => void {
    this.listeners.add(listener);
    if (this.isLoaded) this.deliver(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Read-your-writes: a write through this replica's API calls it once it committed, before it
   * answers, so that this replica's listeners have the change by then. A failure is not the
   * write's (the notification and the resync catch up), so it is not thrown.
   */
  catchUp(): Promise<void> {
    return this.request();
  }

  /**
   * A read that starts after this call; one already waiting to start serves every caller. Never
   * rejects: a failed read is logged, and the listener and the resync try again.
   */
  private request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = this.readOnce().finally(() => (this.running = undefined));
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = undefined;
      return this.request();
    });
    return this.next;
  }

  private async readOnce(): Promise<void> {
    let read: { revision: number; items: T[] };
    try {
      read = await this.options.read();
    } catch (e) {
      // Logged once per outage.
      if (!this.failing)
        this.options.logger.warn(`reading ${this.options.what} failed: ${(e as Error).message}`);
      this.failing = true;
      return;
    }
    this.failing = false;
    if (this.stopped || read.revision === this.appliedRevision) return;
    this.appliedRevision = read.revision;
    this.items = read.items;
    this.settleLoaded();
    for (const listener of this.listeners) this.deliver(listener);
  }

  private deliver(listener: ConfigListener<T>): void {
    try {
      listener(this.items);
    } catch (e) {
      this.options.logger.error(
        `a listener of ${this.options.what} failed: ${(e as Error).stack ?? String(e)}`,
      );
    }
  }
}
