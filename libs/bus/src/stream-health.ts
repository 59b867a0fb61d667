import { JetStreamApiError } from '@nats-io/jetstream';
import { BusDeadlineError, BusPublishError } from './errors';

/** JetStream's JSStreamStoreFailedF: the stream could not write the message to its store. */
export const STREAM_STORE_FAILED = 10077;

/**
 * True when a publish failed because the stream's store refused the write (a storage error on
 * the server), directly or as the last error of a publish that ran out of its deadline.
 */
export function isStoreFailure(err: unknown): boolean {
  const e = err instanceof BusDeadlineError ? err.cause : err;
  return (
    e instanceof BusPublishError &&
    e.reason === 'refused' &&
    e.cause instanceof JetStreamApiError &&
    e.cause.code === STREAM_STORE_FAILED
  );
}

/**
 * Whether a stream has refused every write with a store failure for long enough to be rebuilt.
 * Pure: the caller passes the time. nats-server 2.9 can leave a file stream in a state where
 * every write fails ("error opening msg block file … no such file or directory": seen here after
 * the stream was deleted and created again, and reported upstream after restarts) and does not
 * recover by itself; a publisher whose stream is a copy of its own database can delete it and
 * publish its whole state into a new one. A success, or any other failure, ends the streak.
 */
export class StreamWriteHealth {
  private failingSince: number | undefined;

  constructor(private readonly rebuildAfterMs: number) {}

  /** Records one publish outcome: the error it failed with, or undefined for a success. */
  record(err: unknown, now: number): void {
    if (err !== undefined && isStoreFailure(err)) this.failingSince ??= now;
    else this.failingSince = undefined;
  }

  /** How long every write has been refused, or 0. */
  failingForMs(now: number): number {
    return this.failingSince === undefined ? 0 : now - this.failingSince;
  }

  rebuildDue(now: number): boolean {
    return this.failingSince !== undefined && now - this.failingSince >= this.rebuildAfterMs;
  }

  /** After a rebuild: the new stream starts with a clean record. */
  reset(): void {
    this.failingSince = undefined;
  }
}
