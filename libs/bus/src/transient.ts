import { JetStreamApiError } from '@nats-io/jetstream';
import { ConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { BusDeadlineError, BusPublishError } from './errors';

/**
 * Whether an error of a NATS or JetStream operation is worth retrying: the same request may
 * succeed once the server is back, the client reconnected, or a stream or meta leader is
 * elected. A refusal (a bad request, a conflicting configuration, a closed connection, a caller's
 * bug) is not: retrying it only hides the error.
 */
export function isTransientBusError(err: unknown): boolean {
  if (err instanceof BusPublishError) return err.reason !== 'closed';
  if (err instanceof BusDeadlineError) return true;
  if (err instanceof TimeoutError || err instanceof NoRespondersError) return true;
  // RequestError: "connection disconnected" (a request outstanding when the link dropped), and
  // no responders (JetStream not started yet on a server that is coming up).
  if (err instanceof RequestError) return true;
  if (err instanceof ConnectionError) return true;
  // nats.js turns "no responders" on a JetStream API subject into JetStreamNotEnabled: on a
  // server that has JetStream configured, that is a server still starting it.
  if (err instanceof Error && err.name === 'JetStreamNotEnabled') return true;
  // 5xx from the JetStream API: "JetStream system temporarily unavailable" (10008), no leader
  // for the stream yet, a cluster without quorum. 4xx are answers (not found, bad request).
  if (err instanceof JetStreamApiError) return err.status >= 500;
  return false;
}
