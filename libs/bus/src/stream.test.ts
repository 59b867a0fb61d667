import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { natsUrl, uniqueName } from '@isthmus/testing';
import { BusStreamConflictError, ensureStateStream } from './index';
import { openConnection } from './test-helpers';

describe('ensureStateStream', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const created: string[] = [];
  const newStream = () => {
    const name = uniqueName('BUS_STREAM');
    created.push(name);
    return { name, subjects: [`${name.toLowerCase()}.>`] };
  };

  beforeAll(async () => {
    ({ nc, jsm } = await openConnection(natsUrl()));
  });
  afterAll(async () => {
    for (const name of created) await jsm.streams.delete(name).catch(() => undefined);
    await nc?.close();
  });

  it('creates a compacted file stream once, then leaves it alone', async () => {
    const opts = newStream();
    const first = await ensureStateStream(jsm, opts);
    expect(first.action).toBe('created');
    expect(first.info.config).toMatchObject({
      max_msgs_per_subject: 1,
      discard: 'old',
      storage: 'file',
      duplicate_window: 120_000_000_000,
      allow_rollup_hdrs: false,
    });
    expect((await ensureStateStream(jsm, opts)).action).toBe('unchanged');
    const updated = await ensureStateStream(jsm, { ...opts, duplicateWindowMs: 60_000 });
    expect(updated.action).toBe('updated');
    expect(updated.info.config.duplicate_window).toBe(60_000_000_000);
  });

  it('lets two processes ensure the same stream at once', async () => {
    const opts = newStream();
    const other = await openConnection(natsUrl());
    try {
      const results = await Promise.all([ensureStateStream(jsm, opts), ensureStateStream(other.jsm, opts)]);
      expect(results.map((r) => r.action).sort()).toContain('created');
      expect(results.every((r) => r.info.config.name === opts.name)).toBe(true);
    } finally {
      await other.nc.close();
    }
  });

  it('keeps only the last message of a subject, and de-duplicates by msgId', async () => {
    const opts = newStream();
    await ensureStateStream(jsm, opts);
    const js = jetstream(nc);
    const subject = `${opts.subjects[0]!.slice(0, -2)}.node.a`;
    await js.publish(subject, 'first', { msgID: 'm1' });
    await js.publish(subject, 'second', { msgID: 'm2' });
    const again = await js.publish(subject, 'second', { msgID: 'm2' });
    expect(again.duplicate).toBe(true);
    const info = await jsm.streams.info(opts.name);
    expect(info.state.messages).toBe(1);
    expect(info.state.last_seq).toBe(2);
    const last = await jsm.direct.getMessage(opts.name, { last_by_subj: subject });
    expect(last?.string()).toBe('second');
  });

  it('refuses a stream whose storage cannot be changed in place', async () => {
    const opts = newStream();
    await jsm.streams.add({ name: opts.name, subjects: opts.subjects, storage: StorageType.Memory });
    await expect(ensureStateStream(jsm, opts)).rejects.toBeInstanceOf(BusStreamConflictError);
  });
});
