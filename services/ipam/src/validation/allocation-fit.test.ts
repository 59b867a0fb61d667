import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { startIpam, type IpamUnderTest } from '../testing/ipam-harness';
import { IpamEvents } from './testing/ipam-events';

/**
 * A block outside its cluster's pod allocation is `outside-allocation`; once the address plan
 * covers it, `valid`. The plan changes through one replica's REST API and the other replica
 * learns it from PostgreSQL (NOTIFY from the tables' triggers), not from its own process.
 */
describe('pod blocks against the address plan, across replicas', () => {
  let a: IpamUnderTest;
  let b: IpamUnderTest;
  let registry: RegistryStream;
  let events: IpamEvents;
  // Seed 002: the Calico block of Kubernetes worker 2.
  const block = { cluster: 'k8s', cidr: '192.168.119.192/26', node: 'worker-2', nextHop: '172.16.18.35' };
  const verdictOn = async (ipam: IpamUnderTest) =>
    (await ipam.request('GET', `/v1/clusters/k8s/pod-blocks/${encodeURIComponent(block.cidr)}/verdict`)).body;

  beforeAll(async () => {
    a = await startIpam();
    b = await startIpam({ env: a.env, db: a.db });
    registry = await RegistryStream.open(a.env);
    events = await IpamEvents.open(a.env);
  });
  afterAll(async () => {
    await events?.close();
    await registry?.close();
    await b?.stop();
    await a?.stop();
  });

  it('judges a block outside the pod allocation, then valid once an allocation covers it', async () => {
    expect((await a.request('POST', '/v1/pools', { name: 'seed-002', cidr: '192.168.0.0/16' })).status).toBe(
      201,
    );
    const small = await a.request('POST', '/v1/pools/seed-002/allocations', {
      cluster: 'k8s',
      purpose: 'pods',
      cidr: '192.168.0.0/18',
    });
    expect(small.status).toBe(201);
    // The block comes once both replicas know the allocation (NOTIFY → re-read of the plan);
    // before that its cluster has no pod allocation and the block would first be judged valid.
    for (const ipam of [a, b]) {
      await pollUntil("the /18 in both replicas' plan", async () => {
        const answer = (await ipam.request('GET', '/v1/lookup/192.168.0.1')).body;
        return answer.allocation?.cidr === '192.168.0.0/18';
      });
    }
    await registry.block(block);

    for (const ipam of [a, b]) {
      await pollUntil('outside-allocation on both replicas', async () => {
        const v = await verdictOn(ipam);
        return v.status === 'outside-allocation' && v.allocation === 'outside';
      });
    }
    await pollUntil(
      'the verdict in the stream',
      async () => (await events.storedStatus('k8s', block.cidr)) === 'outside-allocation',
    );

    // The operator fixes the plan through replica A (release) and replica B (a /17, seed 002's).
    expect((await a.request('DELETE', `/v1/allocations/${small.body.id}`)).status).toBe(200);
    const wide = { cluster: 'k8s', purpose: 'pods', cidr: '192.168.0.0/17' };
    expect((await b.request('POST', '/v1/pools/seed-002/allocations', wide)).status).toBe(201);

    for (const ipam of [a, b]) {
      await pollUntil('valid on both replicas', async () => {
        const v = await verdictOn(ipam);
        return v.status === 'valid' && v.allocation === 'inside';
      });
    }
    await pollUntil('the valid verdict in the stream', async () => {
      const e = await events.stored(events.subjects.verdict('k8s', block.cidr));
      return (
        e?.kind === 'verdict' && !e.deleted && e.state.status === 'valid' && e.state.allocation === 'inside'
      );
    });
    const statuses = events.verdicts('k8s', block.cidr).map((v) => v?.status);
    expect(statuses[0]).toBe('outside-allocation');
    expect(statuses.at(-1)).toBe('valid');
    // Both replicas judge; exactly one of them publishes.
    const publishing = await Promise.all(
      [a, b].map(async (ipam) => {
        const metrics = (await ipam.request('GET', '/metrics', undefined, null)).body as string;
        return Number(/^isthmus_ipam_publisher (\d+)$/m.exec(metrics)?.[1]);
      }),
    );
    expect(publishing.sort()).toEqual([0, 1]);
  });
});
