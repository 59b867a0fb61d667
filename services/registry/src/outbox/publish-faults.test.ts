import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { natsUrl, pollUntil, startNatsFaultProxy, type NatsFaultProxy } from '@isthmus/testing';
import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';
import { registryState, replayStream } from '../testing/registry-state';
import { OutboxRelay, RELAY_HOOKS, type RelayHooks } from './outbox-relay';

/**
 * The relay's publish meets each fault on purpose (issue 10): the stream deleted between the read
 * and the publish, acknowledgements that never come, and a stream whose store refuses every
 * write. The registry goes through NATS via a fault proxy; the test reads the stream directly.
 * Each time the relay must end with the stream equal to the registry, every event stored once.
 */
describe('relay publishing under faults', () => {
  let proxy: NatsFaultProxy;
  let r: RegistryUnderTest;
  let nc: NatsConnection;
  let stream: StreamReader;
  const hooks: RelayHooks = {};
  let cluster = 0;

  beforeAll(async () => {
    proxy = await startNatsFaultProxy(Number(new URL(natsUrl()).port));
    r = await startRegistry({
      env: {
        NATS_URL: proxy.url,
        NATS_PUBLISH_TIMEOUT_MS: '500',
        RELAY_PUBLISH_DEADLINE_MS: '3000',
        RELAY_STREAM_REBUILD_AFTER_MS: '1500',
        RELAY_STREAM_CHECK_INTERVAL_MS: '100000', // only a failure makes the relay look at the stream
      },
      providers: [{ provide: RELAY_HOOKS, useValue: hooks }],
    });
    nc = await connect({ servers: natsUrl() });
    stream = await StreamReader.open(r.config.streamName);
  });
  afterEach(() => {
    proxy.setAckFault({ kind: 'pass' });
    delete hooks.beforePublish;
  });
  afterAll(async () => {
    await stream?.close();
    await nc?.close();
    await r?.stop();
    await proxy?.close();
  });

  const relay = () => r.app.get(OutboxRelay);
  const metric = async (name: string) => {
    const text = (await r.request('GET', '/metrics', undefined, null)).body as string;
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };
  /** A cluster with nodes and blocks, written in one transaction: `n` × 2 + 1 events. */
  async function writeCluster(n: number): Promise<string> {
    const id = `c${++cluster}`;
    await r.request('POST', '/v1/clusters', { id, kind: 'static' });
    const nodes = Array.from({ length: n }, (_, i) => ({ name: `n${i}`, addresses: [`192.0.2.${i + 1}`] }));
    const res = await r.request('POST', `/v1/clusters/${id}/changes`, {
      upsert: { nodes, podBlocks: nodes.map((x, i) => ({ cidr: `10.${cluster}.${i}.0/24`, node: x.name })) },
    });
    expect(res.status).toBe(200);
    return id;
  }
  async function expectStreamEqualsRegistry(durable: string): Promise<void> {
    await pollUntil('the outbox to drain', async () => (await relay().pending()) === 0, {
      timeoutMs: 30_000,
    });
    expect(await replayStream(nc, r, durable)).toEqual(await registryState(r));
  }

  it('re-creates the stream and re-publishes the state when the stream is gone at the publish', async () => {
    await writeCluster(3);
    await pollUntil('the first events', async () => (await relay().pending()) === 0);
    const resyncs = await metric('isthmus_registry_stream_resyncs_total');
    let deleted = false;
    hooks.beforePublish = async () => {
      if (deleted) return;
      deleted = true;
      await (await jetstreamManager(nc)).streams.delete(r.config.streamName);
    };
    await writeCluster(3); // its round finds the stream gone between read and publish
    await expectStreamEqualsRegistry('gone-at-publish');
    expect(deleted).toBe(true);
    expect(await metric('isthmus_registry_stream_resyncs_total')).toBe(resyncs + 1);
  });

  it('ends a round whose acknowledgements never come at its bound, and stores its events once', async () => {
    await pollUntil('an idle relay', async () => (await relay().pending()) === 0);
    const before = await stream.storedCount();
    proxy.setAckFault({ kind: 'drop' });
    const seen = proxy.acksSeen;
    await writeCluster(5); // 11 events
    await pollUntil('the server to store them, unacknowledged', () => proxy.acksSeen - seen >= 11);
    await pollUntil('a round to fail', async () => (await metric('isthmus_registry_relay_errors_total')) > 0);
    expect(await relay().pending()).toBe(11); // nothing is deleted from the outbox without its ack
    proxy.setAckFault({ kind: 'pass' });
    await pollUntil('the outbox to drain', async () => (await relay().pending()) === 0);
    await new Promise((res) => setTimeout(res, 200)); // a second copy would show up meanwhile
    expect((await stream.storedCount()) - before).toBe(11); // stored once, whatever the retries
    await expectStreamEqualsRegistry('acks-dropped');
  });

  it('rebuilds a stream that refuses every write with a store failure', async () => {
    await pollUntil('an idle relay', async () => (await relay().pending()) === 0);
    proxy.setAckFault({
      kind: 'rewrite',
      to: () => ({
        error: {
          code: 503,
          err_code: 10077,
          description: 'error opening msg block file ["1.blk"]: open 1.blk: no such file or directory',
        },
      }),
    });
    await writeCluster(2);
    await pollUntil(
      'readiness to say the stream refuses writes',
      async () => (await r.request('GET', '/readyz', undefined, null)).status === 503,
    );
    await pollUntil(
      'the stream to be rebuilt',
      async () => (await metric('isthmus_registry_stream_rebuilds_total')) >= 1,
    );
    proxy.setAckFault({ kind: 'pass' });
    await expectStreamEqualsRegistry('after-rebuild');
    await pollUntil(
      'readiness again',
      async () => (await r.request('GET', '/readyz', undefined, null)).status === 200,
    );
  });
});
