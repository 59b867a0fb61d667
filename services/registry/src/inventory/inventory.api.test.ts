import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RegistryUnderTest } from '../testing/registry-harness';

/** Seed 002's Kubernetes half, written as a static cluster: three workers with Calico-like /26 blocks. */
const workers = [
  { name: 'worker-1.k8s.internal', addresses: ['192.0.2.11'] },
  { name: 'worker-2.k8s.internal', addresses: ['192.0.2.12', '2001:db8::12'] },
  { name: 'worker-3.k8s.internal', addresses: ['192.0.2.13'], ready: false },
];

describe('inventory API (static clusters)', () => {
  let r: RegistryUnderTest;
  beforeAll(async () => {
    r = await startRegistry();
    await r.request('POST', '/v1/clusters', { id: 'lab', kind: 'static', exportDefault: true });
    await r.request('POST', '/v1/clusters', {
      id: 'k8s',
      kind: 'kubernetes',
      connection: { inCluster: true },
    });
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('upserts nodes, pod blocks and services in one request', async () => {
    const res = await r.request('POST', '/v1/clusters/lab/changes', {
      upsert: {
        nodes: workers,
        podBlocks: [
          { cidr: '192.168.0.0/26', node: 'worker-1.k8s.internal' },
          { cidr: '192.168.0.64/26', node: 'worker-2.k8s.internal' },
          { cidr: '192.168.0.128/26', node: 'worker-3.k8s.internal', nextHop: '198.51.100.13' },
          { cidr: '2001:db8:1::/64', node: 'worker-2.k8s.internal', nextHop: '2001:db8::12' },
        ],
        services: [
          {
            namespace: 'default',
            name: 'nginx',
            type: 'LoadBalancer',
            clusterIPs: ['10.96.10.10'],
            loadBalancerIPs: ['203.0.113.10'],
            ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }],
            endpoints: [
              {
                address: '192.168.0.5',
                node: 'worker-1.k8s.internal',
                ports: [{ name: 'http', port: 8080 }],
              },
              { address: '192.168.0.70', ready: false, terminating: true },
            ],
          },
          {
            namespace: 'default',
            name: 'db',
            type: 'Headless',
            exported: false,
            endpoints: [{ address: '192.168.0.6', hostname: 'db-0' }],
          },
          { namespace: 'ext', name: 'search', type: 'ExternalName', externalName: 'search.example.com' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ submitted: 10, changed: 10 });
  });

  it('writes nothing when the same state is written again', async () => {
    const res = await r.request('POST', '/v1/clusters/lab/changes', { upsert: { nodes: workers } });
    expect(res.body).toEqual({ submitted: 3, changed: 0 });
  });

  it('reads nodes, blocks and services back', async () => {
    const nodes = await r.request('GET', '/v1/clusters/lab/nodes');
    expect(nodes.body.items.map((n: { name: string }) => n.name)).toEqual(workers.map((w) => w.name));
    expect(nodes.body.items[2]).toMatchObject({ cluster: 'lab', ready: false, labels: {} });

    const node = await r.request('GET', '/v1/clusters/lab/nodes/worker-2.k8s.internal');
    expect(node.body).toMatchObject({
      addresses: ['192.0.2.12', '2001:db8::12'],
      revision: expect.any(Number),
    });

    const blocks = await r.request('GET', '/v1/pod-blocks?cluster=lab');
    const hops = Object.fromEntries(
      blocks.body.items.map((b: { cidr: string; nextHop: string }) => [b.cidr, b.nextHop]),
    );
    expect(hops).toEqual({
      '192.168.0.0/26': '192.0.2.11', // the node's first address
      '192.168.0.64/26': '192.0.2.12',
      '192.168.0.128/26': '198.51.100.13',
      '2001:db8:1::/64': '2001:db8::12',
    });
    const byNode = await r.request('GET', '/v1/pod-blocks?node=worker-2.k8s.internal');
    expect(byNode.body.items).toHaveLength(2);
    const one = await r.request(
      'GET',
      `/v1/clusters/lab/pod-blocks/${encodeURIComponent('192.168.0.64/26')}`,
    );
    expect(one.body).toMatchObject({ cidr: '192.168.0.64/26', source: 'static' });

    const exported = await r.request('GET', '/v1/services?cluster=lab&exported=true');
    expect(exported.body.items.map((s: { name: string }) => s.name).sort()).toEqual(['nginx', 'search']);
    expect(exported.body.items.find((s: { name: string }) => s.name === 'nginx')).toMatchObject({
      endpointCount: 2,
    });
    expect(exported.body.items[0].endpoints).toBeUndefined();
    const inNs = await r.request('GET', '/v1/services?namespace=default');
    expect(inNs.body.items).toHaveLength(2);

    const nginx = await r.request('GET', '/v1/clusters/lab/services/default/nginx');
    expect(nginx.body).toMatchObject({
      type: 'LoadBalancer',
      exported: true,
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
      endpoints: [
        { address: '192.168.0.5', ready: true, serving: true, terminating: false, hostname: null },
        { address: '192.168.0.70', ready: false, serving: false, terminating: true },
      ],
    });
  });

  it('pages services across clusters', async () => {
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { name: string }[]; nextCursor: string | null } } = await r.request(
        'GET',
        `/v1/services?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      names.push(...res.body.items.map((s) => s.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(names).toEqual(['db', 'nginx', 'search']);
  });

  it('puts and deletes single objects, and a deleted node takes its blocks along', async () => {
    const put = await r.request('PUT', '/v1/clusters/lab/nodes/edge-1', { addresses: ['192.0.2.50'] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'edge-1', addresses: ['192.0.2.50'], ready: true });
    const block = await r.request(
      'PUT',
      `/v1/clusters/lab/pod-blocks/${encodeURIComponent('10.50.0.0/24')}`,
      { node: 'edge-1' },
    );
    expect(block.body).toMatchObject({ nextHop: '192.0.2.50' });
    expect((await r.request('DELETE', '/v1/clusters/lab/nodes/edge-1')).status).toBe(204);
    expect(
      (await r.request('GET', `/v1/clusters/lab/pod-blocks/${encodeURIComponent('10.50.0.0/24')}`)).status,
    ).toBe(404);
    expect((await r.request('DELETE', '/v1/clusters/lab/nodes/edge-1')).status).toBe(404);

    const svc = await r.request('PUT', `/v1/clusters/lab/services/${encodeURIComponent('/prod/web')}/nginx`, {
      type: 'MarathonApp',
      labels: { HAPROXY_0_VHOST: 'web.example.com' },
    });
    expect(svc.body).toMatchObject({ namespace: '/prod/web', name: 'nginx', type: 'MarathonApp' });
    expect(
      (await r.request('DELETE', `/v1/clusters/lab/services/${encodeURIComponent('/prod/web')}/nginx`))
        .status,
    ).toBe(204);
    expect(
      (await r.request('DELETE', `/v1/clusters/lab/pod-blocks/${encodeURIComponent('10.99.0.0/24')}`)).status,
    ).toBe(404);
  });

  it('refuses writes to a cluster that has a watcher', async () => {
    const res = await r.request('PUT', '/v1/clusters/k8s/nodes/n1', { addresses: ['192.0.2.1'] });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/kind kubernetes: its inventory comes from its watcher/);
    expect((await r.request('GET', '/v1/clusters/k8s/nodes')).status).toBe(200);
  });

  it('says which cluster or object is missing', async () => {
    expect((await r.request('GET', '/v1/clusters/nope/nodes')).body.message).toBe(
      'cluster "nope" is not registered',
    );
    expect((await r.request('GET', '/v1/clusters/lab/nodes/nope')).body.message).toBe(
      'node "nope" not found in cluster "lab"',
    );
    expect((await r.request('POST', '/v1/clusters/nope/changes', {})).status).toBe(404);
  });

  it.each([
    [
      'a prefix with host bits set',
      { upsert: { podBlocks: [{ cidr: '192.168.0.1/26', node: 'worker-1.k8s.internal' }] } },
      /host bits set; the prefix is "192.168.0.0\/26"/,
    ],
    [
      'a prefix length out of range',
      { upsert: { podBlocks: [{ cidr: '192.168.0.0/33', node: 'w' }] } },
      /prefix lengths are 0 to 32/,
    ],
    [
      'IPv6 not in canonical form',
      { upsert: { podBlocks: [{ cidr: '2001:DB8::/64', node: 'w', nextHop: '2001:db8::1' }] } },
      /write "2001:db8::\/64"/,
    ],
    [
      'a block without next hop of an unknown node',
      { upsert: { podBlocks: [{ cidr: '10.9.0.0/24', node: 'unknown' }] } },
      /nextHop: not given, and node "unknown" is not known/,
    ],
    [
      'an invalid address',
      { upsert: { nodes: [{ name: 'n', addresses: ['10.0.0.256'] }] } },
      /upsert\.nodes\[0\]\.addresses\[0\]: "10.0.0.256" is not a valid IPv4 address/,
    ],
    [
      'a node without addresses',
      { upsert: { nodes: [{ name: 'n', addresses: [] }] } },
      /at least one address/,
    ],
    [
      'an unknown field',
      { upsert: { nodes: [{ name: 'n', addresses: ['192.0.2.1'], colour: 'red' }] } },
      /unknown field "colour"/,
    ],
    [
      'an ExternalName service without externalName',
      { upsert: { services: [{ namespace: 'a', name: 'b', type: 'ExternalName' }] } },
      /needs externalName/,
    ],
    [
      'a port out of range',
      { upsert: { services: [{ namespace: 'a', name: 'b', ports: [{ port: 70000 }] }] } },
      /ports\[0\]\.port/,
    ],
    [
      'a hostname that is not a DNS label',
      {
        upsert: {
          services: [
            { namespace: 'a', name: 'b', endpoints: [{ address: '192.0.2.1', hostname: 'Not_A_Label' }] },
          ],
        },
      },
      /hostname/,
    ],
    [
      'a service key without name',
      { delete: { services: [{ namespace: 'a' }] } },
      /delete\.services\[0\]\.name: is required/,
    ],
    [
      'more than 10,000 changes',
      { delete: { nodes: Array.from({ length: 10_001 }, (_, i) => `n${i}`) } },
      /at most 10000, split it/,
    ],
  ])('refuses %s with a 400 that says why', async (_what, body, message) => {
    const res = await r.request('POST', '/v1/clusters/lab/changes', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  // An empty body is no body, with or without content-type: application/json (issue 10): before,
  // with the header it was {} and passed where every field is optional (/changes, PUT service).
  it.each([
    ['POST', '/v1/clusters/lab/changes', /\{"upsert"\?, "delete"\?\}/],
    ['PUT', '/v1/clusters/lab/nodes/empty-1', /\{"addresses", "ready"\?, "labels"\?\}/],
    ['PUT', `/v1/clusters/lab/pod-blocks/${encodeURIComponent('10.77.0.0/24')}`, /\{"node", "nextHop"\?\}/],
    ['PUT', '/v1/clusters/lab/services/default/empty', /\{"type"\?, "clusterIPs"\?,/],
    ['POST', '/v1/clusters', /\{"id", "asn"\?, "labels"\?, "exportDefault"\?, "kind", "connection"\?\}/],
    ['PATCH', '/v1/clusters/lab', /\{"asn"\?, "labels"\?, "exportDefault"\?, "connection"\?\}/],
  ])(
    'refuses %s %s without a body, whatever the content type, saying what it looks like',
    async (method, path, shape) => {
      const revisions = (await r.request('GET', '/v1/pod-blocks?cluster=lab')).body;
      for (const answer of [
        await r.request(method, path, ''), // content-type: application/json, empty body
        await r.request(method, path), // neither
      ]) {
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(/^request body is required: send a JSON object /);
        expect(answer.body.message).toMatch(shape);
      }
      expect((await r.request('GET', '/v1/clusters/lab/services/default/empty')).status).toBe(404);
      expect((await r.request('GET', '/v1/pod-blocks?cluster=lab')).body).toEqual(revisions);
    },
  );

  it('refuses bad path parameters', async () => {
    expect((await r.request('GET', '/v1/clusters/lab/pod-blocks/not-a-prefix')).body.message).toMatch(
      /pod block prefix/,
    );
    expect((await r.request('GET', '/v1/services?exported=maybe')).status).toBe(400);
  });

  it('answers 413 for a body over the limit', async () => {
    const huge = {
      upsert: {
        nodes: [{ name: 'n', addresses: ['192.0.2.1'], labels: { big: 'x'.repeat(33 * 1024 * 1024) } }],
      },
    };
    const res = await r.request('POST', '/v1/clusters/lab/changes', huge);
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/too large/);
  });
});
