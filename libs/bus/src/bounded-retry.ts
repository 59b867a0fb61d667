import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { BusConnection } from './bus-connection';
import { BusDeadlineError } from './errors';
import { errorText } from './logger';
import { abortableDelay, jitteredDelayMs, type RetryBackoff } from './retry';
import { isTransientBusError } from './transient';

export interface BoundedRetryOptions {
  /**
   * Give up after this long with a BusDeadlineError whose `cause` is the last attempt's error.
   * Without it the operation is retried until it succeeds, fails for good, or `signal` aborts.
   */
  deadlineMs?: number;
  /** Stops the retries (a service shutting down): rejects with BusDeadlineError at once. */
  signal?: AbortSignal;
  /** Pause after a failed attempt while the link is up (default 50 ms doubling to 2 s, jittered). */
  backoff?: RetryBackoff;
  /** Which errors are retried (default isTransientBusError); any other is thrown at once. */
  isRetryable?: (err: unknown) => boolean;
  /** Told of every failed attempt that will be retried, for logs and metrics. */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 50, maxMs: 2000 };

/** What one attempt is given: the connection, the link it runs on, and when it must have settled. */
export interface AttemptContext {
  nc: NatsConnection;
  /** Aborted when the link drops: an attempt waiting for answers should end at once. */
  link: AbortSignal;
  /** `performance.now()` by which the attempt must settle (the overall deadline), if any. */
  settleBy: number | undefined;
  attempt: number;
}

/**
 * Runs `attempt` until it succeeds, within a deadline. The one retry policy of the bus, used for
 * publishing (BusPublisher) and for JetStream API requests:
 * - while the link is down it does not attempt at all, it waits for the reconnect: what is sent
 *   into a dropped connection is discarded by nats.js, so the attempt could only time out;
 * - after a failure on a live link it backs off (jittered, doubling), and the backoff starts
 *   again from the smallest step on every new link, so a service publishes right after NATS is
 *   back instead of finishing a backoff it built up during the outage;
 * - a non-transient error is thrown at once; the deadline and `signal` bound the whole.
 */
export async function retryBounded<T>(
  bus: BusConnection,
  what: string,
  attempt: (ctx: AttemptContext) => Promise<T>,
  options: BoundedRetryOptions = {},
): Promise<T> {
  const started = performance.now();
  const settleBy = options.deadlineMs === undefined ? undefined : started + options.deadlineMs;
  const remaining = () => (settleBy === undefined ? undefined : Math.max(0, settleBy - performance.now()));
  const retryable = options.isRetryable ?? isTransientBusError;
  const backoff = options.backoff ?? DEFAULT_RETRY_BACKOFF;
  let lastError: unknown;
  let failuresOnLink = 0;
  let link: AbortSignal | undefined;
  for (let n = 1; ; n++) {
    const giveUp = (why: string) =>
      new BusDeadlineError(
        `${what}: ${why} after ${n - 1} attempt(s)${lastError === undefined ? '' : `; last error: ${errorText(lastError)}`}`,
        n - 1,
        lastError === undefined ? undefined : { cause: lastError },
      );
    if (options.signal?.aborted) throw giveUp('stopped');
    const left = remaining();
    if (left === 0) throw giveUp(`no success within ${options.deadlineMs} ms`);
    let nc: NatsConnection;
    try {
      nc = await bus.whenConnected({ timeoutMs: left, signal: options.signal });
    } catch (err) {
      if (err instanceof BusDeadlineError) {
        throw giveUp(
          options.signal?.aborted ? 'stopped' : `NATS not connected within ${options.deadlineMs} ms`,
        );
      }
      throw err;
    }
    const current = bus.linkSignal();
    if (current !== link) {
      link = current;
      failuresOnLink = 0;
    }
    try {
      return await attempt({ nc, link: current, settleBy, attempt: n });
    } catch (err) {
      if (!retryable(err)) throw err;
      lastError = err;
    }
    // Dropped meanwhile: the next turn waits for the reconnect instead of a backoff.
    if (current.aborted) {
      options.onRetry?.(lastError, n, 0);
      continue;
    }
    failuresOnLink++;
    const wait = Math.min(jitteredDelayMs(failuresOnLink, backoff), remaining() ?? Infinity);
    options.onRetry?.(lastError, n, wait);
    await abortableDelay(wait, anyOf(options.signal, current));
  }
}

/** Aborted as soon as one of them is (a dropped link cuts a backoff short, too). */
function anyOf(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/**
 * A JetStream API call (stream or consumer info, create, update, delete) under the same policy:
 * each request is bounded by the connection's request timeout, and retried while the error is
 * transient (server restarting, JetStream starting, no stream leader yet).
 */
export function retryJetStream<T>(
  bus: BusConnection,
  what: string,
  call: (jsm: JetStreamManager) => Promise<T>,
  options: BoundedRetryOptions = {},
): Promise<T> {
  return retryBounded(bus, what, async () => call(await bus.jetstreamManager()), options);
}
