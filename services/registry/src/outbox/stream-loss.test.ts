import { connect, type NatsConnection } from '@nats-io/transport-node';

import { jetstreamManager } from '@nats-io/jetstream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { natsUrl, pollUntil } from '@isthmus/testing';

import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';
import { registryState, replayStream } from '../testing/registry-state';

import { OutboxRelay } from './outbox-relay';

/**
 * The stream is lost (a NATS server back without its store, or the stream deleted): the registry
 * notices, creates it again and re-publishes its whole current state, so a new consumer replaying
 * the stream ends with exactly the registry's state again.
 */
describe('registry stream lost', () => {
  let r: RegistryUnderTest;
  let nc: NatsConnection;
  let stream: StreamReader;

  beforeAll(async () => {
    r = await startRegistry({
      env: {
        RELAY_STREAM_CHECK_INTERVAL_MS: '200',
        // nats-server 2.9.10 can leave a stream that was deleted and created again at once
        // refusing every write ("error opening msg block file"): seen in this very test under
        // load, where it waited out its 60 s. The relay rebuilds such a stream; here it is told
        // to do so soon (publish-faults.test.ts makes that state on purpose).
        RELAY_STREAM_REBUILD_AFTER_MS: '2000',
      },
    });
    nc = await connect({ servers: natsUrl() });
    stream = await StreamReader.open(r.config.streamName);
  });
  afterAll(async () => {
    await stream?.close();
    await nc?.close();
    await r?.stop();
  });

  it.each([
    ['noticed by the periodic check while idle', false],
    ['noticed by a publish that fails', true],
  ])('re-publishes the current state when the loss is %s', async (_how, writeAfterLoss) => {
    const id = writeAfterLoss ? 'second' : 'first';
    await r.request('POST', '/v1/clusters', { id, kind: 'static' });
    await r.request('POST', `/v1/clusters/${id}/changes`, {
      upsert: {
        nodes: [1, 2, 3].map((i) => ({ name: `n${i}.${id}`, addresses: [`192.0.2.${i}`] })),
        podBlocks: [1, 2, 3].map((i) => ({ cidr: `10.${i}.0.0/24`, node: `n${i}.${id}` })),
        services: [{ namespace: 'default', name: 'web', endpoints: [{ address: '192.168.1.1' }] }],
      },
    });
    await r.request('DELETE', `/v1/clusters/${id}/nodes/n3.${id}`); // a tombstone to keep, with its block's
    const relay = r.app.get(OutboxRelay);
    await pollUntil('the relay', async () => (await relay.pending()) === 0, { intervalMs: 50 });

    await (await jetstreamManager(nc)).streams.delete(r.config.streamName);
    if (writeAfterLoss) await r.request('PATCH', `/v1/clusters/${id}`, { labels: { after: 'loss' } });

    const expected = await registryState(r);
    await pollUntil(
      'the re-published state',
      async () =>
        (await stream.storedCount()) >= expected.size + 2 /* the two tombstones */ &&
        (await relay.pending()) === 0,
      { intervalMs: 50 },
    );
    expect(await replayStream(nc, r, `after-loss-${id}`)).toEqual(expected);
    const metrics = (await r.request('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/isthmus_registry_stream_resyncs_total [1-9]/);
  });
});
