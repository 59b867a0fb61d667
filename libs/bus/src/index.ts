// The public surface of @isthmus/bus: connection, state streams, ordered batch publishing and
// the state consumer. Anything not exported here is internal.
export { connectBus, type BusConnectionOptions } from './connection';
export { BackgroundBusConnection } from './background-connection';
export { type BusLogger } from './logger';
export {
  BusBatchError,
  BusError,
  BusPublishError,
  BusStreamConflictError,
  ConsumerStoppedError,
  type BusErrorCode,
} from './errors';
export {
  ensureStateStream,
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
export { StateConsumer, type StateConsumerOptions, type StateConsumerStats } from './state-consumer';
export { type RetryBackoff } from './retry';
export { registryEvents, registryStreamOptions, type RegistryStreamOptions } from './registry';
