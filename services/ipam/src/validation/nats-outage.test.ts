import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  pollUntil,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
} from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { ipamEnv, startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { IpamEvents } from './testing/ipam-events';

/**
 * NATS restarts while blocks change: the service neither crashes nor loses a change. Its feed
 * binds again and applies what came after; its publisher keeps what it could not send and sends
 * it (coalesced) once NATS is back; the IPAM stream ends up equal to the validator's state.
 */
describe('NATS restarting under the ipam service', () => {
  let nats: NatsServerHandle;
  let db: TestDatabase;
  let ipam: IpamUnderTest;
  let registry: RegistryStream;
  let events: IpamEvents;
  const k8s = (i: number) => ({ cluster: 'k8s', cidr: `10.1.${i}.0/26`, node: `worker-${i % 5}` });
  const dcos = (i: number) => ({ cluster: 'dcos', cidr: `10.1.${i}.0/24`, node: `agent-${i % 3}` });
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase('ipam');
    const env = ipamEnv(db, { NATS_URL: nats.url, IPAM_STREAM_CHECK_INTERVAL_MS: '500' });
    ipam = await startIpam({ env, db });
    registry = await RegistryStream.open(env);
    events = await IpamEvents.open(env);
  });
  afterAll(async () => {
    await events?.close();
    await registry?.close();
    await ipam?.stop();
    await nats?.stop();
    await db?.drop();
  });

  it('converges on the changes made before, during and after the restart', async () => {
    await registry.publish(range(0, 50).map((i) => registry.blockEvent(k8s(i))));
    // Stopped at once: the feed and the publisher are in the middle of their work.
    await nats.stop();
    expect((await ipam.request('GET', '/healthz', undefined, null)).status).toBe(200);
    await nats.start();

    // After the restart: ten blocks go away, ten DC/OS subnets come over ten others.
    await registry.publish(range(0, 10).map((i) => registry.blockGone('k8s', k8s(i).cidr)));
    await registry.publish(range(10, 20).map((i) => registry.blockEvent(dcos(i))));

    await pollUntil(
      'the IPAM stream to hold every final verdict',
      async () => {
        // A removed block: a tombstone, or nothing if its verdict never went out before it left.
        for (const i of range(0, 10)) {
          if (!['gone', null].includes(await events.storedStatus('k8s', k8s(i).cidr))) return false;
        }
        for (const i of range(10, 50))
          if ((await events.storedStatus('k8s', k8s(i).cidr)) !== 'valid') return false;
        for (const i of range(10, 20))
          if ((await events.storedStatus('dcos', dcos(i).cidr)) !== 'conflict') return false;
        return true;
      },
      { timeoutMs: 45_000 },
    );
    const conflicts = (await ipam.request('GET', '/v1/conflicts?limit=100')).body.items;
    expect(conflicts.map((c: { excluded: { cidr: string } }) => c.excluded.cidr).sort()).toEqual(
      range(10, 20)
        .map((i) => dcos(i).cidr)
        .sort(),
    );
    // Every open conflict is in the stream too.
    for (const c of conflicts) {
      await pollUntil(
        `conflict ${c.id} in the stream`,
        async () => (await events.stored(events.subjects.conflict(c.id)))?.deleted === false,
      );
    }
    expect((await ipam.request('GET', '/readyz', undefined, null)).status).toBe(200);
  });
});
