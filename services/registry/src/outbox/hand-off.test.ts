import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registrySubjects } from '@isthmus/contracts';
import { createTestDatabase, natsUrl, pollUntil, type TestDatabase } from '@isthmus/testing';

import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';
import { RegistryWriter } from '../writer/registry-writer';
import type { CommittedRow } from '../writer/events';
import { OutboxRelay, RELAY_HOOKS, type RelayHooks } from './outbox-relay';

/**
 * The writer hands the rows it committed to the relay (CommittedEvents), which then publishes
 * their payloads from memory. The outbox still decides what goes out and in which order: these
 * tests cover the cases where memory does not have a row (a full hand-off, a restart) and check
 * that what memory has is the outbox row, byte for byte.
 */
describe('relay: payloads handed over by the writer', () => {
  let db: TestDatabase;
  let nc: NatsConnection;
  const registries: RegistryUnderTest[] = [];
  const readers: StreamReader[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('handoff-restart');
    nc = await connect({ servers: natsUrl() });
  });
  afterAll(async () => {
    for (const s of readers) await s.close();
    for (const r of registries) await r.stop();
    await nc?.close();
    await db?.drop();
  });

  /** A registry with a database of its own (a new stream over an existing database is a resync). */
  const start = async (
    opts: { env?: Record<string, string>; hooks?: RelayHooks; db?: TestDatabase } = {},
  ) => {
    const r = await startRegistry({
      ...(opts.db ? { db: opts.db } : {}),
      env: opts.env ?? {},
      providers: [{ provide: RELAY_HOOKS, useValue: opts.hooks ?? {} }],
    });
    registries.push(r);
    return r;
  };
  const metric = async (r: RegistryUnderTest, name: string) => {
    const text = (await r.request('GET', '/metrics', undefined, null)).body as string;
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };
  const settled = async (r: RegistryUnderTest, stream: StreamReader, stored: number) => {
    await pollUntil(
      'the relay',
      async () => (await r.app.get(OutboxRelay).pending()) === 0 && (await stream.storedCount()) >= stored,
      { intervalMs: 50 },
    );
    await new Promise((res) => setTimeout(res, 200)); // a wrong extra publish would show now
    return stream.storedCount();
  };
  /** Every revision published on `root`'s subjects, per subject, in the order the bus carried them. */
  const watch = (root: string) => {
    const seen = new Map<string, number[]>();
    nc.subscribe(`${root}.registry.>`, {
      callback: (_err, msg) => {
        const list = seen.get(msg.subject) ?? [];
        list.push((msg.json() as { revision: number }).revision);
        seen.set(msg.subject, list);
      },
    });
    return seen;
  };

  it('hands over exactly the payload of the outbox row', async () => {
    let release!: () => void;
    const held = new Promise<void>((res) => (release = res));
    const r = await start({ hooks: { beforePublish: () => held } });
    const handed: CommittedRow[] = [];
    r.app.get(RegistryWriter).onCommit((rows) => handed.push(...rows));
    const stream = await StreamReader.open(r.config.streamName);
    readers.push(stream);

    await r.request('POST', '/v1/clusters', { id: 'east', kind: 'static' });
    await r.request('POST', '/v1/clusters/east/changes', {
      upsert: {
        nodes: [
          { name: 'n1.east.internal', addresses: ['192.0.2.1'], labels: { é: 'ü "quoted" \\ \u2028' } },
        ],
        podBlocks: [{ cidr: '10.1.0.0/24', node: 'n1.east.internal' }],
        services: [{ namespace: 'default', name: 'web', ports: [{ name: 'http', port: 80 }] }],
      },
    });
    await r.request('DELETE', '/v1/clusters/east/pod-blocks/10.1.0.0%2F24');
    const client = new pg.Client({ connectionString: r.db.url });
    await client.connect();
    try {
      // The payload's bytes as PostgreSQL stores them (UTF-8), against the bytes handed over.
      const rows = (
        await client.query<{ id: string; subject: string; payload: Buffer }>(
          `SELECT id, subject, convert_to(payload, 'UTF8') AS payload FROM outbox ORDER BY id`,
        )
      ).rows;
      expect(handed.length).toBeGreaterThanOrEqual(5); // cluster, node, block, service, tombstone
      expect(rows.map((row) => ({ id: BigInt(row.id), subject: row.subject, data: row.payload }))).toEqual(
        [...handed]
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((h) => ({ id: h.id, subject: h.subject, data: Buffer.from(h.data) })),
      );
    } finally {
      await client.end();
      release();
    }
    expect(await settled(r, stream, handed.length)).toBe(handed.length);
    expect(await metric(r, 'isthmus_registry_outbox_read_total')).toBe(0);
  });

  it('reads from the outbox what did not fit, exactly once and in order per subject', async () => {
    const r = await start({ env: { RELAY_HANDOFF_MAX: '3', RELAY_BATCH_SIZE: '7' } });
    const seen = watch(r.config.subjectRoot);
    const stream = await StreamReader.open(r.config.streamName);
    readers.push(stream);
    const subjects = registrySubjects(r.config.subjectRoot);

    await r.request('POST', '/v1/clusters', { id: 'west', kind: 'static' });
    const writes = [];
    for (let i = 0; i < 12; i++) {
      // Twelve states of each of three nodes, submitted at once: batches of the writer hand over
      // more rows than the relay keeps.
      writes.push(
        r.request('POST', '/v1/clusters/west/changes', {
          upsert: {
            nodes: ['a', 'b', 'c'].map((n) => ({
              name: n,
              addresses: ['192.0.2.7'],
              labels: { i: String(i) },
            })),
          },
        }),
      );
    }
    const results = await Promise.all(writes);
    const changed = results.reduce((n, res) => n + (res.body.changed as number), 0);
    expect(changed).toBe(36);
    expect(await settled(r, stream, 1 + 36)).toBe(1 + 36);
    expect(await metric(r, 'isthmus_registry_outbox_read_total')).toBeGreaterThan(0);
    for (const n of ['a', 'b', 'c']) {
      const revisions = seen.get(subjects.node('west', n)) ?? [];
      expect(revisions).toHaveLength(12);
      expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
      // The twelve requests commit in whatever order the writer takes them: the stream's last
      // state is the registry's current one, not necessarily request 11's.
      const current = (await r.request('GET', `/v1/clusters/west/nodes/${n}`)).body;
      expect((await stream.lastFor(subjects.node('west', n))).state.labels).toEqual(current.labels);
    }
  });

  it('publishes after a restart the rows that waited in the outbox while only memory had them', async () => {
    // The first relay cannot publish (every round fails before the publish): the writer's rows
    // are in its memory and in the outbox, then the process goes away.
    const first = await start({
      db,
      hooks: {
        beforePublish: () => Promise.reject(new Error('simulated: the publish never happens')),
      },
    });
    const stream = await StreamReader.open(first.config.streamName);
    readers.push(stream);
    await first.request('POST', '/v1/clusters', { id: 'north', kind: 'static' });
    const res = await first.request('POST', '/v1/clusters/north/changes', {
      upsert: { nodes: Array.from({ length: 20 }, (_, i) => ({ name: `n${i}`, addresses: ['192.0.2.8'] })) },
    });
    expect(res.body).toEqual({ submitted: 20, changed: 20 });
    await first.app.close();
    registries.splice(registries.indexOf(first), 1);
    expect(await stream.storedCount()).toBe(0);

    const second = await start({ db, env: first.env });
    expect(await settled(second, stream, 21)).toBe(21);
    expect(await metric(second, 'isthmus_registry_outbox_read_total')).toBe(21);
  });
});
