import type { ConsumerNotification } from '@nats-io/jetstream';
import type { BusLogger } from './logger';

/**
 * Logs what nats.js reports about a pull consumer (ConsumeMessages.status()). Recovery itself is
 * the StateConsumer's follow loop: with `abort_on_missing_resource` a missing consumer or stream
 * ends the message iterator, and the consumer is bound again.
 */
export function logConsumerNotification(s: ConsumerNotification, logger: BusLogger, context: string): void {
  switch (s.type) {
    case 'heartbeats_missed':
      // Reported at every check once 2 are missed; nats.js then checks the consumer itself.
      if (s.count === 2 || s.count % 10 === 0) {
        logger.warn(`${s.count} heartbeats missed; checking the consumer`, context);
      }
      break;
    case 'consumer_deleted':
      logger.warn(`the server deleted the consumer (${s.description})`, context);
      break;
    case 'consumer_not_found':
      logger.warn('the consumer is not found on the server', context);
      break;
    case 'stream_not_found':
      logger.warn(`stream ${s.name} is not found on the server`, context);
      break;
    case 'exceeded_limits':
      logger.warn(`pull request refused: ${s.description}`, context);
      break;
    case 'no_responders':
      logger.warn('JetStream did not answer a pull request', context);
      break;
    default:
      // heartbeat, next, discard, debug, flow control: routine.
      break;
  }
}
