import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeKubeApi } from '@isthmus/fake-kube';

import { createTestDatabase, natsUrl, pollUntil, type TestDatabase } from '@isthmus/testing';

import { blockAffinity, blockAffinityCrd, node, SEED_002 } from '../testing/kube-fixtures';

import { deleteStream, registryEnv, request } from '../testing/registry-harness';
import { spawnRegistry, type RegistryProcess } from '../testing/registry-process';

const LEASE_MS = 2_000;

/**
 * Two registry replicas share a database: each cluster is watched by exactly one of them, and
 * when that one is killed (SIGKILL: no shutdown, the lease is not released) the other takes the
 * cluster over once the lease expires, and the registry follows the cluster again.
 */
describe('two registry replicas', () => {
  let db: TestDatabase;
  let api: FakeKubeApi;
  let client: pg.Client;
  const replicas: RegistryProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('takeover');
    client = new pg.Client({ connectionString: db.url });
    api = await FakeKubeApi.start();
    api.installCrd(blockAffinityCrd);
    for (const w of SEED_002.workers) {
      api.apply(node(w.name, w.ip));
      api.apply(blockAffinity(w.name, w.block));
    }
  });
  let stream: string | undefined;
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    if (stream) await deleteStream(stream, natsUrl());
    await client?.end().catch(() => undefined);
    await api?.stop();
    await db?.drop();
  });

  it('hands a watched cluster over to the surviving replica within the lease time', async () => {
    const env = registryEnv(db, {
      SOURCES_ENABLED: 'true',
      CLUSTER_LEASE_MS: String(LEASE_MS),
      SOURCE_SYNC_INTERVAL_MS: '200',
      SOURCE_BACKOFF_INITIAL_MS: '50',
      SOURCE_BACKOFF_MAX_MS: '500',
      KUBE_CRD_CHECK_INTERVAL_MS: '200',
    });
    stream = env.ISTHMUS_REGISTRY_STREAM;
    replicas.push(await spawnRegistry(env));
    replicas.push(await spawnRegistry({ ...env, MIGRATE_ON_START: 'false' }));
    await client.connect();
    const res = await request(replicas[0]!.url, 'POST', '/v1/clusters', {
      id: 'seed',
      kind: 'kubernetes',
      connection: { kubeconfig: api.kubeconfig() },
    });
    expect(res.status).toBe(201);

    const blocks = async (url: string) =>
      ((await request(url, 'GET', '/v1/pod-blocks?cluster=seed')).body.items as { cidr: string }[])
        .map((b) => b.cidr)
        .sort();
    await pollUntil('the three blocks', async () => (await blocks(replicas[1]!.url)).length === 3, {
      intervalMs: 50,
    });
    const owner = async () =>
      (await client.query<{ owner: string }>("SELECT owner FROM cluster_lease WHERE cluster = 'seed'"))
        .rows[0]?.owner;
    const first = await owner();
    const ownerIndex = replicas.findIndex((r) => first?.includes(`-${r.child.pid}-`));
    expect(ownerIndex).toBeGreaterThanOrEqual(0);
    const survivor = replicas[1 - ownerIndex]!;
    // Exactly one watcher: the other replica has never listed the cluster.
    expect(replicas[1 - ownerIndex]!.output()).not.toMatch(/watching cluster seed/);

    const killedAt = Date.now();
    await replicas[ownerIndex]!.kill();
    api.apply(node('k8s-worker-4', '172.16.18.37'));
    api.apply(blockAffinity('k8s-worker-4', '192.168.8.0/26'));

    await pollUntil(
      'the survivor to hold the lease',
      async () => (await owner())?.includes(`-${survivor.child.pid}-`),
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const takeoverMs = Date.now() - killedAt;
    await pollUntil(
      'the change made after the kill',
      async () => (await blocks(survivor.url)).includes('192.168.8.0/26'),
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(survivor.output()).toMatch(/watching cluster seed/);
    // The requirement: taken over "within the lease time". The lease runs out LEASE_MS
    // after the last renewal and the survivor looks every 200 ms; the margin is for a loaded,
    // shared machine, not for the mechanism (typically about LEASE_MS).
    expect(takeoverMs).toBeLessThan(LEASE_MS + 8_000);
    const status = (await request(survivor.url, 'GET', '/v1/clusters/seed')).body.status;
    await pollUntil(
      `synced (was ${status})`,
      async () => (await request(survivor.url, 'GET', '/v1/clusters/seed')).body.status === 'synced',
      { intervalMs: 50 },
    );
  });
});
