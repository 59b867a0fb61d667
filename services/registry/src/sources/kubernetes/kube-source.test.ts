import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeKubeApi } from '@isthmus/fake-kube';

import { registrySubjects } from '@isthmus/contracts';

import { natsUrl, pollUntil } from '@isthmus/testing';

import { connect } from '@nats-io/transport-node';

import { startRegistry, StreamReader, type RegistryUnderTest } from '../../testing/registry-harness';
import {
  blockAffinity,
  blockAffinityCrd,
  endpointSlice,
  node,
  SEED_002,
  service,
  serviceExport,
  serviceExportCrd,
} from '../../testing/kube-fixtures';

/**
 * The Kubernetes source end to end: real client-node informers against the fake API server
 * (libs/fake-kube), the registry's writer, Postgres and JetStream.
 */
describe('Kubernetes source', () => {
  let r: RegistryUnderTest;
  let calico: FakeKubeApi;
  let kubenet: FakeKubeApi;
  let stream: StreamReader;

  const get = async (path: string) => (await r.request('GET', path)).body;
  const status = async (id: string) => (await get(`/v1/clusters/${id}`)).status as string;
  const blocks = async (id: string) =>
    Object.fromEntries(
      ((await get(`/v1/pod-blocks?cluster=${id}`)).items as { cidr: string; nextHop: string }[]).map((b) => [
        b.cidr,
        b.nextHop,
      ]),
    );
  const endpoints = async (id: string, ns: string, name: string) => {
    const res = await r.request('GET', `/v1/clusters/${id}/services/${ns}/${name}`);
    return res.status === 200 ? (res.body.endpoints as { address: string; ready: boolean }[]) : null;
  };

  beforeAll(async () => {
    calico = await FakeKubeApi.start();
    calico.installCrd(blockAffinityCrd);
    calico.installCrd(serviceExportCrd);
    calico.apply(node(SEED_002.controller.name, SEED_002.controller.ip));
    for (const w of SEED_002.workers) {
      calico.apply(node(w.name, w.ip));
      calico.apply(blockAffinity(w.name, w.block));
    }
    calico.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    calico.apply(service('shop', 'web', { clusterIP: '10.96.0.10' }));
    calico.apply(endpointSlice('shop', 'web', 'web-abc', [{ ip: '192.168.55.130', node: 'k8s-worker-1' }]));
    calico.apply(serviceExport('shop', 'web'));

    kubenet = await FakeKubeApi.start();
    kubenet.apply(node('node-a', '198.51.100.10', { podCIDRs: ['10.244.0.0/24'] }));
    kubenet.apply(node('node-b', '198.51.100.11', { podCIDRs: ['10.244.1.0/24'] }));

    r = await startRegistry({
      env: {
        SOURCES_ENABLED: 'true',
        SOURCE_SYNC_INTERVAL_MS: '200',
        CLUSTER_LEASE_MS: '3000',
        // Above the 1 s a restarted watch needs to count as healthy again (ResilientInformer).
        SOURCE_DEGRADED_AFTER_MS: '1500',
        SOURCE_BACKOFF_INITIAL_MS: '50',
        SOURCE_BACKOFF_MAX_MS: '400',
        KUBE_CRD_CHECK_INTERVAL_MS: '200',
      },
    });
    stream = await StreamReader.open(r.config.streamName);
    for (const [id, api] of [
      ['calico', calico],
      ['kubenet', kubenet],
    ] as const) {
      const res = await r.request('POST', '/v1/clusters', {
        id,
        kind: 'kubernetes',
        connection: { kubeconfig: api.kubeconfig() },
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await stream?.close();
    await r?.stop();
    await calico?.stop();
    await kubenet?.stop();
  });

  it('syncs seed 002: every Calico block with its worker as next hop', async () => {
    await pollUntil('cluster calico synced', async () => (await status('calico')) === 'synced', {
      intervalMs: 50,
    });
    expect(await blocks('calico')).toEqual({
      '192.168.55.128/26': '172.16.18.34',
      '192.168.119.192/26': '172.16.18.35',
      '192.168.7.0/26': '172.16.18.36',
    });
    const nodes = (await get('/v1/clusters/calico/nodes')).items as { name: string; addresses: string[] }[];
    expect(nodes.map((n) => n.name)).toEqual([
      'k8s-controller',
      'k8s-worker-1',
      'k8s-worker-2',
      'k8s-worker-3',
    ]);
    expect((await get('/v1/clusters/calico')).lastSyncAt).toEqual(expect.any(String));
    expect(await stream.lastFor(registrySubjects(r.config.subjectRoot).cluster('calico'))).toMatchObject({
      state: { status: 'synced' },
    });
  });

  it('takes pod blocks from spec.podCIDRs where there is no Calico (kubenet)', async () => {
    await pollUntil('cluster kubenet synced', async () => (await status('kubenet')) === 'synced', {
      intervalMs: 50,
    });
    expect(await blocks('kubenet')).toEqual({
      '10.244.0.0/24': '198.51.100.10',
      '10.244.1.0/24': '198.51.100.11',
    });
  });

  it('follows endpoints as a deployment scales up and down, readiness included', async () => {
    const scale = (n: number, notReady = -1) =>
      calico.apply(
        endpointSlice(
          'shop',
          'web',
          'web-abc',
          Array.from({ length: n }, (_, i) => ({
            ip: `192.168.55.${130 + i}`,
            node: 'k8s-worker-1',
            ready: i !== notReady,
          })),
        ),
      );
    scale(5, 4);
    await pollUntil('5 endpoints', async () => (await endpoints('calico', 'shop', 'web'))?.length === 5, {
      intervalMs: 50,
    });
    expect((await endpoints('calico', 'shop', 'web'))!.filter((e) => !e.ready).map((e) => e.address)).toEqual(
      ['192.168.55.134'],
    );
    scale(1);
    await pollUntil('1 endpoint', async () => (await endpoints('calico', 'shop', 'web'))?.length === 1, {
      intervalMs: 50,
    });
  });

  it('tombstones a deleted node and its blocks', async () => {
    const subjects = registrySubjects(r.config.subjectRoot);
    calico.delete({ apiVersion: 'v1', kind: 'Node', name: 'k8s-worker-3' });
    await pollUntil(
      'the block of the deleted node gone',
      async () => !('192.168.7.0/26' in (await blocks('calico'))),
      { intervalMs: 50 },
    );
    await pollUntil(
      'its tombstone',
      async () => (await stream.lastFor(subjects.block('calico', '192.168.7.0/26')))?.deleted === true,
      { intervalMs: 50 },
    );
    expect(await stream.lastFor(subjects.node('calico', 'k8s-worker-3'))).toMatchObject({ deleted: true });
  });

  it('takes a service out of the exported set when its ServiceExport goes', async () => {
    const exported = async () =>
      ((await get('/v1/services?cluster=calico&exported=true')).items as { name: string }[]).map(
        (s) => s.name,
      );
    await pollUntil('web exported', async () => (await exported()).includes('web'), { intervalMs: 50 });
    calico.delete({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceExport',
      namespace: 'shop',
      name: 'web',
    });
    await pollUntil('web unexported', async () => !(await exported()).includes('web'), { intervalMs: 50 });
  });

  it('writes each service once in the first sync, with its endpoints, when its EndpointSlices list late', async () => {
    const late = await FakeKubeApi.start();
    const nc = await connect({ servers: natsUrl() });
    try {
      late.apply(node('node-l', '198.51.100.20', { podCIDRs: ['10.250.0.0/24'] }));
      for (let i = 0; i < 5; i++) {
        late.apply(service('shop', `s${i}`, { clusterIP: `10.96.1.${i + 1}` }));
        late.apply(endpointSlice('shop', `s${i}`, `s${i}-a`, [{ ip: `10.250.0.${i + 10}`, node: 'node-l' }]));
      }
      // Services and nodes list at once; the slices only after 1.5 s.
      late.inject({ match: { resource: 'endpointslices', verb: 'list' }, fault: { delayMs: 1500 } });
      const published: { endpoints: unknown[] }[] = [];
      const sub = nc.subscribe(registrySubjects(r.config.subjectRoot).all.services('late'));
      void (async () => {
        for await (const m of sub) published.push((m.json() as { state: { endpoints: unknown[] } }).state);
      })();
      const res = await r.request('POST', '/v1/clusters', {
        id: 'late',
        kind: 'kubernetes',
        connection: { kubeconfig: late.kubeconfig() },
      });
      expect(res.status).toBe(201);
      await pollUntil('cluster late synced', async () => (await status('late')) === 'synced', {
        intervalMs: 50,
      });
      await pollUntil('five service events', async () => published.length >= 5, { intervalMs: 50 });
      await new Promise((res) => setTimeout(res, 300));
      // One event per service, never a first one without endpoints.
      expect(published.map((s) => s.endpoints.length)).toEqual([1, 1, 1, 1, 1]);
      expect((await r.request('DELETE', '/v1/clusters/late')).status).toBe(200);
    } finally {
      await nc.close();
      await late.stop();
    }
  });

  it('publishes nothing when a relist finds nothing new (410 Gone after compaction)', async () => {
    await pollUntil('synced', async () => (await status('calico')) === 'synced', { intervalMs: 50 });
    await new Promise((res) => setTimeout(res, 300));
    const before = await stream.storedCount();
    calico.compact();
    calico.closeWatches('expire');
    await pollUntil('watches re-opened', async () => calico.stats().openWatchCount >= 3, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    await new Promise((res) => setTimeout(res, 500));
    expect(await stream.storedCount()).toBe(before);
  });

  it('converges after the API server restarts, with what changed meanwhile and nothing else', async () => {
    const before = await stream.storedCount();
    await calico.stop();
    calico.apply(node('k8s-worker-4', '172.16.18.37'));
    calico.apply(blockAffinity('k8s-worker-4', '192.168.8.0/26'));
    await calico.start();
    await pollUntil(
      'the new block',
      async () => (await blocks('calico'))['192.168.8.0/26'] === '172.16.18.37',
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await new Promise((res) => setTimeout(res, 500));
    // The node, its block, and possibly the cluster's status changing on the way: no more.
    const published = (await stream.storedCount()) - before;
    expect(published).toBeGreaterThanOrEqual(2);
    expect(published).toBeLessThanOrEqual(4);
  });

  // A dropped connection still delivers the events sent before the drop: the change gets through
  // while the flapping watch keeps the cluster degraded. The other faults hold it back.
  it.each([
    ['a 500 on every request', 'status500', false],
    ['malformed JSON', 'malformedJson', false],
    ['connections dropped mid-stream', 'dropConnection', true],
  ] as const)(
    'goes degraded on %s, keeps what it had, loses nothing, and recovers',
    async (_what, fault, delivers) => {
      await pollUntil('synced before the fault', async () => (await status('calico')) === 'synced', {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      const known = await blocks('calico');
      const slice = (n: number) =>
        endpointSlice(
          'shop',
          'web',
          'web-abc',
          Array.from({ length: n }, (_, i) => ({ ip: `192.168.55.${130 + i}` })),
        );
      calico.inject({ match: { resource: 'endpointslices' }, fault, times: 1_000_000 });
      try {
        calico.closeWatches('cut', { resource: 'endpointslices' });
        calico.apply(slice(2)); // a change that has to get through the faulty watch
        await pollUntil('degraded', async () => (await status('calico')) === 'degraded', {
          timeoutMs: 20_000,
          intervalMs: 50,
        });
        expect((await get('/v1/clusters/calico')).statusReason).toMatch(/^endpointslices: /);
        expect(await blocks('calico')).toEqual(known);
        if (!delivers) expect(await endpoints('calico', 'shop', 'web')).toHaveLength(1);
      } finally {
        calico.clearFaults();
      }
      await pollUntil('synced again', async () => (await status('calico')) === 'synced', {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      await pollUntil(
        'the held-back change',
        async () => (await endpoints('calico', 'shop', 'web'))?.length === 2,
        { intervalMs: 50 },
      );
      calico.apply(slice(1));
      await pollUntil(
        'back to one endpoint',
        async () => (await endpoints('calico', 'shop', 'web'))?.length === 1,
        { intervalMs: 50 },
      );
    },
  );

  it('restarts the watch when the connection changes (a kubeconfig file now), and stops it when the cluster goes', async () => {
    const other = await FakeKubeApi.start();
    try {
      other.apply(node('moved-node', '203.0.113.9', { podCIDRs: ['10.99.0.0/24'] }));
      const patched = await r.request('PATCH', '/v1/clusters/kubenet', {
        connection: { kubeconfigPath: other.kubeconfigFile() },
      });
      expect(patched.status).toBe(200);
      // The new API server's nodes replace the old ones: what the old cluster had is swept.
      await pollUntil(
        'the new cluster content',
        async () =>
          JSON.stringify(await blocks('kubenet')) === JSON.stringify({ '10.99.0.0/24': '203.0.113.9' }),
        { intervalMs: 50 },
      );
      await pollUntil(
        'the old API server no longer watched',
        async () => kubenet.stats().openWatchCount === 0,
        { intervalMs: 50 },
      );
      expect(other.stats().openWatchCount).toBeGreaterThanOrEqual(3);

      expect((await r.request('DELETE', '/v1/clusters/kubenet')).status).toBe(200);
      await pollUntil(
        'no watch left after the cluster is deleted',
        async () => other.stats().openWatchCount === 0,
        { intervalMs: 50 },
      );
      expect((await get('/v1/pod-blocks?cluster=kubenet')).items).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
