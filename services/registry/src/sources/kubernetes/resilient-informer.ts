import type { WatchHealth } from '../cluster-health';

/** The part of client-node's ListWatch (makeInformer) this wrapper drives. */
export interface InformerLike<T> {
  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error', cb: (err: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ResilientInformerOptions<T> {
  /** The resource, for logs and the cluster's status reason ("endpointslices"). */
  name: string;
  informer: InformerLike<T>;
  onEvent: (type: 'upsert' | 'delete', obj: T) => void;
  /** Restart delay after an error: doubles from initialMs up to maxMs, with jitter. */
  backoff: { initialMs: number; maxMs: number };
  /**
   * A restarted watch counts as healthy again only after running this long without an error
   * (default 1000 ms): one that connects and then fails on its first event is flapping, and its
   * failing time keeps adding up (the cluster goes degraded) instead of starting over each time.
   */
  healthyAfterMs?: number;
  log: { warn(message: string): void; log(message: string): void };
  now?: () => number;
}

function describe(err: unknown): string {
  const e = err as { statusCode?: number; code?: number | string; message?: string; body?: unknown };
  const status = e?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined);
  const message = e?.message ?? String(err);
  return status ? `HTTP ${status}: ${message}` : message;
}

/**
 * client-node's informer (ListWatch) restarts its watch by itself only after a clean end of the
 * stream or a 410 Gone (then it relists); after any other error (a list answered 500, a reset
 * connection, a malformed event seen by StrictWatch) it reports the error once and stops for
 * good. This wrapper restarts it after every error with a jittered exponential backoff, and keeps
 * the health the cluster's status is made of.
 * See docs/architecture.md and the fake API server's tests in libs/fake-kube.
 */
export class ResilientInformer<T> {
  private synced = false;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private errors = 0;
  private attempt = 0;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: ResilientInformerOptions<T>) {
    this.now = opts.now ?? Date.now;
    const informer = opts.informer;
    informer.on('add', (o) => opts.onEvent('upsert', o));
    informer.on('update', (o) => opts.onEvent('upsert', o));
    informer.on('delete', (o) => opts.onEvent('delete', o));
    informer.on('error', (err) => this.failed(err));
  }

  health(): WatchHealth {
    return {
      name: this.opts.name,
      synced: this.synced,
      failingSince: this.failingSince,
      lastError: this.lastError,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.healthyTimer);
    await this.opts.informer.stop().catch(() => undefined);
  }

  /** One (re)start: list (if needed) and watch. Success when no error came while starting. */
  private async run(): Promise<void> {
    if (this.stopped) return;
    const errorsBefore = this.errors;
    try {
      await this.opts.informer.start();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (this.errors === errorsBefore && !this.stopped) {
      // Listed and watching: the data is current (synced), but healthy only if it stays up.
      this.synced = true;
      if (this.failingSince === null) return;
      clearTimeout(this.healthyTimer);
      this.healthyTimer = setTimeout(() => {
        if (this.errors !== errorsBefore || this.stopped) return;
        this.opts.log.log(`${this.opts.name}: watching again`);
        this.failingSince = null;
        this.lastError = null;
        this.attempt = 0;
      }, this.opts.healthyAfterMs ?? 1000);
      this.healthyTimer.unref();
    }
  }

  private failed(err: unknown): void {
    // stop() sets `stopped` before it stops the informer, so the errors it causes end here too.
    if (this.stopped) return;
    this.errors++;
    clearTimeout(this.healthyTimer);
    this.failingSince ??= this.now();
    this.lastError = describe(err);
    const base = Math.min(this.opts.backoff.maxMs, this.opts.backoff.initialMs * 2 ** this.attempt++);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.opts.log.warn(`${this.opts.name}: ${this.lastError}; restarting in ${delay} ms`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.run(), delay);
    this.restartTimer.unref();
  }
}
