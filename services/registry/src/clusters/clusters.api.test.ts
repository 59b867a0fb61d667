import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RegistryUnderTest } from '../testing/registry-harness';

const SECRET = 'hunter2-very-secret-password';
// Complete enough to load; never contacted (sources are off in this suite).
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{name: east, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
  'users: [{name: u, user: {token: super-secret-token}}]',
  'contexts: [{name: admin, context: {cluster: east, user: u}}]',
  'current-context: admin',
  '',
].join('\n');

describe('clusters API', () => {
  let r: RegistryUnderTest;
  beforeAll(async () => {
    r = await startRegistry();
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('registers clusters of every kind and never returns their credentials', async () => {
    const k8s = await r.request('POST', '/v1/clusters', {
      id: 'k8s-east',
      kind: 'kubernetes',
      asn: 64511,
      labels: { region: 'east' },
      connection: { kubeconfig: KUBECONFIG, context: 'admin' },
    });
    expect(k8s.status).toBe(201);
    expect(k8s.body).toMatchObject({
      id: 'k8s-east',
      kind: 'kubernetes',
      status: 'connecting',
      asn: 64511,
      labels: { region: 'east' },
      exportDefault: false,
      connection: { source: 'inline', context: 'admin' },
      counts: { nodes: 0, podBlocks: 0, services: 0, endpoints: 0 },
    });
    const dcos = await r.request('POST', '/v1/clusters', {
      id: 'dcos',
      kind: 'marathon',
      asn: 4200000000, // 4-octet ASN (RFC 6793)
      connection: { url: 'https://marathon.example:8443', username: 'ops', password: SECRET },
    });
    expect(dcos.status).toBe(201);
    expect(dcos.body.connection).toEqual({
      url: 'https://marathon.example:8443',
      authentication: 'basic',
      insecureSkipTlsVerify: false,
    });
    const vms = await r.request('POST', '/v1/clusters', { id: 'vms', kind: 'static', exportDefault: true });
    expect(vms.status).toBe(201);
    expect(vms.body).toMatchObject({ status: 'synced', exportDefault: true });

    const everything = JSON.stringify([
      k8s.body,
      dcos.body,
      (await r.request('GET', '/v1/clusters/dcos')).body,
      (await r.request('GET', '/v1/clusters')).body,
    ]);
    for (const secret of [SECRET, 'super-secret-token', 'ops"', 'kubeconfig"'])
      expect(everything).not.toContain(secret);
  });

  it('refuses a second cluster with the same id', async () => {
    await r.request('POST', '/v1/clusters', { id: 'twice', kind: 'static' });
    const again = await r.request('POST', '/v1/clusters', { id: 'twice', kind: 'static' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already exists/);
  });

  it.each([
    [{ id: 'Bad_Name', kind: 'static' }, /id: must be a DNS label/],
    [{ id: 'x', kind: 'swarm' }, /kind/],
    [{ id: 'x', kind: 'static', extra: true }, /unknown field "extra"/],
    [{ id: 'x', kind: 'kubernetes' }, /connection: is required/],
    [{ id: 'x', kind: 'kubernetes', connection: {} }, /exactly one of kubeconfig/],
    [
      { id: 'x', kind: 'kubernetes', connection: { kubeconfigPath: '/k', inCluster: true } },
      /exactly one of/,
    ],
    [{ id: 'x', kind: 'marathon', connection: { url: 'ftp://m' } }, /http:\/\/ or https:\/\//],
    [
      { id: 'x', kind: 'kubernetes', connection: { kubeconfig: 'apiVersion: v1\nkind: Config\n' } },
      /connection.kubeconfig is invalid: the kubeconfig names no cluster/,
    ],
    [
      { id: 'x', kind: 'kubernetes', connection: { kubeconfig: KUBECONFIG, context: 'nope' } },
      /no context "nope"/,
    ],
    [{ id: 'x', kind: 'static', asn: 0 }, /asn/],
    [{ id: 'x', kind: 'static', asn: 4294967296 }, /asn/],
    [[1, 2], /invalid/],
  ])('refuses %j with a 400 that says why', async (body, message) => {
    const res = await r.request('POST', '/v1/clusters', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('refuses malformed JSON with a 400', async () => {
    const res = await r.request('POST', '/v1/clusters', '{"id": "x", ');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/JSON/);
  });

  it('pages through clusters with a cursor, and filters', async () => {
    for (const id of ['page-a', 'page-b', 'page-c'])
      await r.request('POST', '/v1/clusters', { id, kind: 'static' });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await r.request(
        'GET',
        `/v1/clusters?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...res.body.items.map((c) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    const marathon = await r.request('GET', '/v1/clusters?kind=marathon');
    expect(marathon.body.items.map((c: { id: string }) => c.id)).toEqual(['dcos']);
    expect((await r.request('GET', '/v1/clusters?cursor=garbage')).status).toBe(400);
    expect((await r.request('GET', '/v1/clusters?limit=5000')).status).toBe(400);
    expect((await r.request('GET', '/v1/clusters?colour=blue')).body.message).toMatch(
      /unknown field "colour"/,
    );
  });

  it('patches a cluster, with a new revision only when something changed', async () => {
    const before = (await r.request('GET', '/v1/clusters/k8s-east')).body;
    const patched = await r.request('PATCH', '/v1/clusters/k8s-east', {
      labels: { region: 'west' },
      exportDefault: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ labels: { region: 'west' }, exportDefault: true });
    expect(patched.body.revision).toBeGreaterThan(before.revision);
    const same = await r.request('PATCH', '/v1/clusters/k8s-east', { labels: { region: 'west' } });
    expect(same.body.revision).toBe(patched.body.revision);
    const conn = await r.request('PATCH', '/v1/clusters/k8s-east', {
      connection: { kubeconfigPath: '/etc/k8s/east.yaml' },
    });
    expect(conn.body.connection).toEqual({ source: 'path', kubeconfigPath: '/etc/k8s/east.yaml' });
    const wrongKind = await r.request('PATCH', '/v1/clusters/k8s-east', { connection: { url: 'https://m' } });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.message).toMatch(/connection for a kubernetes cluster is invalid/);
    expect((await r.request('PATCH', '/v1/clusters/k8s-east', {})).body.message).toMatch(/nothing to change/);
    expect((await r.request('PATCH', '/v1/clusters/nope', { labels: {} })).status).toBe(404);
    expect((await r.request('PATCH', '/v1/clusters/k8s-east', { id: 'renamed' })).status).toBe(400);
  });

  it('deletes a cluster with everything it had', async () => {
    await r.request('POST', '/v1/clusters', { id: 'doomed', kind: 'static' });
    await r.request('POST', '/v1/clusters/doomed/changes', {
      upsert: {
        nodes: [{ name: 'n1', addresses: ['192.0.2.1'] }],
        podBlocks: [{ cidr: '10.1.0.0/24', node: 'n1' }],
        services: [{ namespace: 'default', name: 'web' }],
      },
    });
    const res = await r.request('DELETE', '/v1/clusters/doomed');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tombstones: 4 });
    expect((await r.request('GET', '/v1/clusters/doomed')).status).toBe(404);
    expect((await r.request('GET', '/v1/pod-blocks?cluster=doomed')).body.items).toEqual([]);
    expect((await r.request('DELETE', '/v1/clusters/doomed')).status).toBe(404);
    expect((await r.request('GET', '/v1/clusters/NOT_A_LABEL')).status).toBe(400);
  });
});
