import { JetStreamApiError, type ApiError } from '@nats-io/jetstream';
import {
  createInbox,
  headers,
  type Match,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { BusBatchError, BusPublishError, type PublishFailure } from './errors';

export interface OutboundMessage {
  subject: string;
  data: Uint8Array;
  /** Sent as `Nats-Msg-Id`: JetStream drops a second message with the same id (de-duplication). */
  msgId: string;
}

export interface PublishBatchOptions {
  /** How long one message may wait for its acknowledgement (default 5000 ms). */
  timeoutMs?: number;
  /** Messages sent but not yet acknowledged, at most (default 1024). */
  maxInFlight?: number;
  /** Sent as `Nats-Expected-Stream`: refuse to store into any other stream (a misrouted subject). */
  expectedStream?: string;
  /**
   * Aborted when the connection drops (BusConnection.linkSignal()). The attempt then fails at
   * once with reason `disconnected` instead of waiting out its timeout: nats.js discards what it
   * buffered for a dropped connection (ProtocolHandler.prepare() resets the outbound buffer at
   * every dial), and the server's acknowledgements for the old connection go nowhere, so none of
   * the outstanding acknowledgements can arrive any more. Already aborted: nothing is sent.
   */
  linkLost?: AbortSignal;
  /**
   * `performance.now()` by which the whole attempt must have settled (a caller's overall
   * deadline); without it an attempt ends only when an acknowledgement is overdue.
   */
  settleBy?: number;
}

export interface PublishBatchResult {
  /** Newly stored messages. */
  stored: number;
  /** Messages JetStream already had (same msgId within the stream's duplicate window). */
  duplicates: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_IN_FLIGHT = 1024;
const utf8 = new TextDecoder();

/**
 * Publishes a batch to JetStream in order and resolves once every message is acknowledged:
 * what an outbox relay needs before it marks the rows published.
 *
 * Messages are pipelined on the one connection (up to `maxInFlight` unacknowledged), so the
 * server receives and stores them in the order given while the round trips overlap. This does
 * not go through `js.publish()`: that creates a request with its own timer per message, which
 * limited it to about a quarter of this throughput here; one reply subscription and one timer
 * for the batch do the same work.
 *
 * Every attempt is bounded: it settles within `timeoutMs` of its oldest unacknowledged message
 * being sent, at once when `linkLost` aborts, or when the connection closes. BusPublisher retries
 * it until stored; use that unless the caller has its own retry loop.
 *
 * On any failure the promise rejects with a BusPublishError and nothing more is sent; messages
 * around the failed one may or may not be stored, and the caller retries the same batch:
 * de-duplication by `Nats-Msg-Id` turns the already stored ones into duplicates.
 *
 * A batch must not carry the same subject twice. In a compacted stream (last message per
 * subject) the retry is what makes that unsafe: if the first message of subject S failed and a
 * later one of S was stored, the retry stores the first one again, after the later one, and the
 * stream is left holding the older state of S. With each subject at most once per batch, and
 * the next batch only sent after this one fully succeeded, a retry can only re-store a
 * message that is still the newest of its subject. Coalesce per subject (keep the newest) first.
 */
export async function publishBatchInOrder(
  nc: NatsConnection,
  messages: readonly OutboundMessage[],
  options: PublishBatchOptions = {},
): Promise<PublishBatchResult> {
  assertPublishableBatch(messages);
  return publishCheckedBatch(nc, messages, options);
}

/** publishBatchInOrder of a batch that passed assertPublishableBatch (BusPublisher checks it once). */
export async function publishCheckedBatch(
  nc: NatsConnection,
  messages: readonly OutboundMessage[],
  options: PublishBatchOptions = {},
): Promise<PublishBatchResult> {
  if (messages.length === 0) return { stored: 0, duplicates: 0 };
  return new BatchPublish(nc, messages, options).run();
}

/** Throws BusBatchError for a batch that would not be safe to retry (see publishBatchInOrder). */
export function assertPublishableBatch(messages: readonly OutboundMessage[]): void {
  const subjects = new Map<string, number>();
  const ids = new Map<string, number>();
  messages.forEach((m, i) => {
    if (!m.subject || /[\s*>]/.test(m.subject)) {
      throw new BusBatchError(`message ${i}: "${m.subject}" is not a subject a message can be published on`);
    }
    if (!m.msgId) throw new BusBatchError(`message ${i} (${m.subject}) has no msgId`);
    if (/[\r\n]/.test(m.msgId)) {
      throw new BusBatchError(`message ${i} (${m.subject}): a msgId cannot hold a line break`);
    }
    const s = subjects.get(m.subject);
    if (s !== undefined) {
      throw new BusBatchError(
        `messages ${s} and ${i} have the same subject ${m.subject}; a batch may carry each subject once ` +
          `(keep the newest state per subject), or a retry could leave the older state in the stream`,
      );
    }
    subjects.set(m.subject, i);
    const d = ids.get(m.msgId);
    if (d !== undefined) {
      throw new BusBatchError(
        `messages ${d} and ${i} have the same msgId ${m.msgId}; the second would be dropped`,
      );
    }
    ids.set(m.msgId, i);
  });
}

/** One run of publishBatchInOrder: the window, the acknowledgements and the deadline. */
class BatchPublish {
  private readonly inbox = createInbox();
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly acked: Uint8Array;
  private readonly sentAt: Float64Array;
  /** The `Nats-Expected-Stream` header line of every message ('' without one). */
  private readonly expectedStreamLine: string;
  private next = 0;
  private ackCount = 0;
  /** Lowest index not yet acknowledged: the oldest message in flight. */
  private oldest = 0;
  private stored = 0;
  private duplicates = 0;
  private settled = false;
  private settle?: { resolve: (r: PublishBatchResult) => void; reject: (e: BusPublishError) => void };
  private sub?: Subscription;
  private timer?: ReturnType<typeof setInterval>;
  private readonly onLinkLost = () =>
    this.fail(this.oldest, 'the connection dropped', undefined, 'disconnected');

  constructor(
    private readonly nc: NatsConnection,
    private readonly messages: readonly OutboundMessage[],
    private readonly options: PublishBatchOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.acked = new Uint8Array(messages.length);
    this.expectedStreamLine = options.expectedStream
      ? `Nats-Expected-Stream: ${headerValue(options.expectedStream)}\r\n`
      : '';
    this.sentAt = new Float64Array(messages.length);
  }

  run(): Promise<PublishBatchResult> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      if (this.nc.isClosed()) {
        this.fail(0, 'connection closed', undefined, 'closed');
        return;
      }
      if (this.options.linkLost?.aborted) {
        this.fail(
          0,
          'not connected (messages would be discarded at the reconnect)',
          undefined,
          'disconnected',
        );
        return;
      }
      this.options.linkLost?.addEventListener('abort', this.onLinkLost);
      try {
        this.sub = this.nc.subscribe(`${this.inbox}.*`, {
          callback: (err, msg) => {
            if (err) this.fail(this.oldest, `reply subscription failed: ${err.message}`, err, 'disconnected');
            else this.onAck(msg);
          },
        });
      } catch (err) {
        this.fail(
          0,
          `cannot subscribe for acknowledgements: ${(err as Error).message}`,
          err,
          failureOf(this.nc),
        );
        return;
      }
      this.timer = setInterval(() => this.checkDeadline(), Math.max(10, Math.min(250, this.timeoutMs / 4)));
      this.pump();
    });
  }

  private finish(err?: BusPublishError): void {
    if (this.settled) return;
    this.settled = true;
    clearInterval(this.timer);
    this.options.linkLost?.removeEventListener('abort', this.onLinkLost);
    try {
      this.sub?.unsubscribe();
    } catch {
      // a closed connection: the subscription went with it
    }
    if (err) this.settle?.reject(err);
    else this.settle?.resolve({ stored: this.stored, duplicates: this.duplicates });
  }

  private pump(): void {
    const now = performance.now();
    while (
      !this.settled &&
      this.next < this.messages.length &&
      this.next - this.ackCount < this.maxInFlight
    ) {
      const i = this.next;
      const m = this.messages[i]!;
      try {
        this.nc.publish(m.subject, m.data, {
          reply: `${this.inbox}.${i}`,
          headers: new EncodedHeaders(m.msgId, this.expectedStreamLine),
        });
      } catch (err) {
        this.fail(i, `could not send: ${(err as Error).message}`, err, failureOf(this.nc));
        return;
      }
      this.sentAt[i] = now;
      this.next++;
    }
  }

  private onAck(msg: Msg): void {
    if (this.settled) return;
    const i = Number(msg.subject.slice(this.inbox.length + 1));
    if (!Number.isInteger(i) || i < 0 || i >= this.next || this.acked[i]) return;
    if (msg.headers?.hasError) {
      // 503 from the server itself: no stream listens on this subject.
      const reason = msg.headers.code === 503 ? 'no stream stores this subject' : msg.headers.description;
      this.fail(
        i,
        `not stored: ${reason} (status ${msg.headers.code})`,
        undefined,
        msg.headers.code === 503 ? 'no-stream' : 'refused',
      );
      return;
    }
    let ack: { error?: ApiError; duplicate?: boolean };
    try {
      ack = readAck(msg.data);
    } catch (err) {
      this.fail(i, 'unreadable acknowledgement', err, 'refused');
      return;
    }
    if (ack.error) {
      this.fail(
        i,
        `refused by JetStream: ${ack.error.description}`,
        new JetStreamApiError(ack.error),
        'refused',
      );
      return;
    }
    this.acked[i] = 1;
    this.ackCount++;
    if (ack.duplicate) this.duplicates++;
    else this.stored++;
    if (this.ackCount === this.messages.length) this.finish();
    else this.pump();
  }

  private checkDeadline(): void {
    if (this.settled) return;
    while (this.oldest < this.next && this.acked[this.oldest]) this.oldest++;
    if (this.nc.isClosed()) {
      this.fail(this.oldest, 'connection closed', undefined, 'closed');
    } else if (this.options.settleBy !== undefined && performance.now() > this.options.settleBy) {
      this.fail(this.oldest, 'the deadline of the publish passed', undefined, 'timeout');
    } else if (this.oldest < this.next && performance.now() - this.sentAt[this.oldest]! > this.timeoutMs) {
      this.fail(this.oldest, `no acknowledgement within ${this.timeoutMs} ms`, undefined, 'timeout');
    }
  }

  private fail(i: number, reason: string, cause: unknown, failure: PublishFailure): void {
    const m = this.messages[Math.min(i, this.messages.length - 1)]!;
    this.finish(
      new BusPublishError(
        `publish of ${m.subject} (msgId ${m.msgId}, message ${i + 1} of ${this.messages.length}) failed: ${reason}`,
        m.subject,
        m.msgId,
        this.ackCount,
        failure,
        cause === undefined ? undefined : { cause },
      ),
    );
  }
}

function failureOf(nc: NatsConnection): PublishFailure {
  return nc.isClosed() ? 'closed' : 'disconnected';
}

const ERROR_KEY = bytesOf('"error"');
const DUPLICATE_KEY = bytesOf('"duplicate"');
const DUPLICATE_TRUE = bytesOf('"duplicate":true');
const STORED = { duplicate: false };
const DUPLICATE = { duplicate: true };

/**
 * A JetStream publish acknowledgement: `{"stream":"S","seq":7}`, `{…,"duplicate":true}` or
 * `{"error":{…}}`. Most are read without decoding and parsing them: inside a JSON string every
 * quote is escaped, so an unescaped `"error"` or `"duplicate"` can only be a key (or, for
 * `"error"`, a stream named so). Anything but a plain ack (an error, a `"duplicate"` not
 * followed by `:true`, not an object) is parsed.
 */
export function readAck(data: Uint8Array): { error?: ApiError; duplicate?: boolean } {
  if (data[0] === 0x7b /* { */ && indexOfBytes(data, ERROR_KEY) < 0) {
    if (indexOfBytes(data, DUPLICATE_KEY) < 0) return STORED;
    if (indexOfBytes(data, DUPLICATE_TRUE) >= 0) return DUPLICATE;
  }
  return JSON.parse(utf8.decode(data)) as { error?: ApiError; duplicate?: boolean };
}

function bytesOf(ascii: string): Uint8Array {
  return Uint8Array.from(ascii, (c) => c.charCodeAt(0));
}

function indexOfBytes(data: Uint8Array, pattern: Uint8Array): number {
  const first = pattern[0]!;
  const last = data.length - pattern.length;
  outer: for (let i = 0; i <= last; i++) {
    if (data[i] !== first) continue;
    for (let j = 1; j < pattern.length; j++) if (data[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

/** A header value as nats.js sets it: no line breaks, trimmed (MsgHdrsImpl.validHeaderValue). */
function headerValue(v: string): string {
  if (/[\r\n]/.test(v))
    throw new BusBatchError(`a header value cannot hold a line break: ${JSON.stringify(v)}`);
  return v.trim();
}

/**
 * The headers of one message (`Nats-Msg-Id`, and `Nats-Expected-Stream` when asked for), with
 * their wire form written in one go. nats.js' headers() object (a Map of arrays, validation,
 * a string built line by line and encoded) cost more per message than the rest of the publish
 * (docs/BENCHMARKS.md, issue 10 §5). nats.js sends what `encode()` returns, as for its own
 * headers (ProtocolHandler.publish); the publish tests against the server check the headers
 * arrive (de-duplication by msgId, a refused expected stream). The reading methods exist for
 * the MsgHdrs interface and are not on the hot path.
 */
class EncodedHeaders implements MsgHdrs {
  readonly hasError = false;
  readonly status = '';
  readonly code = 0;
  readonly description = '';

  constructor(
    private readonly msgId: string,
    /** Further header lines, each ending in CRLF. */
    private readonly more: string,
  ) {}

  encode(): Uint8Array {
    return Buffer.from(`NATS/1.0\r\nNats-Msg-Id: ${this.msgId.trim()}\r\n${this.more}\r\n`);
  }

  private decoded(): MsgHdrs {
    const h = headers();
    h.set('Nats-Msg-Id', this.msgId);
    const stream = /^Nats-Expected-Stream: (.*)\r\n$/.exec(this.more)?.[1];
    if (stream !== undefined) h.set('Nats-Expected-Stream', stream);
    return h;
  }
  [Symbol.iterator](): Iterator<[string, string[]]> {
    return this.decoded()[Symbol.iterator]();
  }
  get(k: string, match?: Match): string {
    return this.decoded().get(k, match);
  }
  has(k: string, match?: Match): boolean {
    return this.decoded().has(k, match);
  }
  keys(): string[] {
    return this.decoded().keys();
  }
  values(k: string, match?: Match): string[] {
    return this.decoded().values(k, match);
  }
  last(k: string, match?: Match): string {
    return this.decoded().last(k, match);
  }
  set(): void {
    throw new Error('EncodedHeaders are read-only');
  }
  append(): void {
    throw new Error('EncodedHeaders are read-only');
  }
  delete(): void {
    throw new Error('EncodedHeaders are read-only');
  }
}
