import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceState } from '@isthmus/contracts';
import { pollUntil } from '@isthmus/testing';
import { RegistryStream } from '../feed/testing/registry-stream';
import { startIpam, VIEWER_TOKEN, type IpamUnderTest } from '../testing/ipam-harness';

/**
 * GET /v1/lookup/{address} over seed 002: the 192.168.0.0/16 plan with a /17 per cluster, the
 * Calico /26 blocks the experiment saw at the route reflector, and the nginx container it
 * deployed on DC/OS private agent 2 (192.168.158.192).
 */
describe('address lookup', () => {
  let ipam: IpamUnderTest;
  let registry: RegistryStream;
  const nginx: ServiceState = {
    cluster: 'dcos',
    namespace: '/',
    name: 'nginx',
    type: 'MarathonApp',
    clusterIPs: [],
    loadBalancerIPs: [],
    externalName: null,
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: null }],
    labels: { ISTHMUS_EXPORT: 'true' },
    exported: true,
    endpoints: [
      {
        address: '192.168.158.192',
        ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
        node: 'agent-2',
        hostname: null,
        ready: true,
        serving: true,
        terminating: false,
      },
    ],
  };
  const lookup = async (address: string) =>
    ipam.request('GET', `/v1/lookup/${address}`, undefined, VIEWER_TOKEN);

  beforeAll(async () => {
    ipam = await startIpam();
    registry = await RegistryStream.open(ipam.env);
    expect(
      (await ipam.request('POST', '/v1/pools', { name: 'seed-002', cidr: '192.168.0.0/16' })).status,
    ).toBe(201);
    for (const [cluster, cidr] of [
      ['k8s', '192.168.0.0/17'],
      ['dcos', '192.168.128.0/17'],
    ]) {
      const res = await ipam.request('POST', '/v1/pools/seed-002/allocations', {
        cluster,
        purpose: 'pods',
        cidr,
      });
      expect(res.status).toBe(201);
    }
    await registry.publish([
      registry.blockEvent({
        cluster: 'k8s',
        cidr: '192.168.55.128/26',
        node: 'worker-1',
        nextHop: '172.16.18.34',
      }),
      registry.blockEvent({
        cluster: 'k8s',
        cidr: '192.168.119.192/26',
        node: 'worker-2',
        nextHop: '172.16.18.35',
      }),
      registry.blockEvent({
        cluster: 'dcos',
        cidr: '192.168.158.192/26',
        node: 'agent-2',
        nextHop: '172.16.18.44',
      }),
      registry.serviceEvent(nginx),
      registry.nodeEvent({
        cluster: 'k8s',
        name: 'worker-1',
        addresses: ['172.16.18.34'],
        ready: true,
        labels: {},
      }),
    ]);
    await pollUntil(
      'the endpoint in the index',
      async () => (await lookup('192.168.158.192')).body.endpoints.length === 1,
    );
  });
  afterAll(async () => {
    await registry?.close();
    await ipam?.stop();
  });

  it('names the pool, allocation, block and endpoint that hold an address', async () => {
    const res = await lookup('192.168.158.192');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      address: '192.168.158.192',
      pool: { name: 'seed-002', cidr: '192.168.0.0/16' },
      allocation: {
        id: expect.any(Number),
        pool: 'seed-002',
        cluster: 'dcos',
        purpose: 'pods',
        cidr: '192.168.128.0/17',
      },
      block: {
        cluster: 'dcos',
        cidr: '192.168.158.192/26',
        node: 'agent-2',
        nextHop: '172.16.18.44',
        verdict: { status: 'valid', allocation: 'inside', excludedByTotal: 0 },
      },
      blocks: [expect.objectContaining({ cluster: 'dcos', cidr: '192.168.158.192/26' })],
      endpoints: [{ cluster: 'dcos', namespace: '/', service: 'nginx', node: 'agent-2', hostname: null }],
      nodes: [],
    });
    const k8s = (await lookup('192.168.55.130')).body;
    expect(k8s).toMatchObject({
      allocation: { cluster: 'k8s', cidr: '192.168.0.0/17' },
      block: { cluster: 'k8s', node: 'worker-1', nextHop: '172.16.18.34', verdict: { status: 'valid' } },
      endpoints: [],
    });
  });

  it('answers 200 with what holds the address, down to nothing', async () => {
    // Allocated to DC/OS, no block there yet.
    expect((await lookup('192.168.200.1')).body).toMatchObject({
      pool: { name: 'seed-002' },
      allocation: { cluster: 'dcos' },
      block: null,
      blocks: [],
    });
    // A node's own address (seed 002's Kubernetes worker 1).
    expect((await lookup('172.16.18.34')).body).toMatchObject({
      pool: null,
      nodes: [{ cluster: 'k8s', node: 'worker-1' }],
    });
    for (const nobody of ['10.0.0.1', '2001:db8::1']) {
      const res = await lookup(nobody);
      expect(res.status, nobody).toBe(200);
      expect(res.body, nobody).toEqual({
        address: nobody,
        pool: null,
        allocation: null,
        block: null,
        blocks: [],
        endpoints: [],
        nodes: [],
      });
    }
    // Any valid spelling is accepted and answered in canonical form (RFC 5952).
    expect((await lookup('2001:DB8:0::1')).body.address).toBe('2001:db8::1');
  });

  it('follows the registry: an endpoint that goes away leaves the index', async () => {
    await registry.publish([registry.serviceEvent({ ...nginx, endpoints: [] })]);
    await pollUntil(
      'the endpoint gone',
      async () => (await lookup('192.168.158.192')).body.endpoints.length === 0,
    );
    expect((await lookup('192.168.158.192')).body.block).toMatchObject({ cluster: 'dcos' });
  });

  it('refuses what is not one address with a message that says what to write', async () => {
    for (const [text, message] of [
      ['garbage', /"garbage" is not a valid IPv4 address.*write one IPv4 address/],
      ['010.0.0.1', /leading zeroes/],
      ['192.168.0.0%2F24', /"192.168.0.0\/24" is a prefix; look up one address \(e.g. 192.168.0.0\)/],
      ['2001:db8::g', /not a valid IPv6 address/],
    ] as const) {
      const res = await lookup(text);
      expect(res.status, text).toBe(400);
      expect(res.body.message, text).toMatch(message);
    }
    expect((await ipam.request('GET', '/v1/lookup/10.0.0.1', undefined, null)).status).toBe(401);
  });
});
