// The public surface of @isthmus/bus: connection, state streams, bounded publishing with retries,
// and the state consumer. Anything not exported here is internal.
export { connectBus, CONNECTION_DEFAULTS, type BusConnectionOptions } from './connection';
export { failHandshakeOnClose } from './handshake-close';
export { BusConnection, type BusConnectionSettings, type LinkState } from './bus-connection';
export { ServiceBus, type NatsClientSettings } from './service-bus';
export { type BusLogger } from './logger';
export {
  BusBatchError,
  BusDeadlineError,
  BusError,
  BusPublishError,
  BusStreamConflictError,
  ConsumerStoppedError,
  type BusErrorCode,
  type PublishFailure,
} from './errors';
export {
  ensureStateStream,
  isStreamNotFound,
  stateStreamConfig,
  type EnsureStreamResult,
  type StateStreamOptions,
} from './stream';
export {
  publishBatchInOrder,
  type OutboundMessage,
  type PublishBatchOptions,
  type PublishBatchResult,
} from './publish';
export {
  BusPublisher,
  type BusPublisherOptions,
  type BusPublisherStats,
  type PublishOptions,
  type PublishOutcome,
} from './bus-publisher';
export {
  DEFAULT_RETRY_BACKOFF,
  retryBounded,
  retryJetStream,
  type AttemptContext,
  type BoundedRetryOptions,
} from './bounded-retry';
export { isTransientBusError } from './transient';
export { isStoreFailure, STREAM_STORE_FAILED, StreamWriteHealth } from './stream-health';
export { StateConsumer, type StateConsumerOptions, type StateConsumerStats } from './state-consumer';
export { type RetryBackoff } from './retry';
export { registryEvents, registryStreamOptions, type RegistryStreamOptions } from './registry';
