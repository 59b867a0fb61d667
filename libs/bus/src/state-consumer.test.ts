import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AckPolicy, DeliverPolicy, jetstream, type JetStreamManager } from '@nats-io/jetstream';

import { nanos, type NatsConnection } from '@nats-io/nats-core';

import { natsUrl, uniqueName, pollUntil } from '@isthmus/testing';

import { registrySubjects, subjectOf, type RegistryEvent } from '@isthmus/contracts';

import {
  ConsumerStoppedError,
  ensureStateStream,
  publishBatchInOrder,
  registryEvents,
  registryStreamOptions,
  StateConsumer,
  type OutboundMessage,
  type StateConsumerOptions,
} from './index';

import { decodeEvent, encodeEvent, memoryLogger, openConnection, type TestEvent } from './test-helpers';

describe('StateConsumer', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const running: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    ({ nc, jsm } = await openConnection(natsUrl()));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc?.close();
  });

  /** A fresh state stream, a publisher of revisions into it and a factory of consumers on it. */
  async function fixture() {
    const stream = uniqueName('BUS_STATE');
    const root = stream.toLowerCase();
    streams.push(stream);
    await ensureStateStream(jsm, { name: stream, subjects: [`${root}.>`] });
    let outboxId = 0;
    const subject = (key: string) => `${root}.entity.${key}`;
    const publish = async (events: [key: string, revision: number, value?: string][]) => {
      const batch: OutboundMessage[] = events.map(([key, revision, value]) => ({
        subject: subject(key),
        data: encodeEvent(revision, value ?? `${key}@${revision}`),
        msgId: String(++outboxId),
      }));
      await publishBatchInOrder(nc, batch);
    };
    const consumer = (
      over: Partial<StateConsumerOptions<TestEvent>> & { state?: Map<string, TestEvent> } = {},
    ) => {
      const state = over.state ?? new Map<string, TestEvent>();
      const c = new StateConsumer<TestEvent>({
        nc,
        stream,
        durableName: 'follower',
        filterSubject: `${root}.entity.>`,
        decode: decodeEvent,
        revisionOf: (e) => e.revision,
        apply: async (s, e) => void state.set(s, e),
        replay: 'full',
        retryBackoff: { initialMs: 20, maxMs: 200 },
        ...over,
      });
      running.push(c);
      return { c, state };
    };
    return { stream, root, subject, publish, consumer };
  }

  it('replays the last state of every subject, then follows new events', async () => {
    const f = await fixture();
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    for (const rev of [1, 2, 3]) await f.publish(keys.map((k) => [k, rev]));
    const { c, state } = f.consumer();
    await c.start();
    await c.caughtUp;
    expect(state.size).toBe(300);
    expect([...state.values()].every((e) => e.revision === 3)).toBe(true);
    expect(c.stats()).toMatchObject({ applied: 300, skippedStale: 0, poison: 0, subjects: 300 });

    await f.publish([
      ['k7', 4],
      ['new', 1],
    ]);
    await pollUntil(
      'the new events applied',
      () => state.get(f.subject('k7'))?.revision === 4 && state.has(f.subject('new')),
    );
    expect(c.stats().applied).toBe(302);
  });

  it('replays every subject when maxAckPending throttles the replay (nats-server 2.9 skip-list bug)', async () => {
    const f = await fixture();
    await f.publish(Array.from({ length: 2000 }, (_, i): [string, number] => [`k${i}`, 1]));
    const { c, state } = f.consumer({ maxAckPending: 20 });
    await c.start();
    await c.caughtUp;
    expect(state.size).toBe(2000);
    expect(c.stats().applied).toBe(2000);
  });

  it('replays the last message per subject of a stream that keeps history, and warns', async () => {
    const stream = uniqueName('BUS_HISTORY');
    const root = stream.toLowerCase();
    streams.push(stream);
    await jsm.streams.add({ name: stream, subjects: [`${root}.>`], max_msgs_per_subject: 3 });
    const batch = (rev: number): OutboundMessage[] =>
      ['a', 'b', 'c'].map((k) => ({
        subject: `${root}.${k}`,
        data: encodeEvent(rev, k),
        msgId: `${k}${rev}`,
      }));
    for (const rev of [1, 2, 3]) await publishBatchInOrder(nc, batch(rev));
    const logger = memoryLogger();
    const state = new Map<string, TestEvent>();
    const c = new StateConsumer<TestEvent>({
      nc,
      stream,
      durableName: 'history',
      filterSubject: `${root}.>`,
      decode: decodeEvent,
      revisionOf: (e) => e.revision,
      apply: async (s, e) => void state.set(s, e),
      replay: 'full',
      logger,
    });
    running.push(c);
    await c.start();
    await c.caughtUp;
    expect([...state.values()].map((e) => e.revision)).toEqual([3, 3, 3]);
    expect(c.stats().applied).toBe(3);
    expect(logger.lines.some((l) => l.includes('keeps more than one message per subject'))).toBe(true);
  });

  it('resolves caughtUp at once on an empty stream', async () => {
    const f = await fixture();
    const { c } = f.consumer();
    await c.start();
    await c.caughtUp;
    expect(c.stats().applied).toBe(0);
  });

  it('skips revisions that are not newer than the applied one', async () => {
    const f = await fixture();
    const { c, state } = f.consumer();
    await c.start();
    await c.caughtUp;
    // One subject, one message kept: each must be consumed before the next replaces it.
    await f.publish([['a', 5, 'five']]);
    await pollUntil('a@5 applied', () => c.stats().applied === 1);
    await f.publish([['a', 3, 'three']]);
    await pollUntil('a@3 skipped', () => c.stats().skippedStale === 1);
    await f.publish([['a', 5, 'five again']]);
    await pollUntil('a@5 again skipped', () => c.stats().skippedStale === 2);
    await f.publish([['b', 1]]);
    await pollUntil('b applied', () => state.has(f.subject('b')));
    expect(state.get(f.subject('a'))).toEqual({ revision: 5, value: 'five' });
    expect(c.stats()).toMatchObject({ applied: 2, skippedStale: 2 });
    expect(c.revisionOf(f.subject('a'))).toBe(5);
  });

  it('redelivers an event whose apply failed until it is applied, and waits for it to be caught up', async () => {
    const f = await fixture();
    await f.publish([
      ['a', 1],
      ['flaky', 1],
      ['z', 1],
    ]);
    const state = new Map<string, TestEvent>();
    let failures = 0;
    const { c } = f.consumer({
      state,
      apply: async (s, e) => {
        if (s === f.subject('flaky') && failures < 3) {
          failures++;
          throw new Error('database is down');
        }
        state.set(s, e);
      },
    });
    await c.start();
    await c.caughtUp;
    expect(state.get(f.subject('flaky'))?.revision).toBe(1);
    expect(state.size).toBe(3);
    expect(c.stats()).toMatchObject({ applied: 3, applyFailures: 3, redelivered: 3 });
  });

  it('abandons an event after maxDeliver failed applies, and does not wait for it', async () => {
    const f = await fixture();
    await f.publish([
      ['doomed', 1],
      ['fine', 1],
    ]);
    const state = new Map<string, TestEvent>();
    const { c } = f.consumer({
      state,
      maxDeliver: 2,
      apply: async (s, e) => {
        if (s === f.subject('doomed')) throw new Error('always fails');
        state.set(s, e);
      },
    });
    await c.start();
    await c.caughtUp;
    expect([...state.keys()]).toEqual([f.subject('fine')]);
    expect(c.stats()).toMatchObject({ applied: 1, applyFailures: 2, abandoned: 1 });
  });

  it('terminates a poison message and goes on with the next ones', async () => {
    const f = await fixture();
    const logger = memoryLogger();
    await publishBatchInOrder(nc, [
      { subject: f.subject('bad'), data: new TextEncoder().encode('{ not json'), msgId: 'p1' },
      { subject: f.subject('wrong'), data: new TextEncoder().encode('{"revision":"x"}'), msgId: 'p2' },
    ]);
    await f.publish([['good', 1]]);
    const { c, state } = f.consumer({ logger });
    await c.start();
    await c.caughtUp;
    expect([...state.keys()]).toEqual([f.subject('good')]);
    expect(c.stats()).toMatchObject({ applied: 1, poison: 2 });
    expect(logger.lines.filter((l) => l.startsWith('error poison'))).toHaveLength(2);
    await f.publish([['after', 1]]);
    await pollUntil('the event after the poison applied', () => state.has(f.subject('after')));
  });

  it("replay 'full' rebuilds the whole state at every start", async () => {
    const f = await fixture();
    await f.publish(Array.from({ length: 50 }, (_, i): [string, number] => [`k${i}`, 1]));
    const first = f.consumer();
    await first.c.start();
    await first.c.caughtUp;
    await first.c.stop();
    await f.publish([
      ['k1', 2],
      ['k50', 1],
    ]);

    const second = f.consumer();
    await second.c.start();
    await second.c.caughtUp;
    expect(second.state.size).toBe(51);
    expect(second.state.get(f.subject('k1'))?.revision).toBe(2);
    expect(second.c.stats().applied).toBe(51);
  });

  it("replay 'resume' continues after what was acknowledged", async () => {
    const f = await fixture();
    await f.publish(Array.from({ length: 50 }, (_, i): [string, number] => [`k${i}`, 1]));
    const first = f.consumer({ replay: 'resume', durableName: 'resumer' });
    await first.c.start();
    await first.c.caughtUp;
    expect(first.c.stats().applied).toBe(50);
    await first.c.stop();
    await f.publish([
      ['k1', 2],
      ['k50', 1],
    ]);

    const second = f.consumer({ replay: 'resume', durableName: 'resumer' });
    await second.c.start();
    await second.c.caughtUp;
    expect([...second.state.keys()].sort()).toEqual([f.subject('k1'), f.subject('k50')]);
    expect(second.c.stats()).toMatchObject({ applied: 2, redelivered: 0 });
  });

  it("replay 'resume' waits for what a crashed predecessor received and never acknowledged", async () => {
    const f = await fixture();
    await f.publish(Array.from({ length: 10 }, (_, i): [string, number] => [`k${i}`, 1]));
    // The predecessor: same durable, took 4 messages and died without acknowledging them.
    await jsm.consumers.add(f.stream, {
      durable_name: 'crashed',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.LastPerSubject,
      filter_subject: `${f.root}.entity.>`,
      ack_wait: nanos(1000),
    });
    const taken = await (await jetstream(nc).consumers.get(f.stream, 'crashed')).fetch({ max_messages: 4 });
    let received = 0;
    for await (const _ of taken) received++;
    expect(received).toBe(4);

    const { c, state } = f.consumer({ replay: 'resume', durableName: 'crashed', ackWaitMs: 1000 });
    await c.start();
    await c.caughtUp;
    expect(state.size).toBe(10);
    expect(c.stats()).toMatchObject({ applied: 10, redelivered: 4 });
  });

  it('recreates its durable when it is deleted on the server, and keeps following', async () => {
    const f = await fixture();
    await f.publish([['a', 1]]);
    const logger = memoryLogger();
    const { c, state } = f.consumer({ logger });
    await c.start();
    await c.caughtUp;
    await jsm.consumers.delete(f.stream, 'follower');
    await f.publish([['b', 1]]);
    await pollUntil('b applied through the recreated consumer', () => state.has(f.subject('b')));
    expect(c.stats()).toMatchObject({ consumerRecreated: 1, applied: 2, skippedStale: 1 });
    expect(logger.lines.some((l) => l.includes('the durable was gone'))).toBe(true);
  });

  it('recovers when the stream itself is deleted and created again', async () => {
    const f = await fixture();
    await f.publish([['a', 1]]);
    const { c, state } = f.consumer();
    await c.start();
    await c.caughtUp;
    await jsm.streams.delete(f.stream);
    await ensureStateStream(jsm, { name: f.stream, subjects: [`${f.root}.>`] });
    await f.publish([
      ['a', 2],
      ['b', 1],
    ]);
    await pollUntil(
      'the new stream followed',
      () => state.get(f.subject('a'))?.revision === 2 && state.has(f.subject('b')),
    );
    expect(c.stats().consumerRecreated).toBe(1);
  });

  it('waits for a stream that does not exist yet', async () => {
    const stream = uniqueName('BUS_LATE');
    streams.push(stream);
    const root = stream.toLowerCase();
    const state = new Map<string, TestEvent>();
    const c = new StateConsumer<TestEvent>({
      nc,
      stream,
      durableName: 'early',
      filterSubject: `${root}.>`,
      decode: decodeEvent,
      revisionOf: (e) => e.revision,
      apply: async (s, e) => void state.set(s, e),
      replay: 'resume',
    });
    running.push(c);
    await c.start();
    await ensureStateStream(jsm, { name: stream, subjects: [`${root}.>`] });
    await publishBatchInOrder(nc, [{ subject: `${root}.x`, data: encodeEvent(1, 'x'), msgId: '1' }]);
    await c.caughtUp;
    await pollUntil('x applied', () => state.has(`${root}.x`));
  });

  it('rejects caughtUp when stopped before catching up, and start() for a consumer the server refuses', async () => {
    const f = await fixture();
    await f.publish([['a', 1]]);
    let release = () => undefined as void;
    const blocked = new Promise<void>((r) => (release = r));
    const { c } = f.consumer({ apply: () => blocked });
    await c.start();
    const stopping = c.stop();
    release();
    await stopping;
    await expect(c.caughtUp).rejects.toBeInstanceOf(ConsumerStoppedError);

    const refused = f.consumer({ filterSubject: 'outside.the.stream', durableName: 'refused' });
    await expect(refused.c.start()).rejects.toThrow(/filter subject/);
    await expect(refused.c.caughtUp).rejects.toThrow(/filter subject/);
  });

  it("follows the registry's events with the contracts' decoder; an event on a foreign subject is poison", async () => {
    const root = uniqueName('t').toLowerCase();
    const opts = registryStreamOptions({ root, name: uniqueName('BUS_REGISTRY') });
    streams.push(opts.name);
    await ensureStateStream(jsm, opts);
    const at = '2026-11-21T10:00:00.000Z';
    const block = (cidr: string, revision: number): RegistryEvent => ({
      kind: 'block',
      revision,
      at,
      deleted: false,
      state: { cluster: 'k8s', cidr, node: 'worker-1', nextHop: '192.0.2.11', source: 'node-podcidr' },
    });
    const gone: RegistryEvent = {
      kind: 'node',
      revision: 3,
      at,
      deleted: true,
      key: { cluster: 'k8s', name: 'n.1' },
    };
    const json = (e: RegistryEvent) => new TextEncoder().encode(JSON.stringify(e));
    await publishBatchInOrder(nc, [
      { subject: subjectOf(block('10.0.0.0/26', 1), root), data: json(block('10.0.0.0/26', 1)), msgId: '1' },
      { subject: subjectOf(gone, root), data: json(gone), msgId: '2' },
      // A block event on another block's subject would overwrite that entity: refused.
      {
        subject: registrySubjects(root).block('k8s', '10.0.0.64/26'),
        data: json(block('10.0.0.128/26', 4)),
        msgId: '3',
      },
    ]);
    const state = new Map<string, RegistryEvent>();
    const c = new StateConsumer<RegistryEvent>({
      nc,
      stream: opts.name,
      durableName: 'dns',
      filterSubject: registrySubjects(root).all.registry,
      ...registryEvents(root),
      apply: async (s, e) => void state.set(s, e),
      replay: 'full',
    });
    running.push(c);
    await c.start();
    await c.caughtUp;
    expect([...state.values()].map((e) => [e.kind, e.revision, e.deleted])).toEqual([
      ['block', 1, false],
      ['node', 3, true],
    ]);
    expect(c.stats()).toMatchObject({ applied: 2, poison: 1 });
  });
});
