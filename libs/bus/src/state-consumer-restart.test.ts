import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startNatsServer, type NatsServerHandle, pollUntil } from '@isthmus/testing';

import {
  connectBus,
  ensureStateStream,
  publishBatchInOrder,
  StateConsumer,
  type OutboundMessage,
} from './index';

import { decodeEvent, encodeEvent, memoryLogger, type TestEvent } from './test-helpers';

describe('StateConsumer across a NATS server restart', () => {
  let server: NatsServerHandle;

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['stops (SIGTERM)', 'stop'],
    ['crashes (SIGKILL)', 'kill'],
  ] as const)(
    'ends with the last state of every subject when the server %s and starts during publishing',
    async (_, how) => {
      const stream = how.toUpperCase();
      const root = how;
      const logger = memoryLogger();
      const publisherNc = await connectBus({
        servers: server.url,
        name: `relay-${how}`,
        reconnectTimeWaitMs: 100,
      });
      const consumerNc = await connectBus({
        servers: server.url,
        name: `follower-${how}`,
        reconnectTimeWaitMs: 100,
        logger,
      });
      const { jetstreamManager } = await import('@nats-io/jetstream');
      await ensureStateStream(await jetstreamManager(publisherNc), { name: stream, subjects: [`${root}.>`] });

      const state = new Map<string, TestEvent>();
      const consumer = new StateConsumer<TestEvent>({
        nc: consumerNc,
        stream,
        durableName: 'follower',
        filterSubject: `${root}.>`,
        decode: decodeEvent,
        revisionOf: (e) => e.revision,
        apply: async (s, e) => void state.set(s, e),
        replay: 'resume',
        ackWaitMs: 2000,
        logger,
      });

      // An outbox relay in miniature: a new revision of 100 subjects every few milliseconds, as one
      // batch, each batch retried until stored; it runs until told to stop.
      const subjects = Array.from({ length: 100 }, (_, i) => `${root}.entity.e${i}`);
      let failedBatches = 0;
      let published = 0;
      let relayRunning = true;
      const relay = (async () => {
        for (let revision = 1; relayRunning; revision++) {
          const batch: OutboundMessage[] = subjects.map((subject, i) => ({
            subject,
            data: encodeEvent(revision, `${subject}@${revision}`),
            msgId: `${revision}-${i}`,
          }));
          for (;;) {
            try {
              await publishBatchInOrder(publisherNc, batch, { timeoutMs: 500 });
              break;
            } catch {
              failedBatches++;
              await new Promise((r) => setTimeout(r, 50));
            }
          }
          published = revision;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();

      try {
        await pollUntil('a first round published', () => published >= 1);
        await consumer.start();
        await consumer.caughtUp;
        // Every subject in the stream at start is applied, even those superseded during the replay.
        expect(state.size).toBe(subjects.length);
        await pollUntil('more rounds published', () => published >= 5);
        await server[how]();
        // Down long enough for the relay to see a batch fail (and keep retrying it).
        await pollUntil('a batch failed while the server was down', () => failedBatches > 0);
        await server.start();
        const atRestart = published;
        await pollUntil('rounds published after the restart', () => published >= atRestart + 5);
        relayRunning = false;
        await relay;
        await pollUntil(
          `every subject at the last revision (${published})`,
          () => subjects.every((s) => state.get(s)?.revision === published),
          { timeoutMs: 30_000 },
        );
        expect(consumer.stats().subjects).toBe(subjects.length);
        expect(logger.lines.some((l) => l.startsWith('warn disconnected'))).toBe(true);
        expect(logger.lines.some((l) => l.startsWith('log reconnected'))).toBe(true);
      } finally {
        await consumer.stop();
        await publisherNc.close();
        await consumerNc.close();
      }
    },
  );
});
