import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpam, VIEWER_TOKEN, type IpamUnderTest } from '../testing/ipam-harness';
import { PlanFeed } from './plan-feed';
import type { ChangeListener } from '@isthmus/service-kit';

/**
 * Issue 10, 7 (a flake of lookup.api.test.ts under load): a replica reads its own plan writes.
 * Its LISTEN connection is stopped here, so no notification ever reaches its plan feed (as when
 * the NOTIFY round trip is slow): what a write through its own API changed must be in its lookup
 * the moment the answer arrives, and a read of an older plan revision must not roll it back.
 */
describe('read-your-writes of the address plan', () => {
  let ipam: IpamUnderTest;
  let feed: PlanFeed;
  const lookup = async (address: string) =>
    (await ipam.request('GET', `/v1/lookup/${address}`, undefined, VIEWER_TOKEN)).body;

  beforeAll(async () => {
    ipam = await startIpam();
    feed = ipam.app.get(PlanFeed);
    // The listener is the feed's own; stopping it is the longest delay a notification can have.
    await (feed as unknown as { listener: ChangeListener }).listener.stop();
  });
  afterAll(async () => {
    await ipam?.stop();
  });

  it('a pool and an allocation written here are in the lookup as soon as the writes are answered', async () => {
    expect((await ipam.request('POST', '/v1/pools', { name: 'p', cidr: '10.20.0.0/16' })).status).toBe(201);
    expect(await lookup('10.20.1.1')).toMatchObject({ pool: { name: 'p' }, allocation: null });
    const before = feed.revision;

    const res = await ipam.request('POST', '/v1/pools/p/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      cidr: '10.20.0.0/17',
    });
    expect(res.status).toBe(201);
    expect(await lookup('10.20.1.1')).toMatchObject({
      pool: { name: 'p' },
      allocation: { id: res.body.id, cluster: 'k8s' },
    });
    expect(feed.revision).toBeGreaterThan(before);

    expect((await ipam.request('DELETE', `/v1/allocations/${res.body.id}`)).status).toBe(200);
    expect(await lookup('10.20.1.1')).toMatchObject({ pool: { name: 'p' }, allocation: null });
  });

  it('a read of a revision already applied changes nothing', async () => {
    const res = await ipam.request('POST', '/v1/pools/p/allocations', {
      cluster: 'dcos',
      purpose: 'pods',
      cidr: '10.20.128.0/17',
    });
    expect(res.status).toBe(201);
    const revision = feed.revision;
    // Another read of the same revision (what a notification that comes late would start).
    await feed.catchUp();
    expect(feed.revision).toBe(revision);
    expect(await lookup('10.20.130.1')).toMatchObject({ allocation: { id: res.body.id, cluster: 'dcos' } });
  });
});
