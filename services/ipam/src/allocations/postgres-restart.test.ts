import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer, type PostgresServerHandle, pollUntil } from '@isthmus/testing';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';

/**
 * PostgreSQL stops under a running service: requests get a 503 with Retry-After that says to
 * retry, never a 500; liveness stays up, readiness goes down; once the database is back the same
 * process allocates again.
 */
describe('PostgreSQL unavailable under the ipam service', () => {
  let pg: PostgresServerHandle;
  let ipam: IpamUnderTest;

  beforeAll(async () => {
    pg = await startPostgresServer();
    ipam = await startIpam({
      db: { url: pg.url.replace(/\/postgres$/, '/ipam'), name: 'ipam', drop: async () => undefined },
    });
    expect((await ipam.request('POST', '/v1/pools', { name: 'p', cidr: '10.0.0.0/16' })).status).toBe(201);
  });
  afterAll(async () => {
    await ipam?.stop();
    await pg?.destroy();
  });

  it.each([
    ['stopped', 'stop'],
    ['killed (crash recovery)', 'kill'],
  ] as const)(
    'answers 503, not 500, while the database is %s, and allocates again after',
    async (_how, how) => {
      const next = { cluster: 'k8s', purpose: 'pods', prefixLength: 24 };
      expect((await ipam.request('POST', '/v1/pools/p/allocations', next)).status).toBe(201);

      await pg[how]();
      for (const [method, path, body] of [
        ['POST', '/v1/pools/p/allocations', next],
        ['POST', '/v1/pools/p/allocations', { cluster: 'k8s', purpose: 'pods', cidr: '10.0.200.0/24' }],
        ['GET', '/v1/pools/p/utilization', undefined],
        ['GET', '/v1/allocations', undefined],
        ['DELETE', '/v1/allocations/1', undefined],
      ] as const) {
        const res = await ipam.request(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(503);
        expect(res.headers.get('retry-after')).toBe('2');
        expect(res.body.message).toBe(
          'the ipam database is unavailable; retry shortly (nothing was allocated or released)',
        );
      }
      expect((await ipam.request('GET', '/healthz', undefined, null)).status).toBe(200);
      const ready = await ipam.request('GET', '/readyz', undefined, null);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'unavailable',
        checks: { postgres: 'unavailable', registryFeed: 'ok' },
      });

      await pg.start();
      // The first request after the restart may still meet a pooled connection the server cut:
      // that is a 503 too, never a 500.
      const seen = new Set<number>();
      await pollUntil(
        'an allocation to succeed again',
        async () => {
          const { status } = await ipam.request('POST', '/v1/pools/p/allocations', next);
          seen.add(status);
          return status === 201;
        },
        { intervalMs: 50 },
      );
      expect([...seen].filter((s) => s !== 201 && s !== 503)).toEqual([]);
      await pollUntil(
        'readiness',
        async () => (await ipam.request('GET', '/readyz', undefined, null)).status === 200,
        { intervalMs: 50 },
      );
    },
  );
});
