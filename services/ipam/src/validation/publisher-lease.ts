import pg from 'pg';
import type { Sql } from '@isthmus/service-kit';
import { endClient } from '@isthmus/service-kit';

export interface PublisherLeaseOptions {
  databaseUrl: string;
  /** Called once when a held lease is lost (the connection failed or stopped answering). */
  onLost: (reason: string) => void;
  /** How long a statement on the lease's connection may take before the lease counts as lost. */
  timeoutMs: number;
}

/**
 * Only one replica publishes verdicts and writes conflict records at a time: the one holding a
 * PostgreSQL session-level advisory lock on a connection of its own. PostgreSQL releases the lock
 * when that session ends, for whatever reason (the process died, the connection broke), so a
 * replica that crashes never blocks the others for longer than the server takes to notice; and
 * a replica whose connection broke knows it lost the lock, because the lock lived in that session.
 */
export class PublisherLease {
  /** The lock's key: one per database, and each IPAM installation has its own database. */
  static readonly KEY = "hashtextextended('isthmus.ipam.verdict-publisher', 0)";

  private client: pg.Client | undefined;
  private holding = false;

  constructor(private readonly options: PublisherLeaseOptions) {}

  get held(): boolean {
    return this.holding;
  }

  /** Takes the lock if nobody holds it; false when another session does (or the database is away). */
  async tryAcquire(): Promise<boolean> {
    if (this.holding) return true;
    const client = await this.connect();
    const [row] = (
      await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PublisherLease.KEY}) AS locked`)
    ).rows;
    this.holding = row?.locked === true;
    return this.holding;
  }

  /**
   * Statements on the lease's own session, for the writes only the publisher may make (conflict
   * records). This is the fence: a publisher SIGKILLed while one of its statements runs does not
   * release the lock until that statement is over (PostgreSQL drops a session's locks when its
   * backend ends, and a backend finishes the statement it runs first), so the next publisher,
   * which takes the lock after that, reads everything the previous one wrote, and nothing the
   * previous one sent lands after it. Statements on any other connection (the pool) could.
   */
  get sql(): Sql {
    const session = () => {
      if (!this.holding || !this.client) throw new Error('the publisher lease is not held');
      return this.client;
    };
    return {
      query: async <T>(text: string, params: readonly unknown[] = []) =>
        (await session().query(text, params as unknown[])).rows as T[],
      execute: async (text: string, params: readonly unknown[] = []) =>
        (await session().query(text, params as unknown[])).rowCount ?? 0,
    };
  }

  /** A round trip on the lease's session: if it answers, the lock is still ours. */
  async confirm(): Promise<boolean> {
    if (!this.holding || !this.client) return false;
    try {
      await this.client.query('SELECT 1');
      return true;
    } catch (e) {
      this.lose(`the lease's connection stopped answering: ${(e as Error).message}`);
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.holding = false;
    // Ending the session releases the lock.
    await endClient(client);
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      keepAlive: true,
      query_timeout: this.options.timeoutMs,
      connectionTimeoutMillis: this.options.timeoutMs,
    });
    // Without a listener an error on the idle connection would crash the process.
    client.on('error', (e) => this.lose(`the lease's connection failed: ${e.message}`));
    client.on('end', () => this.lose("the lease's connection ended"));
    try {
      await client.connect();
    } catch (e) {
      client.removeAllListeners('end');
      await endClient(client);
      throw e;
    }
    this.client = client;
    return client;
  }

  private lose(reason: string): void {
    const client = this.client;
    const wasHeld = this.holding;
    this.client = undefined;
    this.holding = false;
    client?.removeAllListeners('end');
    void endClient(client);
    if (wasHeld) this.options.onLost(reason);
  }
}
