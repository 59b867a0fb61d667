import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { FakeKubeApi } from '@isthmus/fake-kube';
import { createTestDatabase, natsUrl, type TestDatabase } from '@isthmus/testing';
import { blockAffinity, blockAffinityCrd, node, SEED_002 } from './kube-fixtures';
import { deleteStream, registryEnv } from './registry-harness';
import { spawnRegistry, type RegistryProcess } from './registry-process';

export interface WatchingReplicas {
  readonly api: FakeKubeApi;
  readonly replicas: RegistryProcess[];
  /** Starts `count` registry processes on one database, watching clusters (sources enabled). */
  start(count: number, env: Record<string, string>): Promise<void>;
  /** The replica id holding a cluster's lease, if any. */
  owner(cluster: string): Promise<string | undefined>;
}

/**
 * Registry replicas that watch Kubernetes clusters, on one database, with a fake API server
 * serving seed 002's Calico workers: the set-up of the lease tests. Registers its own
 * beforeAll/afterAll (processes killed, stream and database removed).
 */
export function watchingReplicas(databasePrefix: string): WatchingReplicas {
  let db: TestDatabase;
  let client: pg.Client;
  let api: FakeKubeApi;
  let stream: string | undefined;
  const replicas: RegistryProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(databasePrefix);
    client = new pg.Client({ connectionString: db.url });
    api = await FakeKubeApi.start();
    api.installCrd(blockAffinityCrd);
    for (const w of SEED_002.workers) {
      api.apply(node(w.name, w.ip));
      api.apply(blockAffinity(w.name, w.block));
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    if (stream) await deleteStream(stream, natsUrl());
    await client?.end().catch(() => undefined);
    await api?.stop();
    await db?.drop();
  });

  return {
    get api() {
      return api;
    },
    replicas,
    async start(count, overrides) {
      const env = registryEnv(db, { SOURCES_ENABLED: 'true', ...overrides });
      stream = env.ISTHMUS_REGISTRY_STREAM;
      replicas.push(await spawnRegistry(env));
      for (let i = 1; i < count; i++)
        replicas.push(await spawnRegistry({ ...env, MIGRATE_ON_START: 'false' }));
      await client.connect();
    },
    async owner(cluster) {
      return (
        await client.query<{ owner: string }>('SELECT owner FROM cluster_lease WHERE cluster = $1', [cluster])
      ).rows[0]?.owner;
    },
  };
}
