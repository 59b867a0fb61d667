import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';

/** IPv6 works the same way: a /32 pool, /48 allocations, then /64s; counts outgrow JSON numbers. */
describe('an IPv6 address plan', () => {
  let ipam: IpamUnderTest;
  const allocate = (body: object) => ipam.request('POST', '/v1/pools/v6/allocations', body);

  beforeAll(async () => {
    ipam = await startIpam();
    expect((await ipam.request('POST', '/v1/pools', { name: 'v6', cidr: '2001:db8::/32' })).status).toBe(201);
  });
  afterAll(async () => {
    await ipam?.stop();
  });

  it('hands out /48s and /64s lowest first, aligned, and never overlapping', async () => {
    const k8s = await allocate({ cluster: 'k8s', purpose: 'pods', prefixLength: 48 });
    const dcos = await allocate({ cluster: 'dcos', purpose: 'pods', prefixLength: 48 });
    expect([k8s.status, dcos.status]).toEqual([201, 201]);
    expect([k8s.body.cidr, dcos.body.cidr]).toEqual(['2001:db8::/48', '2001:db8:1::/48']);
    expect(k8s.body.family).toBe(6);

    const lb = await allocate({ cluster: 'k8s', purpose: 'load-balancers', prefixLength: 64 });
    const lb2 = await allocate({ cluster: 'k8s', purpose: 'load-balancers', prefixLength: 64 });
    expect([lb.body.cidr, lb2.body.cidr]).toEqual(['2001:db8:2::/64', '2001:db8:2:1::/64']);

    const inside = await allocate({ cluster: 'x', purpose: 'services', cidr: '2001:db8:1:ff::/64' });
    expect(inside.status).toBe(409);
    expect(inside.body.message).toBe(
      `2001:db8:1:ff::/64 overlaps allocation ${dcos.body.id} (cluster dcos, pods) 2001:db8:1::/48`,
    );
    const explicit = await allocate({ cluster: 'x', purpose: 'services', cidr: '2001:db8:ffff::/48' });
    expect(explicit.body.cidr).toBe('2001:db8:ffff::/48');

    // The next /48 skips the /48 that holds the two /64s.
    const third = await allocate({ cluster: 'swarm', purpose: 'pods', prefixLength: 48 });
    expect(third.body.cidr).toBe('2001:db8:3::/48');

    const u = await ipam.request('GET', '/v1/pools/v6/utilization');
    expect(u.body).toMatchObject({
      allocations: 6,
      size: (2n ** 96n).toString(),
      used: (4n * 2n ** 80n + 2n * 2n ** 64n).toString(),
      free: (2n ** 96n - 4n * 2n ** 80n - 2n * 2n ** 64n).toString(),
      // 2001:db8:8000::/33 would be larger, but 2001:db8:ffff::/48 lies in it.
      largestFreeBlock: '2001:db8:4000::/34',
    });
  });

  it('says what is left of a full IPv6 pool', async () => {
    expect((await ipam.request('POST', '/v1/pools', { name: 'tiny', cidr: '2001:db9::/63' })).status).toBe(
      201,
    );
    const a = await ipam.request('POST', '/v1/pools/tiny/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      cidr: '2001:db9::/64',
    });
    expect(a.status).toBe(201);
    const full = await ipam.request('POST', '/v1/pools/tiny/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      prefixLength: 63,
    });
    expect(full.status).toBe(409);
    expect(full.body.message).toBe(
      'no free /63 in pool tiny (2001:db9::/63): largest free block is /64 2001:db9:0:1::/64',
    );
  });
});
