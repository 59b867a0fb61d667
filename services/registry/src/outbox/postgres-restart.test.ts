import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registrySubjects } from '@isthmus/contracts';

import {
  startPostgresServer,
  type PostgresServerHandle,
  type TestDatabase,
  pollUntil,
} from '@isthmus/testing';

import { startRegistry, StreamReader, type RegistryUnderTest } from '../testing/registry-harness';

/**
 * PostgreSQL restarts (and crashes) under a running registry: requests in the meantime get a
 * 503 that says to retry, never a 500; liveness stays up, readiness goes down; afterwards the
 * same process takes writes again and its relay publishes them, without a restart.
 */
describe('PostgreSQL restarting under the registry', () => {
  let pg: PostgresServerHandle;
  let r: RegistryUnderTest;
  let stream: StreamReader;

  beforeAll(async () => {
    pg = await startPostgresServer();
    const db: TestDatabase = {
      url: pg.url.replace(/\/postgres$/, '/registry'),
      name: 'registry',
      drop: async () => undefined, // the whole server goes in afterAll
    };
    r = await startRegistry({ db });
    stream = await StreamReader.open(r.config.streamName);
  });
  afterAll(async () => {
    await stream?.close();
    await r?.stop();
    await pg?.destroy();
  });

  it.each([
    ['stopped and started', 'stop'],
    ['killed and started (crash recovery)', 'kill'],
  ] as const)('serves and publishes again after the database is %s', async (_how, how) => {
    const subjects = registrySubjects(r.config.subjectRoot);
    const cluster = `c-${how}`;
    expect((await r.request('POST', '/v1/clusters', { id: cluster, kind: 'static' })).status).toBe(201);
    expect(
      (await r.request('PUT', `/v1/clusters/${cluster}/nodes/before`, { addresses: ['192.0.2.1'] })).status,
    ).toBe(200);

    await pg[how]();
    const down = await r.request('PUT', `/v1/clusters/${cluster}/nodes/during`, { addresses: ['192.0.2.2'] });
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/database is unavailable; retry/);
    expect((await r.request('GET', `/v1/clusters/${cluster}`)).status).toBe(503);
    expect((await r.request('GET', '/healthz', undefined, null)).status).toBe(200);
    expect((await r.request('GET', '/readyz', undefined, null)).body).toMatchObject({
      checks: { postgres: 'unavailable' },
    });

    await pg.start();
    // The first request after the restart may still meet a pooled connection the server cut.
    await pollUntil(
      'a write to succeed again',
      async () =>
        (await r.request('PUT', `/v1/clusters/${cluster}/nodes/after`, { addresses: ['192.0.2.3'] }))
          .status === 200,
      { intervalMs: 50 },
    );
    for (const node of ['before', 'after']) {
      await pollUntil(
        `node "${node}" on the stream`,
        async () => (await stream.lastFor(subjects.node(cluster, node)))?.deleted === false,
        { intervalMs: 50 },
      );
    }
    expect(await stream.lastFor(subjects.node(cluster, 'during'))).toBeNull();
    await pollUntil(
      'readiness',
      async () => (await r.request('GET', '/readyz', undefined, null)).status === 200,
      { intervalMs: 50 },
    );
  });
});
