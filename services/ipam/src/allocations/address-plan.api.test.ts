import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';

/**
 * Seed 002's address plan (DESIGN.md): one /16 pool, a /17 to the Kubernetes cluster and a /17
 * to the DC/OS cluster, allocated through the API.
 */
describe('the address plan of seed 002', () => {
  let ipam: IpamUnderTest;
  beforeAll(async () => {
    ipam = await startIpam();
    const pool = await ipam.request('POST', '/v1/pools', {
      name: 'seed-002',
      cidr: '192.168.0.0/16',
      description: 'pods of k8s and dcos',
    });
    expect(pool.status).toBe(201);
  });
  afterAll(async () => {
    await ipam?.stop();
  });

  it('gives each cluster a /17, lowest first, then says the pool is full', async () => {
    const k8s = await ipam.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      prefixLength: 17,
    });
    expect(k8s.status).toBe(201);
    expect(k8s.body).toMatchObject({
      pool: 'seed-002',
      cluster: 'k8s',
      purpose: 'pods',
      cidr: '192.168.0.0/17',
      family: 4,
    });
    const dcos = await ipam.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'dcos',
      purpose: 'pods',
      prefixLength: 17,
    });
    expect(dcos.status).toBe(201);
    expect(dcos.body.cidr).toBe('192.168.128.0/17');

    const third = await ipam.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'swarm',
      purpose: 'pods',
      prefixLength: 17,
    });
    expect(third.status).toBe(409);
    expect(third.body.message).toBe('no free /17 in pool seed-002 (192.168.0.0/16): the pool is full');

    const explicit = await ipam.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'swarm',
      purpose: 'pods',
      cidr: '192.168.0.0/17',
    });
    expect(explicit.status).toBe(409);
    expect(explicit.body.message).toBe(
      `192.168.0.0/17 overlaps allocation ${k8s.body.id} (cluster k8s, pods) 192.168.0.0/17`,
    );

    const utilization = await ipam.request('GET', '/v1/pools/seed-002/utilization');
    expect(utilization.body).toEqual({
      pool: 'seed-002',
      cidr: '192.168.0.0/16',
      allocations: 2,
      size: '65536',
      used: '65536',
      free: '0',
      usedPercent: 100,
      largestFreeBlock: null,
      freeBlocks: [],
    });

    // Cleanup for the tests below: the pool is empty again.
    for (const id of [k8s.body.id, dcos.body.id]) {
      expect((await ipam.request('DELETE', `/v1/allocations/${id}`)).status).toBe(200);
    }
  });

  it('names every holder a prefix overlaps, and what is left when no block is free', async () => {
    const allocate = (body: object) => ipam.request('POST', '/v1/pools/seed-002/allocations', body);
    const a = await allocate({ cluster: 'k8s', purpose: 'pods', cidr: '192.168.0.0/17' });
    const b = await allocate({ cluster: 'dcos', purpose: 'services', cidr: '192.168.128.0/18' });
    expect([a.status, b.status]).toEqual([201, 201]);

    const both = await allocate({ cluster: 'x', purpose: 'pods', cidr: '192.168.0.0/16' });
    expect(both.status).toBe(409);
    expect(both.body.message).toBe(
      `192.168.0.0/16 overlaps allocation ${a.body.id} (cluster k8s, pods) 192.168.0.0/17, ` +
        `allocation ${b.body.id} (cluster dcos, services) 192.168.128.0/18`,
    );

    const noSlash17 = await allocate({ cluster: 'x', purpose: 'pods', prefixLength: 17 });
    expect(noSlash17.status).toBe(409);
    expect(noSlash17.body.message).toBe(
      'no free /17 in pool seed-002 (192.168.0.0/16): largest free block is /18 192.168.192.0/18',
    );
    const utilization = await ipam.request('GET', '/v1/pools/seed-002/utilization');
    expect(utilization.body).toMatchObject({
      used: '49152',
      free: '16384',
      usedPercent: 75,
      largestFreeBlock: '192.168.192.0/18',
      freeBlocks: ['192.168.192.0/18'],
    });

    const deleting = await ipam.request('DELETE', '/v1/pools/seed-002');
    expect(deleting.status).toBe(409);
    expect(deleting.body.message).toBe(
      `pool seed-002 (192.168.0.0/16) still has 2 allocations: ` +
        `allocation ${a.body.id} (cluster k8s, pods) 192.168.0.0/17, ` +
        `allocation ${b.body.id} (cluster dcos, services) 192.168.128.0/18; release them first`,
    );

    for (const id of [a.body.id, b.body.id]) await ipam.request('DELETE', `/v1/allocations/${id}`);
  });

  it('gives the lowest block again once it is released', async () => {
    const allocate = () =>
      ipam.request('POST', '/v1/pools/seed-002/allocations', {
        cluster: 'k8s',
        purpose: 'load-balancers',
        prefixLength: 24,
      });
    const first = await allocate();
    const second = await allocate();
    expect([first.body.cidr, second.body.cidr]).toEqual(['192.168.0.0/24', '192.168.1.0/24']);

    const released = await ipam.request('DELETE', `/v1/allocations/${first.body.id}`);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ id: first.body.id, cidr: '192.168.0.0/24' });
    expect((await ipam.request('GET', `/v1/allocations/${first.body.id}`)).status).toBe(404);
    expect((await ipam.request('DELETE', `/v1/allocations/${first.body.id}`)).status).toBe(404);

    const again = await allocate();
    expect(again.status).toBe(201);
    expect(again.body.cidr).toBe('192.168.0.0/24');
    expect(again.body.id).not.toBe(first.body.id);

    // Alignment: a /23 cannot start at 192.168.1.0, so the lowest free one is 192.168.2.0/23.
    const aligned = await ipam.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'k8s',
      purpose: 'services',
      prefixLength: 23,
    });
    expect(aligned.body.cidr).toBe('192.168.2.0/23');
    for (const id of [second.body.id, again.body.id, aligned.body.id]) {
      await ipam.request('DELETE', `/v1/allocations/${id}`);
    }
  });

  it('lists allocations in address order, filtered, one page at a time', async () => {
    const made: { id: number; cidr: string }[] = [];
    for (const [cluster, purpose, cidr] of [
      ['dcos', 'pods', '192.168.128.0/17'],
      ['k8s', 'pods', '192.168.0.0/18'],
      ['k8s', 'services', '192.168.64.0/20'],
      ['k8s', 'pods', '192.168.80.0/20'],
    ] as const) {
      const res = await ipam.request('POST', '/v1/pools/seed-002/allocations', { cluster, purpose, cidr });
      expect(res.status).toBe(201);
      made.push(res.body);
    }
    const all = await ipam.request('GET', '/v1/pools/seed-002/allocations');
    expect(all.body.items.map((a: { cidr: string }) => a.cidr)).toEqual([
      '192.168.0.0/18',
      '192.168.64.0/20',
      '192.168.80.0/20',
      '192.168.128.0/17',
    ]);
    expect(all.body.nextCursor).toBeNull();

    const k8sPods = await ipam.request(
      'GET',
      '/v1/pools/seed-002/allocations?cluster=k8s&purpose=pods&limit=1',
    );
    expect(k8sPods.body.items.map((a: { cidr: string }) => a.cidr)).toEqual(['192.168.0.0/18']);
    const next = await ipam.request(
      'GET',
      `/v1/pools/seed-002/allocations?cluster=k8s&purpose=pods&limit=1&cursor=${k8sPods.body.nextCursor}`,
    );
    expect(next.body.items.map((a: { cidr: string }) => a.cidr)).toEqual(['192.168.80.0/20']);
    expect(next.body.nextCursor).toBeNull();

    const acrossPools = await ipam.request('GET', '/v1/allocations?cluster=dcos');
    expect(acrossPools.body.items).toEqual([
      expect.objectContaining({ pool: 'seed-002', cluster: 'dcos', cidr: '192.168.128.0/17' }),
    ]);
    const one = await ipam.request('GET', `/v1/allocations/${made[0]!.id}`);
    expect(one.body).toMatchObject({ id: made[0]!.id, cidr: '192.168.128.0/17', purpose: 'pods' });
    expect(Date.parse(one.body.createdAt)).not.toBeNaN();

    expect((await ipam.request('GET', '/v1/pools/nope/allocations')).status).toBe(404);
    for (const a of made) await ipam.request('DELETE', `/v1/allocations/${a.id}`);
  });
});
