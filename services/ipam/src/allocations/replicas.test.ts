import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidrsOverlap, parseCidr } from '@isthmus/net';
import { createTestDatabase, type TestDatabase } from '@isthmus/testing';
import { ipamEnv, request } from '../testing/ipam-harness';
import { spawnIpam, type IpamProcess } from '../testing/ipam-process';

/**
 * Four replicas of the built service (dist/main.js) on one database, 100 "next free /24" requests
 * at once spread over them: every request gets a prefix, no two overlap, and no request fails.
 */
describe('next-free allocations from 4 replicas at once', () => {
  let db: TestDatabase;
  const replicas: IpamProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('ipam');
    const env = ipamEnv(db);
    // All four start at once and each applies the migrations, as replicas of a deployment do:
    // libs/migrate's migration lock makes them take turns. Four starts at once need about 5 s of
    // CPU together (5-7 s each to /healthz at a load average of 4.6): with the cores shared by a
    // suite at a load average of 14 that passed the 30 s default, twice. This test is about the
    // allocations, not about how fast a starved machine starts four processes.
    const started = await Promise.allSettled(
      [0, 1, 2, 3].map(() => spawnIpam(env, { startTimeoutMs: 120_000 })),
    );
    replicas.push(...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    expect(
      (await request(replicas[0]!.url, 'POST', '/v1/pools', { name: 'p', cidr: '10.0.0.0/16' })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await db?.drop();
  });

  it('gives 100 requests 100 distinct, non-overlapping prefixes, the lowest ones, and no 5xx', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request(replicas[i % replicas.length]!.url, 'POST', '/v1/pools/p/allocations', {
          cluster: `c${i}`,
          purpose: 'pods',
          prefixLength: 24,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(201));

    const prefixes = answers.map((a) => parseCidr(a.body.cidr as string));
    expect(new Set(prefixes.map((p) => p.cidr)).size).toBe(100);
    for (let i = 0; i < prefixes.length; i++) {
      for (let j = i + 1; j < prefixes.length; j++) {
        expect(cidrsOverlap(prefixes[i]!, prefixes[j]!), `${prefixes[i]!.cidr} / ${prefixes[j]!.cidr}`).toBe(
          false,
        );
      }
    }
    // Lowest first: between them the replicas handed out exactly 10.0.0.0/24 … 10.0.99.0/24.
    const expected = Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/24`);
    expect(prefixes.map((p) => p.cidr).sort()).toEqual([...expected].sort());

    const stored = await request(replicas[3]!.url, 'GET', '/v1/pools/p/allocations?limit=1000');
    expect(stored.body.items.map((a: { cidr: string }) => a.cidr)).toEqual(expected);
    for (const replica of replicas) expect(replica.output()).not.toMatch(/unhandled error/);
  });
});
