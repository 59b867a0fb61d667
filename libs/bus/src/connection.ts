import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { failHandshakeOnClose } from './handshake-close';
import { errorText, silentLogger, type BusLogger } from './logger';

// Before any connection is opened: a dial whose socket closes mid-handshake fails at once
// instead of waiting out its dial timeout (see handshake-close.ts).
failHandshakeOnClose();

export interface BusConnectionOptions {
  /** One URL or several (a cluster); e.g. "nats://127.0.0.1:4222". */
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`): the service name. */
  name: string;
  logger?: BusLogger;
  /**
   * Pause between two reconnect attempts to one server (default 500 ms, plus up to 250 ms of
   * jitter). nats.js' own default of 2 s is the floor of how long a service stays off the bus
   * after a server restart, and is why a relay once sat idle for seconds after NATS came back.
   */
  reconnectTimeWaitMs?: number;
  /**
   * How often the client pings the server (default 10 s); after `maxPingOut` unanswered pings
   * (default 2) the connection counts as stale and is re-dialled. nats.js' default of 2 minutes
   * lets a half-open connection (a server that stopped answering without closing the socket)
   * look connected for 4 minutes.
   */
  pingIntervalMs?: number;
  maxPingOut?: number;
  /**
   * How long one dial may take before the next server (or the next attempt) is tried (default
   * 5 s; nats.js: 20 s). A server that accepts TCP but is not serving yet (JetStream recovering
   * its store) must not hold a reconnect for 20 s.
   */
  dialTimeoutMs?: number;
}

export const CONNECTION_DEFAULTS = {
  reconnectTimeWaitMs: 500,
  reconnectJitterMs: 250,
  pingIntervalMs: 10_000,
  maxPingOut: 2,
  dialTimeoutMs: 5000,
};

const CONTEXT = 'NatsBus';

/**
 * Opens a connection that waits for the first server to answer and then reconnects forever: NATS
 * being down is a transient state for a control plane, never a reason to exit (the registry's
 * outbox keeps what could not be published, consumers resume). Services use BusConnection, which
 * adds the link state that bounded publishing needs; this is the plain NatsConnection.
 */
export async function connectBus(options: BusConnectionOptions): Promise<NatsConnection> {
  const logger = options.logger ?? silentLogger;
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? CONNECTION_DEFAULTS.reconnectTimeWaitMs,
    reconnectJitter: CONNECTION_DEFAULTS.reconnectJitterMs,
    pingInterval: options.pingIntervalMs ?? CONNECTION_DEFAULTS.pingIntervalMs,
    maxPingOut: options.maxPingOut ?? CONNECTION_DEFAULTS.maxPingOut,
    timeout: options.dialTimeoutMs ?? CONNECTION_DEFAULTS.dialTimeoutMs,
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
