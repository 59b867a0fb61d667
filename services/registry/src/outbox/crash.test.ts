import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registrySubjects } from '@isthmus/contracts';

import {
  createTestDatabase,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
  pollUntil,
} from '@isthmus/testing';

import { registryEnv, request, StreamReader } from '../testing/registry-harness';
import { spawnRegistry, type RegistryProcess } from '../testing/registry-process';

/**
 * The registry is killed with SIGKILL after it committed changes and before it could publish
 * them (NATS is down at the time). After a restart every event is published, exactly once.
 */
describe('registry killed between commit and publish', () => {
  let db: TestDatabase;
  let nats: NatsServerHandle;
  let registry: RegistryProcess | undefined;
  let stream: StreamReader | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('crash');
    nats = await startNatsServer({ jetstream: true });
  });
  afterAll(async () => {
    await registry?.kill();
    await stream?.close();
    await nats?.kill();
    await db?.drop();
  });

  it('publishes every committed change exactly once after restart', async () => {
    const env = registryEnv(db, { NATS_URL: nats.url });
    const subjects = registrySubjects(env.ISTHMUS_SUBJECT_ROOT!);
    await nats.stop();
    registry = await spawnRegistry(env);

    expect((await request(registry.url, 'POST', '/v1/clusters', { id: 'edge', kind: 'static' })).status).toBe(
      201,
    );
    const nodes = Array.from({ length: 50 }, (_, i) => ({
      name: `node-${i}.edge.internal`,
      addresses: [`192.0.2.${i + 1}`],
    }));
    const res = await request(registry.url, 'POST', '/v1/clusters/edge/changes', {
      upsert: { nodes, podBlocks: nodes.map((n, i) => ({ cidr: `10.20.${i}.0/24`, node: n.name })) },
    });
    expect(res.body).toEqual({ submitted: 100, changed: 100 });

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const committed = (await client.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n;
    expect(committed).toBe(101); // committed, waiting for NATS

    await registry.kill();
    registry = undefined;
    await nats.start();
    stream = await StreamReader.open(env.ISTHMUS_REGISTRY_STREAM!, nats.url);
    expect(await stream.storedCount()).toBe(0); // nothing got out before the kill

    registry = await spawnRegistry(env);
    await pollUntil(
      'the outbox to drain after restart',
      async () => (await client.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n === 0,
      { intervalMs: 50 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await stream.storedCount()).toBe(101);
    const all = await stream.all();
    expect(all.size).toBe(101);
    expect(all.get(subjects.cluster('edge'))).toMatchObject({ deleted: false, state: { id: 'edge' } });
    expect(all.get(subjects.block('edge', '10.20.49.0/24'))).toMatchObject({
      state: { nextHop: '192.0.2.50' },
    });
    await client.end();
  });
});
