import type { BusConnection } from './bus-connection';
import { retryBounded, type BoundedRetryOptions } from './bounded-retry';
import type { PublishFailure } from './errors';
import { BusPublishError } from './errors';
import { errorText, silentLogger, type BusLogger } from './logger';
import {
  assertPublishableBatch,
  publishCheckedBatch,
  type OutboundMessage,
  type PublishBatchResult,
} from './publish';
import type { RetryBackoff } from './retry';
import { isTransientBusError } from './transient';

export interface BusPublisherOptions {
  /**
   * Bound of one attempt: it fails when an acknowledgement is this overdue (default 5000 ms). A
   * dropped link ends an attempt at once, whatever this says.
   */
  attemptTimeoutMs?: number;
  /** Messages sent but not yet acknowledged, at most (default 1024). */
  maxInFlight?: number;
  /** Pause after a failed attempt while connected (default 50 ms doubling to 2 s, jittered). */
  backoff?: RetryBackoff;
  logger?: BusLogger;
  /** For logs: who publishes (e.g. "outbox relay"). */
  context?: string;
}

export interface PublishOptions {
  /** Sent as `Nats-Expected-Stream`: refuse to store into any other stream. */
  expectedStream?: string;
  /**
   * The whole publish, retries included, ends within this long: rejected with BusDeadlineError
   * (its cause is the last attempt's error). Without it, it retries until stored or `signal`.
   */
  deadlineMs?: number;
  signal?: AbortSignal;
  /**
   * Failures that end the publish at once (thrown as the BusPublishError) instead of being
   * retried: e.g. `no-stream` for a caller that re-creates its stream itself.
   */
  failFastOn?: readonly PublishFailure[];
}

export interface PublishOutcome extends PublishBatchResult {
  /** Attempts it took (1: stored at the first). */
  attempts: number;
}

export interface BusPublisherStats {
  batches: number;
  attempts: number;
  /** Failed attempts by reason. */
  failures: Record<PublishFailure, number>;
  /** The longest single attempt, in ms: what "no publish waits longer than its bound" is about. */
  longestAttemptMs: number;
}

/**
 * Publishes batches to JetStream until they are stored: the one way every service publishes
 * (the registry's outbox relay, ipam's verdicts, routing's and dns' events to come).
 *
 * Each attempt is publishBatchInOrder, bounded by `attemptTimeoutMs` and cut short when the link
 * drops; retries follow retryBounded (wait for the reconnect while down, jittered backoff while
 * up). A retry re-sends the whole batch with the same `Nats-Msg-Id`s, so what the failed attempt
 * got stored is dropped as a duplicate: within the stream's duplicate window, a message is stored
 * once however many attempts it took. Batches must hold each subject once (assertPublishableBatch).
 */
export class BusPublisher {
  private readonly logger: BusLogger;
  private readonly context: string;
  private readonly counters: BusPublisherStats = {
    batches: 0,
    attempts: 0,
    failures: { disconnected: 0, timeout: 0, 'no-stream': 0, refused: 0, closed: 0 },
    longestAttemptMs: 0,
  };

  constructor(
    private readonly bus: BusConnection,
    private readonly options: BusPublisherOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.context = options.context ?? `BusPublisher ${bus.name}`;
  }

  stats(): BusPublisherStats {
    return { ...this.counters, failures: { ...this.counters.failures } };
  }

  async publish(messages: readonly OutboundMessage[], options: PublishOptions = {}): Promise<PublishOutcome> {
    assertPublishableBatch(messages); // a caller's bug: thrown before anything is sent, never retried
    if (messages.length === 0) return { stored: 0, duplicates: 0, attempts: 0 };
    this.counters.batches++;
    let attempts = 0;
    const retry: BoundedRetryOptions = {
      ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      isRetryable: (err) =>
        isTransientBusError(err) &&
        !(err instanceof BusPublishError && options.failFastOn?.includes(err.reason)),
      onRetry: (err, attempt, waitMs) => {
        // The first failures of an outage are news; the rest repeat them.
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `publish of ${messages.length} messages, attempt ${attempt} failed: ${errorText(err)}; ` +
              (waitMs > 0 ? `retrying in ${waitMs} ms` : 'retrying once reconnected'),
            this.context,
          );
        }
      },
    };
    const result = await retryBounded(
      this.bus,
      `publish of ${messages.length} messages`,
      async ({ nc, link, settleBy }) => {
        attempts++;
        this.counters.attempts++;
        const began = performance.now();
        try {
          return await publishCheckedBatch(nc, messages, {
            ...(this.options.attemptTimeoutMs !== undefined
              ? { timeoutMs: this.options.attemptTimeoutMs }
              : {}),
            ...(this.options.maxInFlight !== undefined ? { maxInFlight: this.options.maxInFlight } : {}),
            ...(options.expectedStream ? { expectedStream: options.expectedStream } : {}),
            ...(settleBy !== undefined ? { settleBy } : {}),
            linkLost: link,
          });
        } catch (err) {
          if (err instanceof BusPublishError) this.counters.failures[err.reason]++;
          throw err;
        } finally {
          this.counters.longestAttemptMs = Math.max(
            this.counters.longestAttemptMs,
            performance.now() - began,
          );
        }
      },
      retry,
    );
    if (attempts > 1)
      this.logger.log(`published ${messages.length} messages after ${attempts} attempts`, this.context);
    return { ...result, attempts };
  }
}
