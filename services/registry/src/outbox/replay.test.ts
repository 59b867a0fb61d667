import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateConsumer } from '@isthmus/bus';
import { decodeRegistryEvent, keyOf, subjectForKey, type RegistryEvent } from '@isthmus/contracts';
import { natsUrl } from '@isthmus/testing';
import { eventually, startRegistry, type RegistryUnderTest } from '../testing/registry-harness';
import { OutboxRelay } from './outbox-relay';

/**
 * A consumer that starts from nothing and replays the stream ends with exactly the registry's
 * current state: what the registry has, and nothing that it deleted (DESIGN.md, "Data flow" 3).
 */
describe('a new consumer replaying the registry stream', () => {
  let r: RegistryUnderTest;
  let nc: NatsConnection;

  beforeAll(async () => {
    r = await startRegistry();
    nc = await connect({ servers: natsUrl() });
  });
  afterAll(async () => {
    await nc?.close();
    await r?.stop();
  });

  it('ends with exactly the registry current state', async () => {
    // History with updates, deletes and re-creations, so that the stream holds superseded
    // states and tombstones, not just the final picture.
    for (const id of ['alpha', 'beta', 'gamma'])
      await r.request('POST', '/v1/clusters', { id, kind: 'static' });
    for (const cluster of ['alpha', 'beta', 'gamma']) {
      for (let round = 0; round < 3; round++) {
        await r.request('POST', `/v1/clusters/${cluster}/changes`, {
          upsert: {
            nodes: Array.from({ length: 10 }, (_, i) => ({
              name: `n${i}.${cluster}`,
              addresses: [`192.0.2.${i + 1}`],
              ready: round !== 1,
            })),
            podBlocks: Array.from({ length: 10 }, (_, i) => ({
              cidr: `10.${round}.${i}.0/24`,
              node: `n${i}.${cluster}`,
            })),
            services: [{ namespace: 'default', name: 'web', endpoints: [{ address: `192.168.${round}.1` }] }],
          },
          delete: {
            podBlocks: round > 0 ? Array.from({ length: 10 }, (_, i) => `10.${round - 1}.${i}.0/24`) : [],
          },
        });
      }
    }
    await r.request('DELETE', '/v1/clusters/beta/nodes/n3.beta');
    await r.request('DELETE', '/v1/clusters/gamma');
    await r.request('POST', '/v1/clusters', { id: 'gamma', kind: 'static', labels: { reborn: 'yes' } });
    await r.request('PATCH', '/v1/clusters/alpha', { labels: { tier: 'gold' } });
    await eventually(async () => (await r.app.get(OutboxRelay).pending()) === 0, 'the relay');

    const replayed = new Map<string, RegistryEvent>();
    const root = r.config.subjectRoot;
    const consumer = new StateConsumer<RegistryEvent>({
      nc,
      stream: r.config.streamName,
      durableName: 'replay-test',
      filterSubject: `${root}.registry.>`,
      replay: 'full',
      decode: (subject, data) => decodeRegistryEvent(subject, data, root),
      revisionOf: (e) => e.revision,
      apply: async (subject, e) => {
        if (e.deleted) replayed.delete(subject);
        else replayed.set(subject, e);
      },
    });
    await consumer.start();
    await consumer.caughtUp;
    await consumer.stop();

    // Both sides sorted by the entity's subject, and compared on the published state only.
    const bySubject = (kind: RegistryEvent['kind'], states: Record<string, unknown>[]) =>
      new Map(
        states.map((state) => [
          subjectForKey(kind, keyOf({ kind, deleted: false, state } as never), root),
          state,
        ]),
      );
    const fromStream = (kind: RegistryEvent['kind']) =>
      new Map(
        [...replayed]
          .filter(([, e]) => e.kind === kind)
          .map(([subject, e]) => [subject, !e.deleted && e.state]),
      );
    const fromApi = async (path: string) => {
      const items: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: Record<string, unknown>[]; nextCursor: string | null } } =
          await r.request(
            'GET',
            `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
          );
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items.map(publishedPart);
    };

    const clusters = await fromApi('/v1/clusters');
    expect(clusters.map((c) => c.id)).toEqual(['alpha', 'beta', 'gamma']);
    expect(fromStream('cluster')).toEqual(bySubject('cluster', clusters));

    const nodes = (
      await Promise.all(['alpha', 'beta', 'gamma'].map((c) => fromApi(`/v1/clusters/${c}/nodes`)))
    ).flat();
    expect(nodes).toHaveLength(19);
    expect(fromStream('node')).toEqual(bySubject('node', nodes));

    const blocks = await fromApi('/v1/pod-blocks');
    expect(blocks).toHaveLength(19); // round 2 of alpha (10) and beta (9: one node deleted with its block)
    expect(fromStream('block')).toEqual(bySubject('block', blocks));

    const services = await Promise.all(
      (await fromApi('/v1/services')).map(async (s) =>
        publishedPart(
          (await r.request('GET', `/v1/clusters/${s.cluster}/services/${s.namespace}/${s.name}`)).body,
        ),
      ),
    );
    expect(services).toHaveLength(2);
    expect(fromStream('service')).toEqual(bySubject('service', services));
  });
});

/** An API object without what the API adds to the published state. */
function publishedPart(o: Record<string, unknown>): Record<string, unknown> {
  const {
    revision: _r,
    updatedAt: _u,
    createdAt: _c,
    counts: _n,
    connection: _x,
    endpointCount: _e,
    ...state
  } = o;
  return state;
}
