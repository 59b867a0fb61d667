import { connect, type NatsConnection } from '@nats-io/transport-node';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { natsUrl, pollUntil } from '@isthmus/testing';

import { startRegistry, type RegistryUnderTest } from '../testing/registry-harness';
import { registryState, replayStream } from '../testing/registry-state';

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
    await pollUntil('the relay', async () => (await r.app.get(OutboxRelay).pending()) === 0, {
      intervalMs: 50,
    });

    const replayed = await replayStream(nc, r, 'replay-test');
    const current = await registryState(r);
    const count = (kind: string) =>
      [...current.keys()].filter((s) => s.includes(`.registry.${kind}.`)).length;
    expect(count('cluster')).toBe(3);
    expect(count('node')).toBe(19);
    expect(count('block')).toBe(19); // round 2 of alpha (10) and beta (9: one node deleted with its block)
    expect(count('service')).toBe(2);
    expect(replayed).toEqual(current);
  });
});
