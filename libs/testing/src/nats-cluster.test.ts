import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsClusterHandle } from './index';

describe('startNatsCluster', () => {
  let cluster: NatsClusterHandle;
  beforeAll(async () => {
    cluster = await startNatsCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs a 3-node JetStream cluster whose R3 stream survives the loss of its leader', async () => {
    expect(cluster.url.split(',')).toHaveLength(3);
    const nc = await connect({ servers: cluster.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'R3', subjects: ['r3.>'], num_replicas: 3 });
      await cluster.streamSettled('R3');
      const js = jetstream(nc);
      await js.publish('r3.a', 'one');
      const leader = await cluster.streamLeader('R3');
      await leader.kill();
      expect(leader.running).toBe(false);
      const next = await cluster.streamLeader('R3', { not: leader.name });
      expect(next.name).not.toBe(leader.name);
      await js.publish('r3.a', 'two', { retries: 20 });
      await leader.start();
      await cluster.streamSettled('R3');
      expect((await jsm.streams.info('R3')).state.messages).toBe(2);
    } finally {
      await nc.close();
    }
  });
});
