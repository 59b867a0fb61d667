import { z } from 'zod';
import { envPart, type EnvProblem } from '../config/env-part';
import { envInt } from '../config/env-values';

/**
 * How a service talks to NATS: the servers, and the bounds of every wait on them (libs/bus:
 * BusConnection, BusPublisher). A Nest provider token; the service's config object provides it.
 */
export abstract class NatsSettings {
  /** One URL or a comma-separated list (the servers of a cluster). */
  abstract readonly natsUrl: string;
  /** Pause between two reconnect attempts to one server (plus jitter). */
  abstract readonly natsReconnectWaitMs: number;
  /** Ping interval; two unanswered pings make the connection stale and re-dialled. */
  abstract readonly natsPingIntervalMs: number;
  /** Bound of one JetStream API request (stream/consumer info, create, delete). */
  abstract readonly natsRequestTimeoutMs: number;
  /** Bound of one publish attempt: an acknowledgement this overdue fails it (it is retried). */
  abstract readonly natsPublishTimeoutMs: number;
}

// nats.js takes host:port with or without a scheme, and user:password@ before the host.
const NATS_URL = /^((nats|tls):\/\/)?([^\s,@/]+@)?[^\s,@/]+$/;

export const natsEnv = envPart(
  {
    NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
    NATS_RECONNECT_WAIT_MS: envInt(10, 60_000).default(500),
    NATS_PING_INTERVAL_MS: envInt(1000, 600_000).default(10_000),
    NATS_REQUEST_TIMEOUT_MS: envInt(100, 120_000).default(5000),
    NATS_PUBLISH_TIMEOUT_MS: envInt(100, 120_000).default(5000),
  },
  (e): NatsSettings => ({
    natsUrl: e.NATS_URL,
    natsReconnectWaitMs: e.NATS_RECONNECT_WAIT_MS,
    natsPingIntervalMs: e.NATS_PING_INTERVAL_MS,
    natsRequestTimeoutMs: e.NATS_REQUEST_TIMEOUT_MS,
    natsPublishTimeoutMs: e.NATS_PUBLISH_TIMEOUT_MS,
  }),
  (s) => {
    const problems: EnvProblem[] = [];
    const bad = natsServers(s.natsUrl).filter((u) => !NATS_URL.test(u));
    if (bad.length > 0 || natsServers(s.natsUrl).length === 0) {
      problems.push({
        variable: 'NATS_URL',
        message: `must be nats://host:port (or host:port), or several separated by commas (a cluster); not ${bad.map((b) => `"${b}"`).join(', ') || 'empty'}`,
      });
    }
    return problems;
  },
);

/** The servers of NATS_URL, in order. */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
