import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  pollUntil,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
} from '@isthmus/testing';
import { ensureRegistryStream, ipamEnv, startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { RegistryStream } from './testing/registry-stream';

/**
 * /readyz stays 503 until the feed has caught up with the registry stream: here NATS is down
 * when the service starts, then comes back with a registry stream holding a few hundred blocks.
 * The address plan API works meanwhile (it needs only PostgreSQL).
 */
describe('readiness follows the registry feed', () => {
  let nats: NatsServerHandle;
  let db: TestDatabase;
  let env: Record<string, string>;
  let ipam: IpamUnderTest;

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase('ipam');
    env = ipamEnv(db, { NATS_URL: nats.url });
    // The registry's stream, filled before the service ever sees it.
    await ensureRegistryStream(env);
    const registry = await RegistryStream.open(env);
    await registry.publish(
      Array.from({ length: 300 }, (_, i) =>
        registry.blockEvent({ cluster: 'k8s', cidr: `10.2.${i >> 2}.${(i & 3) * 64}/26`, node: `n${i}` }),
      ),
    );
    await registry.close();
    await nats.stop();
    ipam = await startIpam({ env, db, waitReady: false, registryStream: false });
  });
  afterAll(async () => {
    await ipam?.stop();
    await nats?.stop();
    await db?.drop();
  });

  it('is not ready until the registry stream is replayed, and serves the plan meanwhile', async () => {
    const before = await ipam.request('GET', '/readyz', undefined, null);
    expect(before.status).toBe(503);
    expect(before.body.checks).toEqual({ postgres: 'ok', registryFeed: 'unavailable' });
    expect((await ipam.request('POST', '/v1/pools', { name: 'lab', cidr: '10.0.0.0/8' })).status).toBe(201);
    // Verdicts would be partial: 503 rather than a wrong 404.
    const verdict = await ipam.request(
      'GET',
      `/v1/clusters/k8s/pod-blocks/${encodeURIComponent('10.2.0.0/26')}/verdict`,
    );
    expect(verdict.status).toBe(503);

    await nats.start();
    await pollUntil(
      'readiness',
      async () => (await ipam.request('GET', '/readyz', undefined, null)).status === 200,
      {
        timeoutMs: 30_000,
      },
    );
    // Ready means the whole replay is applied.
    const page = await ipam.request('GET', '/v1/verdicts?cluster=k8s&limit=1000');
    expect(page.body.items).toHaveLength(300);
    const metrics = (await ipam.request('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/^isthmus_ipam_feed_caught_up 1$/m);
    expect(metrics).toMatch(/^isthmus_ipam_block_verdicts\{status="valid"\} 300$/m);
  });
});
