/**
 * Errors of the bus library: one class per failure a caller handles differently, each with a
 * stable `code` (for logs and metrics) and the underlying NATS error as `cause`.
 */
export type BusErrorCode =
  | 'BUS_PUBLISH_FAILED'
  | 'BUS_BATCH_INVALID'
  | 'BUS_STREAM_CONFLICT'
  | 'BUS_CONSUMER_STOPPED'
  | 'BUS_DEADLINE_EXCEEDED';

/**
 * Why one publish attempt failed, which decides how a retry waits:
 * - `disconnected`: the connection dropped (or was down) with acknowledgements outstanding. The
 *   acknowledgements cannot arrive any more (nats.js discards what it buffered for the old
 *   connection), so the attempt ends at once and the retry waits for the reconnect.
 * - `timeout`: no acknowledgement within the attempt's bound (a server that accepted the
 *   message and died, a stream leader being elected).
 * - `no-stream`: no stream listens on the subject (JetStream still starting, the stream lost).
 * - `refused`: JetStream answered with an error (wrong expected stream, a limit, no leader).
 * - `closed`: the connection was closed for good; retrying cannot help.
 */
export type PublishFailure = 'disconnected' | 'timeout' | 'no-stream' | 'refused' | 'closed';

export abstract class BusError extends Error {
  abstract readonly code: BusErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A publish of a batch was not acknowledged by JetStream (timeout, no stream for the subject,
 * a stream limit, connection closed). Messages before and after it may or may not be stored:
 * retry the whole batch; de-duplication by `Nats-Msg-Id` makes that harmless.
 */
export class BusPublishError extends BusError {
  override readonly name = 'BusPublishError';
  readonly code = 'BUS_PUBLISH_FAILED' as const;
  constructor(
    message: string,
    readonly subject: string,
    readonly msgId: string,
    /** Acknowledgements received before the failure (the batch is still to be retried as a whole). */
    readonly acked: number,
    readonly reason: PublishFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A batch that cannot be published safely (a subject or msgId twice); a caller's bug, never retried. */
export class BusBatchError extends BusError {
  override readonly name = 'BusBatchError';
  readonly code = 'BUS_BATCH_INVALID' as const;
}

/** The stream exists with settings that cannot be changed in place (e.g. its storage type). */
export class BusStreamConflictError extends BusError {
  override readonly name = 'BusStreamConflictError';
  readonly code = 'BUS_STREAM_CONFLICT' as const;
}

/** `caughtUp` of a StateConsumer that was stopped before it caught up. */
export class ConsumerStoppedError extends BusError {
  override readonly name = 'ConsumerStoppedError';
  readonly code = 'BUS_CONSUMER_STOPPED' as const;
}

/**
 * A bounded operation (a publish retried until stored, a JetStream request retried until it is
 * answered) ran out of its deadline. `cause` is the last attempt's error.
 */
export class BusDeadlineError extends BusError {
  override readonly name = 'BusDeadlineError';
  readonly code = 'BUS_DEADLINE_EXCEEDED' as const;
  constructor(
    message: string,
    /** Attempts made before the deadline. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
