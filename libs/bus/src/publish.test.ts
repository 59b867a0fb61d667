import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { natsUrl, uniqueName } from '@isthmus/testing';
import {
  BusBatchError,
  BusPublishError,
  ensureStateStream,
  publishBatchInOrder,
  type OutboundMessage,
} from './index';
import { readAck } from './publish';
import { openConnection } from './test-helpers';

describe('publishBatchInOrder', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = uniqueName('BUS_PUBLISH');
  const prefix = stream.toLowerCase();
  const data = new TextEncoder().encode('{"revision":1}');
  const batchOf = (n: number, tag: string): OutboundMessage[] =>
    Array.from({ length: n }, (_, i) => ({ subject: `${prefix}.${tag}.${i}`, data, msgId: `${tag}-${i}` }));

  beforeAll(async () => {
    ({ nc, jsm } = await openConnection(natsUrl()));
    await ensureStateStream(jsm, { name: stream, subjects: [`${prefix}.>`] });
  });
  afterAll(async () => {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });

  async function storedSubjects(tag: string, count: number): Promise<string[]> {
    const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: `${prefix}.${tag}.>` });
    const subjects: string[] = [];
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const m of messages) {
      subjects.push(m.subject);
      if (subjects.length === count) break;
    }
    return subjects;
  }

  async function subjectCount(tag: string): Promise<number> {
    const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}.${tag}.>` });
    return Object.keys(info.state.subjects ?? {}).length;
  }

  it('stores a batch of thousands in the order given, and a re-publish only as duplicates', async () => {
    const batch = batchOf(5000, 'order').reverse(); // order differs from any sorted order
    expect(await publishBatchInOrder(nc, batch, { maxInFlight: 256 })).toEqual({
      stored: 5000,
      duplicates: 0,
    });
    expect(await storedSubjects('order', 5000)).toEqual(batch.map((m) => m.subject));
    expect(await publishBatchInOrder(nc, batch)).toEqual({ stored: 0, duplicates: 5000 });
    expect(await subjectCount('order')).toBe(5000);
  });

  it('sends Nats-Msg-Id and Nats-Expected-Stream as the headers of each message', async () => {
    const seen: { id: string; expected: string }[] = [];
    const sub = nc.subscribe(`${prefix}.headers.>`, {
      callback: (_err, msg) => {
        seen.push({
          id: msg.headers?.get('Nats-Msg-Id') ?? '',
          expected: msg.headers?.get('Nats-Expected-Stream') ?? '',
        });
      },
    });
    await nc.flush();
    expect(await publishBatchInOrder(nc, batchOf(2, 'headers'), { expectedStream: stream })).toEqual({
      stored: 2,
      duplicates: 0,
    });
    await nc.flush();
    sub.unsubscribe();
    expect(seen).toEqual([
      { id: 'headers-0', expected: stream },
      { id: 'headers-1', expected: stream },
    ]);
  });

  it('refuses a msgId with a line break (it would break the headers)', async () => {
    const batch = batchOf(1, 'crlf').map((m) => ({ ...m, msgId: 'a\r\nNats-Msg-Id: b' }));
    await expect(publishBatchInOrder(nc, batch)).rejects.toThrow(BusBatchError);
  });

  it('refuses a batch with a subject twice, before publishing anything', async () => {
    const batch = batchOf(3, 'twice');
    batch.push({ ...batch[1]!, msgId: 'other-id' });
    await expect(publishBatchInOrder(nc, batch)).rejects.toThrow(BusBatchError);
    await expect(publishBatchInOrder(nc, batch)).rejects.toThrow(/same subject/);
    expect(await subjectCount('twice')).toBe(0);
  });

  it('refuses a batch with a msgId twice', async () => {
    const batch = batchOf(2, 'ids').map((m) => ({ ...m, msgId: 'same' }));
    await expect(publishBatchInOrder(nc, batch)).rejects.toThrow(/same msgId/);
  });

  it('rejects with BusPublishError when no stream stores a subject', async () => {
    const batch = [...batchOf(2, 'ok'), { subject: `nowhere.${prefix}.x`, data, msgId: 'lost' }];
    const err = await publishBatchInOrder(nc, batch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusPublishError);
    expect(err).toMatchObject({ code: 'BUS_PUBLISH_FAILED', subject: `nowhere.${prefix}.x`, msgId: 'lost' });
    expect((err as Error).message).toMatch(/no stream stores this subject/);
  });

  it('rejects with the JetStream error as cause when the stream refuses a message', async () => {
    const err = await publishBatchInOrder(nc, batchOf(1, 'expect'), {
      expectedStream: 'SOME_OTHER_STREAM',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusPublishError);
    expect((err as Error).cause).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/expected stream/i);
  });

  it('rejects with BusPublishError on a closed connection', async () => {
    const closed = await openConnection(natsUrl());
    await closed.nc.close();
    await expect(publishBatchInOrder(closed.nc, batchOf(2, 'closed'))).rejects.toBeInstanceOf(
      BusPublishError,
    );
  });
});

describe('readAck', () => {
  const ack = (text: string) => readAck(new TextEncoder().encode(text));
  it('reads stored and duplicate acknowledgements', () => {
    expect(ack('{"stream":"S","seq":7}')).toEqual({ duplicate: false });
    expect(ack('{"stream":"S","seq":7,"duplicate":true}')).toEqual({ duplicate: true });
    expect(ack('{"stream":"S","seq":7,"duplicate":false}')).toEqual({
      stream: 'S',
      seq: 7,
      duplicate: false,
    });
    expect(ack('{"stream":"S", "seq":7, "duplicate" : true}')).toMatchObject({ duplicate: true });
  });
  it('reads errors, and a stream whose name looks like a key', () => {
    expect(ack('{"error":{"code":503,"err_code":10077,"description":"x"}}')).toMatchObject({
      error: { code: 503, description: 'x' },
    });
    expect(ack('{"stream":"error","seq":1}')).toEqual({ stream: 'error', seq: 1 });
    expect(ack('{"stream":"x\\"duplicate\\":true","seq":1}').duplicate).toBeFalsy();
    expect(() => ack('not json')).toThrow();
  });
});
