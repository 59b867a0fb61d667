import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { AckBatch } from './ack-batch';
import { CatchUpTracker, type HandledOutcome } from './catch-up';
import { ConsumerStoppedError } from './errors';
import { errorText, silentLogger, type BusLogger } from './logger';
import { logConsumerNotification } from './notifications';
import { abortableDelay, redeliveryDelayMs, type RetryBackoff } from './retry';

export interface StateConsumerOptions<E> {
  nc: NatsConnection;
  stream: string;
  /**
   * The durable consumer's name. With `replay: 'full'` the consumer is deleted and recreated at
   * every start, so every process (replica) needs its own name, e.g. `dns-${hostname}`.
   */
  durableName: string;
  /** One filter subject (a NATS 2.9 consumer has one). */
  filterSubject: string;
  /** Parses and validates a payload. Throwing marks the message as poison: terminated, logged, counted. */
  decode: (subject: string, data: Uint8Array) => E;
  /** The event's revision; per subject, only a revision above the last applied one is applied. */
  revisionOf: (event: E) => number;
  /** Applies one event. The message is acknowledged after it resolves; a rejection means redelivery. */
  apply: (subject: string, event: E) => Promise<void>;
  /**
   * full: at every start the durable is recreated to replay the last state of every subject, so
   * a consumer that keeps its state in memory rebuilds it from the stream.
   * resume: the durable keeps its position across restarts (state kept elsewhere, e.g. Postgres).
   * Either way a durable that vanished from the server is recreated and replays every subject.
   */
  replay: 'full' | 'resume';
  logger?: BusLogger;
  /** Redelivery of an unacknowledged message after this long (default 30 000 ms). */
  ackWaitMs?: number;
  /**
   * Deliveries of one message at most (default -1: unlimited). When the last one fails too, the
   * message is terminated and counted as abandoned: the consumer's state for that subject stays
   * behind until the next event of that subject.
   */
  maxDeliver?: number;
  /**
   * Delivered but unacknowledged messages at most (default 1000): also how many messages wait in
   * this process. Keep `maxAckPending × slowest apply` under `ackWaitMs`, or waiting messages are
   * redelivered (harmless: skipped as stale, but wasted work).
   */
  maxAckPending?: number;
  /**
   * Messages asked for in one pull request (default 256, at most maxAckPending). A consumer that
   * replays a large stream into memory asks for more at a time: fewer round trips to the server,
   * less time waiting on it.
   */
  pullBatch?: number;
  /** Delay of the redelivery after a failed apply, doubling per attempt (default 500 ms … 30 s). */
  retryBackoff?: RetryBackoff;
  /**
   * `replay: 'full'` only: the server deletes the durable after this long without a client (default
   * 1 h), so consumers of replicas that are gone for good do not pile up.
   */
  inactiveThresholdMs?: number;
}

export interface StateConsumerStats {
  applied: number;
  /** Events whose revision was not above the last applied one of their subject: acked, not applied. */
  skippedStale: number;
  /** Messages decode() refused: terminated. */
  poison: number;
  /** Deliveries that were redeliveries (after a nak, an ack timeout or a restart). */
  redelivered: number;
  /** apply() rejections (each one nak'd, or terminated when maxDeliver was reached). */
  applyFailures: number;
  /** Messages terminated after maxDeliver failed applies. */
  abandoned: number;
  /** Times the durable had to be created again after it vanished from the server. */
  consumerRecreated: number;
  /** Subjects with an applied revision (the size of the per-subject revision map). */
  subjects: number;
}

type Counters = Omit<StateConsumerStats, 'subjects'>;
type Lifecycle = 'new' | 'running' | 'stopping' | 'stopped';

const DEFAULTS = {
  ackWaitMs: 30_000,
  maxDeliver: -1,
  maxAckPending: 1000,
  pullBatch: 256,
  retryBackoff: { initialMs: 500, maxMs: 30_000 },
  inactiveThresholdMs: 60 * 60_000,
};
/** Pull requests: how long one waits on the server; heartbeats come every half of it. */
const PULL_EXPIRES_MS = 5000;
const REBIND_BACKOFF: RetryBackoff = { initialMs: 250, maxMs: 5000 };
const PROGRESS_POLL_MS = 1000;

/**
 * Follows a compacted state stream (DESIGN.md, "Data flow" 3–4) through a durable pull
 * consumer: decodes each event, drops the ones not newer than what was applied for their
 * subject, applies the rest one at a time, and acknowledges only after apply resolved.
 *
 * It keeps following across connection losses and server restarts: nats.js resumes pulling
 * after a reconnect by itself, and when the consumer or its stream is gone (a server restarted
 * without its store, an operator deleting it) the message iterator fails
 * (`abort_on_missing_resource`) and the consumer is created again here, replaying the last
 * state of every subject. Without that flag nats.js would only report "consumer not found"
 * and keep asking for it forever.
 */
export class StateConsumer<E> {
  /**
   * Resolves once the state of every subject the stream held at start is applied: the consumer
   * reached the end of the stream once with everything before it applied (see CatchUpTracker),
   * for readiness probes. Rejects with ConsumerStoppedError if stopped before.
   */
  readonly caughtUp: Promise<void>;

  private readonly opts: StateConsumerOptions<E> & typeof DEFAULTS;
  private readonly logger: BusLogger;
  private readonly context: string;
  private readonly lastRevision = new Map<string, number>();
  private readonly counters: Counters = {
    applied: 0,
    skippedStale: 0,
    poison: 0,
    redelivered: 0,
    applyFailures: 0,
    abandoned: 0,
    consumerRecreated: 0,
  };
  private readonly abort = new AbortController();
  private lifecycle: Lifecycle = 'new';
  private jsm?: JetStreamManager;
  private js?: JetStreamClient;
  private messages?: ConsumerMessages;
  private starting?: Promise<void>;
  private follow?: Promise<void>;
  private bound = false;
  private warnedLastPerSubject = false;
  private tracker?: CatchUpTracker;
  private catchUpSettled = false;
  private progressPoll?: ReturnType<typeof setInterval>;
  private readonly acks = new AckBatch();
  /** The message being applied, for keepApplyAlive. */
  private applying?: { m: JsMsg; since: number };
  private keepAlive?: ReturnType<typeof setInterval>;
  private settleCaughtUp!: { resolve: () => void; reject: (err: Error) => void };

  constructor(options: StateConsumerOptions<E>) {
    this.opts = {
      ...DEFAULTS,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as StateConsumerOptions<E> & typeof DEFAULTS;
    this.logger = options.logger ?? silentLogger;
    this.context = `StateConsumer ${options.stream}/${options.durableName}`;
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.settleCaughtUp = { resolve, reject };
    });
    // Nobody has to await it; a stop before catching up must not be an unhandled rejection.
    this.caughtUp.catch(() => undefined);
  }

  /**
   * Binds the durable and starts following in the background. If the stream or JetStream is not
   * there yet, it logs and keeps trying in the background (`caughtUp` waits); a consumer the
   * server refuses (a filter outside the stream, an existing durable with another deliver
   * policy) is an error thrown here. Start once; create a new instance to start again.
   */
  start(): Promise<void> {
    if (this.lifecycle !== 'new')
      return Promise.reject(new Error(`${this.context}: start() may be called once`));
    this.lifecycle = 'running';
    this.keepAlive = setInterval(() => this.keepApplyAlive(), this.opts.ackWaitMs / 3);
    this.keepAlive.unref();
    this.starting = this.firstBind();
    return this.starting;
  }

  private async firstBind(): Promise<void> {
    this.jsm = await jetstreamManager(this.opts.nc, { checkAPI: false });
    this.js = jetstream(this.opts.nc);
    try {
      await this.bind();
    } catch (err) {
      if (isRefusedConfig(err)) {
        clearInterval(this.keepAlive);
        this.lifecycle = 'stopped';
        this.finishCatchUp(err as Error);
        throw err;
      }
      this.logger.warn(`cannot bind yet: ${errorText(err)}; retrying in the background`, this.context);
    }
    this.follow = this.followLoop();
  }

  /**
   * Stops following: the event being applied finishes and is acknowledged, events received and
   * not yet applied are nak'd for prompt redelivery, then the loop ends. The durable stays.
   */
  async stop(): Promise<void> {
    if (this.lifecycle === 'new' || this.lifecycle === 'stopped') {
      this.lifecycle = 'stopped';
      this.finishCatchUp(new ConsumerStoppedError(`${this.context} stopped before it was started`));
      return;
    }
    if (this.lifecycle === 'running') {
      this.lifecycle = 'stopping';
      this.abort.abort();
    }
    await this.starting?.catch(() => undefined);
    this.messages?.stop();
    await this.follow;
    clearInterval(this.keepAlive);
    this.acks.flush();
    this.lifecycle = 'stopped';
    this.finishCatchUp(new ConsumerStoppedError(`${this.context} stopped before it caught up`));
  }

  stats(): StateConsumerStats {
    return { ...this.counters, subjects: this.lastRevision.size };
  }

  /** The last applied revision of a subject, if any. */
  revisionOf(subject: string): number | undefined {
    return this.lastRevision.get(subject);
  }

  private get running(): boolean {
    return this.lifecycle === 'running';
  }

  /**
   * How a new durable replays the stream. In a stream that keeps one message per subject (what
   * ensureStateStream creates) DeliverAll delivers exactly the last message of every subject, as
   * DeliverLastPerSubject would, without its skip list: nats-server 2.9.10 skips messages of that
   * skip list whenever the consumer hits max_ack_pending during the replay (seen here: with
   * max_ack_pending 100, stream sequences 101, 104, 106 … were never delivered and the ack floor
   * moved past them). A stream keeping more per subject gets DeliverLastPerSubject, with a warning.
   */
  private replayPolicy(si: StreamInfo): DeliverPolicy {
    if (si.config.max_msgs_per_subject === 1) return DeliverPolicy.All;
    if (!this.warnedLastPerSubject) {
      this.warnedLastPerSubject = true;
      this.logger.warn(
        `stream ${si.config.name} keeps more than one message per subject: replaying with ` +
          'DeliverLastPerSubject, which nats-server 2.9 can skip messages with when max_ack_pending is reached',
        this.context,
      );
    }
    return DeliverPolicy.LastPerSubject;
  }

  private consumerConfig(deliverPolicy: DeliverPolicy): Partial<ConsumerConfig> {
    const o = this.opts;
    return {
      durable_name: o.durableName,
      filter_subject: o.filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: deliverPolicy,
      ack_wait: nanos(o.ackWaitMs),
      max_deliver: o.maxDeliver,
      max_ack_pending: o.maxAckPending,
      ...(o.replay === 'full' ? { inactive_threshold: nanos(o.inactiveThresholdMs) } : {}),
    };
  }

  /**
   * Creates (or re-creates, or updates) the durable and starts pulling. The first bind of a
   * `full` consumer deletes the durable first: a replay from the start of the stream applies to a
   * new consumer only, and a full replay is the point.
   */
  private async bind(): Promise<void> {
    const jsm = this.jsm!;
    const { stream, durableName } = this.opts;
    const replayPolicy = this.replayPolicy(await jsm.streams.info(stream));
    let existing = await jsm.consumers.info(stream, durableName).catch((err: unknown) => {
      if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return undefined;
      throw err;
    });
    if (!this.bound && this.opts.replay === 'full' && existing) {
      await jsm.consumers.delete(stream, durableName).catch((err: unknown) => {
        if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      });
      existing = undefined;
    } else if (this.bound && !existing) {
      this.counters.consumerRecreated++;
      this.logger.warn(
        'the durable was gone (server restarted without its store, or deleted); recreating it: ' +
          'the last state of every subject is replayed',
        this.context,
      );
    }
    // A durable's deliver policy cannot be changed; one created otherwise keeps its own.
    const deliverPolicy = existing?.config.deliver_policy ?? replayPolicy;
    const ci = await jsm.consumers.add(stream, this.consumerConfig(deliverPolicy));
    if (!this.catchUpSettled) this.trackReplay(ci);
    const consumer = this.js!.consumers.getConsumerFromInfo(ci);
    const messages = await consumer.consume({
      max_messages: Math.min(this.opts.pullBatch, this.opts.maxAckPending),
      expires: PULL_EXPIRES_MS,
      abort_on_missing_resource: true,
    });
    this.messages = messages;
    void this.watchStatus(messages);
    if (!this.running) messages.stop();
    this.logger.log(
      `${this.bound ? 'bound again' : 'bound'}: ${ci.num_pending} pending, ${ci.num_ack_pending} unacknowledged`,
      this.context,
    );
    this.bound = true;
  }

  private trackReplay(ci: ConsumerInfo): void {
    this.tracker = new CatchUpTracker({
      pending: ci.num_pending,
      ackPending: ci.num_ack_pending,
      deliveredSeq: ci.delivered.stream_seq,
    });
    this.checkCaughtUp();
    if (!this.catchUpSettled && !this.progressPoll) {
      this.progressPoll = setInterval(() => void this.pollProgress(), PROGRESS_POLL_MS);
      this.progressPoll.unref();
    }
  }

  private async pollProgress(): Promise<void> {
    try {
      const ci = await this.jsm!.consumers.info(this.opts.stream, this.opts.durableName);
      this.tracker?.observe(ci);
      this.checkCaughtUp();
    } catch {
      // Only a backstop: the follow loop reports what is wrong with the consumer.
    }
  }

  private checkCaughtUp(): void {
    if (this.catchUpSettled || !this.tracker?.caughtUp) return;
    this.logger.log(`caught up: ${this.lastRevision.size} subjects applied`, this.context);
    this.finishCatchUp();
  }

  private finishCatchUp(err?: Error): void {
    clearInterval(this.progressPoll);
    this.progressPoll = undefined;
    if (this.catchUpSettled) return;
    this.catchUpSettled = true;
    if (err) this.settleCaughtUp.reject(err);
    else this.settleCaughtUp.resolve();
  }

  private async followLoop(): Promise<void> {
    while (this.running) {
      if (this.messages && (await this.drain(this.messages))) break;
      this.messages = undefined;
      if (!(await this.bindUntilBound())) break;
    }
  }

  /** Handles messages until the iterator ends; true when following should end for good. */
  private async drain(messages: ConsumerMessages): Promise<boolean> {
    try {
      for await (const m of messages) {
        if (this.running) await this.handle(m);
        else this.acks.add(m, (x) => x.nak());
      }
      if (!this.running) return true;
      if (this.connectionClosed()) return true;
      this.logger.warn('message delivery ended; binding the consumer again', this.context);
    } catch (err) {
      if (!this.running) return true;
      this.logger.warn(
        `message delivery failed: ${errorText(err)}; binding the consumer again`,
        this.context,
      );
    }
    return false;
  }

  /** Binds again, with backoff; false when following should end (stopped, connection closed). */
  private async bindUntilBound(): Promise<boolean> {
    for (let attempt = 1; this.running; attempt++) {
      if (this.connectionClosed()) return false;
      try {
        await this.bind();
        return true;
      } catch (err) {
        const wait = redeliveryDelayMs(attempt, REBIND_BACKOFF);
        const log = isRefusedConfig(err) ? this.logger.error : this.logger.warn;
        log.call(
          this.logger,
          `bind attempt ${attempt} failed: ${errorText(err)}; next in ${wait} ms`,
          this.context,
        );
        await abortableDelay(wait, this.abort.signal);
      }
    }
    return false;
  }

  /** connectBus reconnects forever, so a closed connection was closed on purpose: nothing to follow. */
  private connectionClosed(): boolean {
    if (!this.opts.nc.isClosed()) return false;
    this.logger.error('the connection is closed; no longer following', this.context);
    this.finishCatchUp(
      new ConsumerStoppedError(`${this.context}: the connection closed before it caught up`),
    );
    return true;
  }

  private async handle(m: JsMsg): Promise<void> {
    const { subject } = m;
    if (m.redelivered) this.counters.redelivered++;
    let event: E;
    let revision: number;
    try {
      event = this.opts.decode(subject, m.data);
      revision = this.opts.revisionOf(event);
      if (!Number.isFinite(revision)) throw new Error(`revision ${String(revision)} is not a number`);
    } catch (err) {
      this.counters.poison++;
      this.logger.error(
        `poison message on ${subject} (stream seq ${m.seq}), terminated: ${errorText(err)}`,
        this.context,
      );
      this.acks.add(m, (x) => x.term(`undecodable: ${errorText(err)}`.slice(0, 200)));
      return this.handled(m, 'done');
    }
    const last = this.lastRevision.get(subject);
    if (last !== undefined && revision <= last) {
      this.counters.skippedStale++;
      this.acks.add(m, (x) => x.ack());
      return this.handled(m, 'done');
    }
    this.applying = { m, since: performance.now() };
    try {
      await this.opts.apply(subject, event);
    } catch (err) {
      return this.applyFailed(m, revision, err);
    } finally {
      this.applying = undefined;
    }
    this.lastRevision.set(subject, revision);
    this.counters.applied++;
    this.acks.add(m, (x) => x.ack());
    this.handled(m, 'done');
  }

  /** Tells the server the message being applied is still being worked on, if it takes long. */
  private keepApplyAlive(): void {
    const current = this.applying;
    if (current && performance.now() - current.since >= this.opts.ackWaitMs / 3)
      settle(current.m, (x) => x.working());
  }

  private applyFailed(m: JsMsg, revision: number, err: unknown): void {
    this.counters.applyFailures++;
    const attempt = m.info.deliveryCount;
    const what = `apply of ${m.subject} revision ${revision} failed (delivery ${attempt})`;
    if (this.opts.maxDeliver > 0 && attempt >= this.opts.maxDeliver) {
      this.counters.abandoned++;
      this.logger.error(`${what}: ${errorText(err)}; max deliveries reached, abandoned`, this.context);
      this.acks.add(m, (x) => x.term(`apply failed ${attempt} times`));
      return this.handled(m, 'done');
    }
    const delay = redeliveryDelayMs(attempt, this.opts.retryBackoff);
    this.logger.warn(`${what}: ${errorText(err)}; redelivery in ${delay} ms`, this.context);
    this.acks.add(m, (x) => x.nak(delay));
    this.handled(m, 'retry');
  }

  private handled(m: JsMsg, outcome: HandledOutcome): void {
    if (this.catchUpSettled) return;
    this.tracker?.handled(m.subject, m.seq, m.info.pending, outcome);
    this.checkCaughtUp();
  }

  /** Logs what nats.js reports about the pull consumer; recovery itself happens in followLoop. */
  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const s of messages.status()) logConsumerNotification(s, this.logger, this.context);
    } catch (err) {
      this.logger.warn(`consumer notifications ended: ${errorText(err)}`, this.context);
    }
  }
}

/** working() publishes on the connection; a closed connection must not break the loop. */
function settle(m: JsMsg, action: (m: JsMsg) => void): void {
  try {
    action(m);
  } catch {
    // The server redelivers what was not acknowledged.
  }
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** The server answered and refused the consumer: retrying the same request will not help. */
function isRefusedConfig(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    err.code !== JetStreamApiCodes.StreamNotFound &&
    err.code !== JetStreamApiCodes.ConsumerNotFound &&
    err.status !== 503
  );
}
