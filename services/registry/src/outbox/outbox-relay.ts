import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  BusPublishError,
  ensureStateStream,
  isTransientBusError,
  retryJetStream,
  StreamWriteHealth,
} from '@isthmus/bus';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { RegistryConfig } from '../config/config';
import { PgService, type Sql } from '@isthmus/service-kit';
import { RegistryMetrics } from '../metrics/registry-metrics';
import { RegistryWriter } from '../writer/registry-writer';
import { BusService } from './bus.service';
import { CommittedEvents, type CommittedEvent } from './committed-events';
import { planRelayBatch } from './relay-batch';
import { enqueueResync } from './resync';
import { col, RS } from '../writer/columns';

/** Seams for tests that need to stop the relay between its steps (fault injection). */
export interface RelayHooks {
  /** After the rows are read and before they are published (e.g. delete the stream then). */
  beforePublish?: (ids: bigint[]) => Promise<void>;
  afterPublish?: (ids: bigint[]) => Promise<void>;
}
export const RELAY_HOOKS = Symbol('RELAY_HOOKS');

/** One relay at a time across replicas: rows go out in one order, from one publisher. */
const RELAY_LOCK = `hashtextextended('isthmus.registry.outbox-relay', 0)`;

/**
 * Publishes the outbox to JetStream (DESIGN.md, "Data flow" 2): reads rows in id order,
 * publishes them with Nats-Msg-Id = outbox id (no subject twice in a round), waits for every ack, then
 * deletes the rows, all inside one transaction that holds the relay lock. A crash between the
 * publish and the delete re-publishes the same ids, which JetStream's de-duplication drops
 * (within the stream's duplicate window); the database never has a change the bus will not get.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelay.name);
  private running = false;
  private loop: Promise<void> | undefined;
  private kicked = false;
  private wake: (() => void) | undefined;
  private streamReady = false;
  private streamCheckedAt = 0;
  private readonly stopping = new AbortController();
  private readonly writeHealth: StreamWriteHealth;
  /** Payloads of the rows this process committed, so that a round need not read them back. */
  private readonly committedEvents: CommittedEvents;

  constructor(
    private readonly pg: PgService,
    private readonly bus: BusService,
    private readonly config: RegistryConfig,
    private readonly metrics: RegistryMetrics,
    private readonly writer: RegistryWriter,
    @Optional() @Inject(RELAY_HOOKS) private readonly hooks: RelayHooks | null,
  ) {
    this.writeHealth = new StreamWriteHealth(config.relayStreamRebuildAfterMs);
    this.committedEvents = new CommittedEvents(config.relayHandOffMax);
  }

  /** False while the stream refuses every write with a store failure (readiness says so). */
  get streamWritable(): boolean {
    return this.writeHealth.failingForMs(Date.now()) === 0;
  }

  onApplicationBootstrap(): void {
    this.writer.onCommit((rows) => {
      this.committedEvents.add(rows);
      this.kick();
    });
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.kick();
    await this.loop;
  }

  /** Wakes the loop now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async pending(): Promise<number> {
    const { rows } = await this.pg.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
    return Number(rows[0]?.n ?? 0);
  }

  private async run(): Promise<void> {
    let backoffMs = 0;
    while (this.running) {
      try {
        // Rounds only run on a live link: a round holds the relay lock in an open transaction
        // while it publishes, and nothing sent into a dropped connection can be acknowledged.
        // NATS may be away at start too; this waits for it (or for shutdown).
        await this.bus.whenConnected({ signal: this.stopping.signal });
        const round = await this.relayOnce();
        if (round.published > 0) this.writeHealth.record(undefined, Date.now());
        backoffMs = 0;
        if (round.more) continue; // more is waiting
        await this.idle(this.config.relayPollIntervalMs, true);
      } catch (e) {
        if (!this.running) break;
        this.metrics.relayErrors.inc();
        this.streamReady = false; // the server may have come back without the stream
        this.writeHealth.record(e, Date.now());
        if (this.writeHealth.rebuildDue(Date.now())) await this.rebuildStream(e).catch(() => undefined);
        // A bus failure already had its retries within the round (BusPublisher), and the next
        // round waits for the link: a short pause is enough. A refusal (the stream answers, and
        // says no) and anything else (PostgreSQL away) back off up to 5 s.
        const refused = e instanceof BusPublishError && e.reason === 'refused';
        backoffMs = isTransientBusError(e) && !refused ? 100 : Math.min(Math.max(100, backoffMs * 2), 5000);
        this.log.warn(`relay round failed, retrying in ~${backoffMs} ms: ${(e as Error).message}`);
        await this.idle(backoffMs * (0.5 + Math.random() / 2), false);
      }
    }
  }

  private idle(ms: number, wakeOnKick: boolean): Promise<void> {
    if (wakeOnKick && this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (wakeOnKick || !this.running) {
          this.kicked = false;
          done();
        }
      };
    });
  }

  /**
   * Creates the stream if it is missing. A stream that had to be created while the registry
   * already has state was lost (a NATS server back without its store, a deleted stream): the
   * registry's whole state goes back into the outbox (see enqueueResync).
   */
  private async ensureStream(): Promise<void> {
    const { action } = await retryJetStream(
      this.bus,
      `ensuring stream ${this.config.streamName}`,
      (jsm) =>
        ensureStateStream(jsm, {
          name: this.config.streamName,
          subjects: [`${this.config.subjectRoot}.registry.>`],
          duplicateWindowMs: this.config.duplicateWindowMs,
          replicas: this.config.streamReplicas,
        }),
      { deadlineMs: this.config.relayPublishDeadlineMs, signal: this.stopping.signal },
    );
    if (action === 'created') {
      const queued = await this.pg.transaction((sql) =>
        enqueueResync(sql, this.config.subjectRoot, new Date().toISOString()),
      );
      if (queued > 0) {
        this.metrics.streamResyncs.inc();
        this.log.warn(`stream ${this.config.streamName} was missing: re-publishing ${queued} current states`);
      }
    }
    this.streamReady = true;
    this.streamCheckedAt = Date.now();
  }

  /**
   * The stream has refused every write with a store failure for RELAY_STREAM_REBUILD_AFTER_MS:
   * nats-server does not recover such a stream by itself (libs/bus StreamWriteHealth). It is a
   * copy of the registry's tables, so it is deleted here; the next round creates it again and
   * re-publishes the registry's whole state into it (ensureStream), and consumers bind again and
   * replay it (StateConsumer recreates a durable that vanished).
   */
  private async rebuildStream(last: unknown): Promise<void> {
    const name = this.config.streamName;
    this.log.error(
      `stream ${name} has refused every write with a store failure for ` +
        `${Math.round(this.writeHealth.failingForMs(Date.now()) / 1000)} s (last: ${(last as Error).message}); ` +
        'deleting it, to publish the registry state into a new one',
    );
    await retryJetStream(
      this.bus,
      `deleting stream ${name}`,
      (jsm) =>
        jsm.streams.delete(name).catch((err: unknown) => {
          if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
          return true;
        }),
      { deadlineMs: this.config.relayPublishDeadlineMs, signal: this.stopping.signal },
    );
    this.writeHealth.reset();
    this.metrics.streamRebuilds.inc();
  }

  /** One round: how many events it published, and whether more are waiting. */
  async relayOnce(): Promise<{ published: number; more: boolean }> {
    const end = this.metrics.relayRoundSeconds.startTimer();
    try {
      return await this.relayRound();
    } finally {
      end();
    }
  }

  private async relayRound(): Promise<{ published: number; more: boolean }> {
    if (!this.streamReady || Date.now() - this.streamCheckedAt > this.config.relayStreamCheckIntervalMs) {
      await this.ensureStream();
    }
    return this.pg
      .transaction(async (sql) => {
        const [lock] = await sql.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS locked`,
        );
        if (!lock?.locked) {
          // Another replica is relaying, and publishes what this one committed too.
          this.committedEvents.clear();
          return { published: [], first: undefined, more: false };
        }
        // Which rows wait, in id order, is always read here; only their payloads may come from
        // memory (CommittedEvents), and what is not there is read as well.
        const waiting = await sql.query<{ id: bigint }>('SELECT id FROM outbox ORDER BY id LIMIT $1', [
          this.config.relayBatchSize,
        ]);
        if (waiting.length === 0) {
          this.metrics.outboxPending.set(0);
          return { published: [], first: undefined, more: false };
        }
        const rows = await this.withPayloads(
          sql,
          waiting.map((r) => r.id),
        );
        const plan = planRelayBatch(rows, this.config.relayBatchSize);
        if (rows.length < waiting.length) plan.more = true;
        const ids = plan.publish.map((r) => r.id);
        await this.hooks?.beforePublish?.(ids);
        // Bounded: every attempt by NATS_PUBLISH_TIMEOUT_MS, the round by RELAY_PUBLISH_DEADLINE_MS,
        // after which the transaction rolls back and the next round sends the same rows again
        // (de-duplicated by msgId). A missing stream ends the round at once: it must be created
        // again, and the registry's state re-published into it (ensureStream).
        const result = await this.bus.publisher.publish(
          plan.publish.map((r) => ({ subject: r.subject, data: r.data, msgId: r.id.toString() })),
          {
            deadlineMs: this.config.relayPublishDeadlineMs,
            signal: this.stopping.signal,
            // A refusal ends the round too: the relay keeps track of a stream that refuses every
            // write (rebuildStream), and backs off meanwhile.
            failFastOn: ['no-stream', 'refused'],
          },
        );
        this.metrics.relayPublishAttempts.observe(result.attempts);
        await this.hooks?.afterPublish?.(ids);
        // The ids as one text column (node-postgres escapes every element of an array parameter).
        await sql.execute(
          `DELETE FROM outbox WHERE id >= $1 AND id <= $2 AND id = ANY(${col(3)}::bigint[])`,
          [ids[0]!.toString(), ids[ids.length - 1]!.toString(), ids.join(RS)],
        );
        this.metrics.outboxPublished.inc({ result: 'stored' }, result.stored);
        this.metrics.outboxPublished.inc({ result: 'duplicate' }, result.duplicates);
        this.metrics.outboxPending.set(plan.more ? rows.length - ids.length : 0);
        return { published: ids, first: waiting[0]!.id, more: plan.more };
      })
      .then((round) => {
        // Only once the delete has committed: a round that rolled back publishes the same rows again.
        this.committedEvents.forget(round.published, round.first);
        return { published: round.published.length, more: round.more };
      });
  }

  /** The rows of these ids (in this order): from memory where it has them, else from the outbox. */
  private async withPayloads(sql: Sql, ids: readonly bigint[]): Promise<(CommittedEvent & { id: bigint })[]> {
    const missing: bigint[] = [];
    for (const id of ids) if (!this.committedEvents.get(id)) missing.push(id);
    const read = new Map<bigint, CommittedEvent>();
    if (missing.length > 0) {
      this.metrics.outboxRead.inc(missing.length);
      const rows = await sql.query<{ id: bigint; subject: string; payload: string }>(
        `SELECT id, subject, payload FROM outbox WHERE id >= $1 AND id <= $2 AND id = ANY(${col(3)}::bigint[])`,
        [missing[0]!.toString(), missing[missing.length - 1]!.toString(), missing.join(RS)],
      );
      for (const r of rows) read.set(r.id, { subject: r.subject, data: Buffer.from(r.payload) });
    }
    const out: (CommittedEvent & { id: bigint })[] = [];
    for (const id of ids) {
      const event = this.committedEvents.get(id) ?? read.get(id);
      // Read in this transaction a moment ago: only gone if another relay deleted it, which the
      // relay lock rules out. Stop there rather than publish around a hole.
      if (!event) break;
      out.push({ id, subject: event.subject, data: event.data });
    }
    return out;
  }
}
