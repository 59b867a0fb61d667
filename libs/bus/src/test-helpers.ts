// Shared by this library's tests only (excluded from the build in tsconfig.json).
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { BusLogger } from './logger';

export async function openConnection(url: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  return { nc, jsm: await jetstreamManager(nc) };
}

/** The state event of these tests: a revision and a value, JSON on the wire. */
export interface TestEvent {
  revision: number;
  value: string;
}

export const encodeEvent = (revision: number, value: string): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ revision, value }));

export function decodeEvent(_subject: string, data: Uint8Array): TestEvent {
  const e = JSON.parse(new TextDecoder().decode(data)) as Partial<TestEvent>;
  if (typeof e.revision !== 'number' || typeof e.value !== 'string') throw new Error('not a test event');
  return e as TestEvent;
}

/** A logger that remembers what it was told, for assertions on logged recovery. */
export function memoryLogger(): BusLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, log: push('log'), warn: push('warn'), error: push('error') };
}
