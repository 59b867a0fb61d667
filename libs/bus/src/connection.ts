import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { errorText, silentLogger, type BusLogger } from './logger';

export interface BusConnectionOptions {
  /** One URL or several (a cluster); e.g. "nats://127.0.0.1:4222". */
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`): the service name. */
  name: string;
  logger?: BusLogger;
  /** Pause between reconnect attempts; nats.js default 2000 ms. */
  reconnectTimeWaitMs?: number;
}

const CONTEXT = 'NatsBus';

/**
 * Opens the connection a service keeps for its whole life. It waits for the first connection
 * and then reconnects forever: NATS being down is a transient state for a control plane, never
 * a reason to exit (the registry's outbox keeps what could not be published, consumers resume).
 */
export async function connectBus(options: BusConnectionOptions): Promise<NatsConnection> {
  const logger = options.logger ?? silentLogger;
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    ...(options.reconnectTimeWaitMs !== undefined ? { reconnectTimeWait: options.reconnectTimeWaitMs } : {}),
  });
  logger.log(`connected to ${nc.getServer()} as "${options.name}"`, CONTEXT);
  void logStatus(nc, logger);
  return nc;
}

async function logStatus(nc: NatsConnection, logger: BusLogger): Promise<void> {
  try {
    for await (const s of nc.status()) logStatusEvent(s, logger);
  } catch (err) {
    logger.error(`status monitoring ended: ${errorText(err)}`, CONTEXT);
  }
}

function logStatusEvent(s: Status, logger: BusLogger): void {
  switch (s.type) {
    case 'disconnect':
      logger.warn(`disconnected from ${s.server}; reconnecting`, CONTEXT);
      break;
    case 'reconnect':
      logger.log(`reconnected to ${s.server}`, CONTEXT);
      break;
    case 'error':
      logger.error(`server error: ${errorText(s.error)}`, CONTEXT);
      break;
    case 'ldm':
      logger.warn(`server ${s.server} entered lame duck mode; will move to another server`, CONTEXT);
      break;
    case 'staleConnection':
      logger.warn('connection is stale (pings unanswered); reconnecting', CONTEXT);
      break;
    case 'slowConsumer':
      logger.warn(`slow consumer on ${s.sub.getSubject()}: ${s.pending} messages pending`, CONTEXT);
      break;
    case 'close':
      logger.log('connection closed', CONTEXT);
      break;
    // "reconnecting" fires on every attempt and "ping"/"update" are routine: not logged.
    default:
      break;
  }
}
